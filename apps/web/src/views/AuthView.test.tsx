import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { i18n } from '../i18n/index.ts';
import { AuthView } from './AuthView.tsx';

describe('AuthView', () => {
  it('asks for both fields before contacting anyone', async () => {
    await i18n.changeLanguage('en');
    const onSession = vi.fn();
    render(<AuthView defaultDomain="localhost" onSession={onSession} />);
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Enter a username and a password.');
    expect(onSession).not.toHaveBeenCalled();
  });

  it('shows a strength hint while registering and keeps what was typed after an error', async () => {
    await i18n.changeLanguage('en');
    vi.stubGlobal('fetch', vi.fn(async () => new Response('', { status: 404 })));
    render(<AuthView defaultDomain="localhost" onSession={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Create an account' }));
    expect(screen.getByRole('heading', { name: 'Create an account' })).toBeTruthy();
    const user = screen.getByRole('textbox', { name: 'Username' }) as HTMLInputElement;
    const pass = screen.getByLabelText('Password') as HTMLInputElement;
    fireEvent.change(user, { target: { value: 'alice' } });
    fireEvent.change(pass, { target: { value: 'short' } });
    expect(screen.getByTestId('password-strength').textContent).toContain('Password strength: too short');
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The password needs at least 8 characters.');
    fireEvent.change(pass, { target: { value: 'three little words' } });
    expect(screen.getByTestId('password-strength').textContent).toContain('strong');
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    // no server answers host-meta here: a readable error, and nothing typed is lost
    expect((await screen.findByRole('alert', {}, { timeout: 5000 })).textContent).toBe('Cannot reach the server. Check your connection and try again.');
    expect(user.value).toBe('alice');
    expect(pass.value).toBe('three little words');
    vi.unstubAllGlobals();
  });
});
