import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import '../i18n/index.ts';
import { i18n } from '../i18n/index.ts';
import { Composer } from './Composer.tsx';

function setup() {
  const onSend = vi.fn(async () => {});
  const onDraft = vi.fn();
  render(<Composer draft="" onDraft={onDraft} onSend={onSend} onTyping={() => {}} onFiles={() => {}} replyTo={null} editing={null} onCancel={() => {}} />);
  return { onSend, onDraft, box: () => screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement };
}

describe('Composer', () => {
  it('sends on Enter and keeps Shift+Enter for a new line', async () => {
    await i18n.changeLanguage('en');
    const { onSend, box: getBox } = setup();
    const box = getBox();
    fireEvent.change(box, { target: { value: 'hello' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    await vi.waitFor(() => expect(onSend).toHaveBeenCalledWith('hello'));
    await vi.waitFor(() => expect(box.value).toBe(''));
  });

  it('refuses a huge paste with a message and keeps the text', async () => {
    await i18n.changeLanguage('en');
    const { onSend, box: getBox } = setup();
    const box = getBox();
    const huge = 'x'.repeat(10_001);
    fireEvent.change(box, { target: { value: huge } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/This message is too long/);
    expect(onSend).not.toHaveBeenCalled();
    expect(box.value).toBe(huge);
  });

  it('labels its controls in German', async () => {
    await i18n.changeLanguage('de');
    setup();
    expect(screen.getByRole('textbox', { name: 'Nachricht' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Senden' })).toBeTruthy();
    expect(screen.getByLabelText('Datei anhängen')).toBeTruthy();
    await i18n.changeLanguage('en');
  });
});
