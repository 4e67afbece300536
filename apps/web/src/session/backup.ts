import { BackupError, openBackup, sealBackup } from '@conexizan/crypto/backup';
import type { OmemoSnapshot } from '@conexizan/crypto/omemo';
import type { ChatMessage } from './model.ts';
import { IdbOmemoStore, omemoDbName } from './omemo/idb-store.ts';
import { LocalStore } from './persistence.ts';
import { Vault } from './vault.ts';

export { BackupError } from '@conexizan/crypto/backup';

/**
 * The web client's optional encrypted backup: this browser's OMEMO device
 * (keys, sessions, trust decisions) and its message history, in one file
 * sealed with a backup code that is shown once. Restored in a new browser
 * before logging in, that browser continues as the same device and shows
 * the same history. Only one browser may be that device at a time: the
 * backup is offered when logging out, which retires this browser.
 */
interface BackupContents {
  kind: 'conexizan-web-backup';
  jid: string;
  createdAt: number;
  omemo: OmemoSnapshot;
  messages: ChatMessage[];
}

export interface BackupSummary {
  jid: string;
  createdAt: number;
  messages: number;
}

/** The backup of one account in this browser: its OMEMO store and its local history. */
export async function createBackup(source: { jid: string; omemo: IdbOmemoStore; local: LocalStore }, code: string): Promise<Blob> {
  const contents: BackupContents = {
    kind: 'conexizan-web-backup',
    jid: source.jid,
    createdAt: Date.now(),
    omemo: await source.omemo.snapshot(),
    messages: await source.local.allMessages(),
  };
  return new Blob([await sealBackup(contents, code)], { type: 'application/json' });
}

export function backupFileName(jid: string, now = new Date()): string {
  return `conexizan-${jid.replace(/[^a-z0-9@.-]/gi, '_')}-${now.toISOString().slice(0, 10)}.backup`;
}

/** Opens a backup file and writes it into this browser for its account; the next login there continues from it. */
export async function restoreBackup(file: Blob, code: string): Promise<BackupSummary> {
  const contents = (await openBackup(await file.text(), code)) as Partial<BackupContents>;
  if (contents?.kind !== 'conexizan-web-backup' || typeof contents.jid !== 'string' || typeof contents.omemo !== 'object' || !Array.isArray(contents.messages)) {
    throw new BackupError('not-a-backup');
  }
  const store = new IdbOmemoStore(omemoDbName(contents.jid), new Vault(contents.jid));
  try {
    await store.restore(contents.omemo ?? {});
  } finally {
    await store.close();
  }
  const local = new LocalStore(contents.jid);
  try {
    const messages = contents.messages.filter((m) => typeof m?.id === 'string' && typeof m.peer === 'string' && typeof m.timestamp === 'number');
    await local.saveMessages(messages);
    return { jid: contents.jid, createdAt: contents.createdAt ?? 0, messages: messages.length };
  } finally {
    await local.close();
  }
}
