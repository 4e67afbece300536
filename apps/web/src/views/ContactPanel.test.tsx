import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { parseXml } from '@conexizan/protocol/xml';
import { i18n } from '../i18n/index.ts';
import { testSession } from '../session/testing.ts';
import { ContactPanel } from './ContactPanel.tsx';

function setup() {
  const { session } = testSession();
  session.roster.setAll([{ jid: 'bob@x', name: 'Bob', subscription: 'both', pending: false, groups: [] }], null);
  session.roster.applyPresence(parseXml('<presence from="bob@x/phone"/>'));
  session.roster.applyPresence(parseXml('<presence from="carol@y" type="subscribe"/>'));
  session.chats.addMessages([{ id: 'm1', peer: 'bob@x', outgoing: false, body: 'hi', timestamp: 1, state: 'received' }], { live: true });
  const onOpen = vi.fn();
  render(<ContactPanel session={session} activePeer={null} onOpen={onOpen} />);
  return { session, onOpen };
}

describe('ContactPanel', () => {
  it('names each contact with presence and unread count, and opens the chat', async () => {
    await i18n.changeLanguage('en');
    const { onOpen } = setup();
    const list = screen.getByRole('list', { name: 'Contact list' });
    // The name is the button's own text (picture and badge are hidden), so it matches what is seen (WCAG 2.5.3).
    const bob = list.querySelector('button')!;
    expect(bob.getAttribute('aria-label')).toBeNull();
    const spoken = bob.cloneNode(true) as HTMLElement;
    spoken.querySelectorAll('[aria-hidden="true"]').forEach((hidden) => hidden.remove());
    expect(spoken.textContent).toBe('Bob, online, 1 unread');
    fireEvent.click(bob);
    expect(onOpen).toHaveBeenCalledWith('bob@x');
  });

  it('offers to accept or refuse a subscription request', async () => {
    await i18n.changeLanguage('en');
    const { session } = setup();
    const accept = vi.spyOn(session.contacts, 'accept').mockResolvedValue();
    expect(screen.getByText('carol@y wants to add you as a contact.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Refuse carol@y' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Accept carol@y' }));
    expect(accept).toHaveBeenCalledWith('carol@y');
  });

  it('explains an invalid or own address and keeps what was typed', async () => {
    await i18n.changeLanguage('en');
    const { session } = setup();
    const add = vi.spyOn(session.contacts, 'add').mockResolvedValue();
    fireEvent.click(screen.getByRole('button', { name: 'Add contact' }));
    const dialog = screen.getByRole('dialog', { name: 'Add contact' });
    const address = screen.getByRole('textbox', { name: 'Address' }) as HTMLInputElement;
    fireEvent.change(address, { target: { value: 'not an address' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect((await screen.findByRole('alert')).textContent).toBe('This is not a valid address.');
    expect(address.value).toBe('not an address');
    fireEvent.change(address, { target: { value: 'Alice@X' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await vi.waitFor(() => expect(screen.getByRole('alert').textContent).toBe('You cannot add yourself.'));
    expect(add).not.toHaveBeenCalled();
    expect(dialog.isConnected).toBe(true);
  });
});
