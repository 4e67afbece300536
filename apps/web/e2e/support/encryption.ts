import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import type { Person } from './person.ts';

/** What the web client says about end-to-end encryption (apps/web/src/i18n, key "encryption"), in both languages. */
export const ENCRYPTION_TEXT = {
  en: {
    sendPlain: 'Send unencrypted in this chat',
    encrypted: 'Encrypted',
    encryptedVerified: 'Encrypted and verified',
    unencrypted: 'Not encrypted',
    undecryptable: /^Could not be decrypted: /,
    notForThisDevice: 'This message was not encrypted for this device',
    predates: /earlier messages? (was|were) encrypted before this browser was set up/,
    removedHere: /This browser was removed from your devices/,
    chatPlain: 'You chose to send messages in this chat unencrypted.',
    groupEncrypted: /^Messages in this group are end-to-end encrypted \(OMEMO\) for its \d+ members?\./,
    groupNobodyCanRead: /nobody else in it can receive encrypted messages yet/,
    groupSendPlain: 'Send unencrypted in this group',
    groupPlainChosen: /You chose to send messages in this group unencrypted/,
    groupPublic: /This group is not end-to-end encrypted: anyone may join it/,
    chatEncrypted: 'Messages in this chat are end-to-end encrypted (OMEMO).',
    noDevices: /has no device that can receive encrypted messages/,
    fingerprints: 'Fingerprints',
    verify: (id: number | string) => `Mark device ${id} verified`,
    distrust: (id: number | string) => `Distrust device ${id}`,
    close: 'Close',
  },
  de: {
    sendPlain: 'In diesem Chat unverschlüsselt senden',
    encrypted: 'Verschlüsselt',
    encryptedVerified: 'Verschlüsselt und verifiziert',
    unencrypted: 'Nicht verschlüsselt',
    undecryptable: /^Konnte nicht entschlüsselt werden: /,
    notForThisDevice: 'Diese Nachricht wurde nicht für dieses Gerät verschlüsselt',
    predates: /ältere Nachrichten? (wurde|wurden) verschlüsselt, bevor dieser Browser eingerichtet war/,
    removedHere: /Dieser Browser wurde auf einem anderen Gerät aus deinen Geräten entfernt/,
    chatPlain: 'Du hast entschieden, in diesem Chat unverschlüsselt zu schreiben.',
    groupEncrypted: /^Nachrichten in dieser Gruppe sind für ihre? \d+ Mitglieder? Ende-zu-Ende-verschlüsselt \(OMEMO\)\./,
    groupNobodyCanRead: /noch niemand sonst in ihr kann verschlüsselte Nachrichten empfangen/,
    groupSendPlain: 'In dieser Gruppe unverschlüsselt senden',
    groupPlainChosen: /Du hast entschieden, in dieser Gruppe unverschlüsselt zu schreiben/,
    groupPublic: /Diese Gruppe ist nicht Ende-zu-Ende-verschlüsselt: Jeder kann ihr beitreten/,
    chatEncrypted: 'Nachrichten in diesem Chat sind Ende-zu-Ende-verschlüsselt (OMEMO).',
    noDevices: /hat kein Gerät, das verschlüsselte Nachrichten empfangen kann/,
    fingerprints: 'Fingerabdrücke',
    verify: (id: number | string) => `Gerät ${id} als verifiziert markieren`,
    distrust: (id: number | string) => `Gerät ${id} misstrauen`,
    close: 'Schließen',
  },
};

export function encryptionText(person: Person) {
  return ENCRYPTION_TEXT[person.lang];
}

/**
 * In the open chat with a contact who has no OMEMO device: waits for the
 * warning and chooses to send unencrypted messages in this chat, as a user
 * must before the client sends anything in plain text.
 */
export async function choosePlainText(person: Person, timeout = 30_000): Promise<void> {
  const text = encryptionText(person);
  const warning = person.page.getByRole('alert').filter({ hasText: text.noDevices });
  await warning.waitFor({ timeout });
  await warning.getByRole('button', { name: text.sendPlain, exact: true }).click();
  await warning.waitFor({ state: 'detached', timeout });
}

/**
 * In an open private group where nobody else can read encrypted messages:
 * waits for the warning and chooses plain text for this group.
 */
export async function choosePlainTextInGroup(person: Person, timeout = 30_000): Promise<void> {
  const text = encryptionText(person);
  const warning = person.page.getByRole('alert').filter({ hasText: text.groupNobodyCanRead });
  await warning.waitFor({ timeout });
  await warning.getByRole('button', { name: text.groupSendPlain, exact: true }).click();
  await person.page.getByText(text.groupPlainChosen).waitFor({ timeout });
}

/** The protection one message shows ("Encrypted", "Not encrypted", …). */
export function securityOf(message: Locator, label: string): Locator {
  return message.getByText(label, { exact: true });
}

/** Every file under `dir` (the server's data directory: SQLite database, its WAL, uploads), concatenated. */
export async function everythingStoredIn(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    parts.push(await readFile(join(entry.parentPath ?? (entry as { path?: string }).path ?? dir, entry.name)).catch(() => Buffer.alloc(0)));
  }
  return Buffer.concat(parts);
}
