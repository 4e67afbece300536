import type { Locator } from 'playwright-core';
import de from '../../src/views/rooms/de.json' with { type: 'json' };
import en from '../../src/views/rooms/en.json' with { type: 'json' };
import type { Person } from './person.ts';

/** Group chat in the web client as a person uses it (the texts of src/views/rooms). */
const ROOM_TEXT = { en: en.rooms, de: de.rooms };

export function texts(person: Person) {
  return ROOM_TEXT[person.lang];
}

export async function openRoomDialog(person: Person): Promise<Locator> {
  await person.showContacts();
  await person.page.getByRole('button', { name: texts(person).open, exact: true }).click();
  return person.page.getByRole('dialog');
}

export async function createRoom(person: Person, name: string, kind: 'private' | 'instant'): Promise<void> {
  const r = texts(person);
  const dialog = await openRoomDialog(person);
  await dialog.getByRole('radio', { name: r.join.modeCreate }).check();
  await dialog.getByRole('textbox', { name: r.join.name, exact: true }).fill(name);
  await dialog.getByRole('radio', { name: kind === 'private' ? r.join.private : r.join.instant }).check();
  await dialog.getByRole('button', { name: r.join.createButton, exact: true }).click();
  await dialog.waitFor({ state: 'detached', timeout: 30_000 });
  await person.page.getByRole('log', { name: r.view.messages }).waitFor();
}

/** Tries to enter; returns the dialog (still open when the room refused). */
export async function joinRoom(person: Person, address: string, nick: string): Promise<Locator> {
  const r = texts(person);
  const dialog = person.page.getByRole('dialog');
  if (!(await dialog.isVisible())) await openRoomDialog(person);
  await dialog.getByRole('textbox', { name: r.join.address, exact: true }).fill(address);
  await dialog.getByRole('textbox', { name: r.join.nick, exact: true }).fill(nick);
  await dialog.getByRole('button', { name: r.join.joinButton, exact: true }).click();
  return dialog;
}

/** One of the group's actions: a button in the header, or on a phone an item of the header's menu. */
export async function groupAction(person: Person, label: string): Promise<void> {
  if (person.size === 'desktop') return person.page.getByRole('button', { name: label, exact: true }).click();
  await person.page.getByRole('button', { name: texts(person).view.actions, exact: true }).click();
  const menu = person.page.getByRole('menu', { name: texts(person).view.actions });
  await menu.getByRole('menuitem', { name: label, exact: true }).or(menu.getByRole('menuitemcheckbox', { name: label, exact: true })).click();
}

export function roomLog(person: Person): Locator {
  return person.page.getByRole('log', { name: texts(person).view.messages });
}

export async function sendInRoom(person: Person, text: string): Promise<void> {
  await person.composer().fill(text);
  await person.page.getByRole('button', { name: person.t.send, exact: true }).click();
}
