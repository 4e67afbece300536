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

  it('on its own server, registering needs the rules accepted (linked in the app’s language) before anything is sent', async () => {
    await i18n.changeLanguage('de');
    const fetch = vi.fn(async () => new Response('', { status: 404 }));
    vi.stubGlobal('fetch', fetch);
    const site = {
      domain: 'localhost', websocket: 'ws://localhost:5280/xmpp-websocket', registration: 'open' as const, minPasswordLength: 8,
      rulesUrl: '/#rules', privacyUrl: '/#privacy', archive: null, uploads: null,
    };
    render(<AuthView defaultDomain="localhost" site={site} startWith="register" onSession={() => {}} />);
    expect(screen.getByRole('link', { name: 'die Regeln' }).getAttribute('href')).toBe('/?lang=de#rules');
    fireEvent.change(screen.getByRole('textbox', { name: 'Benutzername' }), { target: { value: 'alice' } });
    fireEvent.change(screen.getByLabelText('Passwort'), { target: { value: 'three little words' } });
    fireEvent.click(screen.getByRole('button', { name: 'Registrieren' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Um dich zu registrieren, erkenne die Regeln dieses Dienstes an.');
    expect(fetch).not.toHaveBeenCalled();
    expect(screen.getByRole('checkbox', { name: /Ich erkenne die Regeln dieses Dienstes an/ })).toBeTruthy();
    vi.unstubAllGlobals();
    await i18n.changeLanguage('en');
  });
});
