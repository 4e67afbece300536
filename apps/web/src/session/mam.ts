import { mamPrefs, parseMamPrefs, type MamDefault } from '@conexizan/protocol/mam';
import { NS } from '@conexizan/protocol/namespaces';
import { xml } from '@conexizan/protocol/xml';
import type { ArchiveResults } from './archive.ts';
import type { Connection } from './client.ts';
import type { ChatMessage } from './model.ts';
import { parseMessage, type MessageEvent } from './stanzas.ts';

/** One page of our account's archive as store events, and where the next page starts. */
export interface ArchivePage {
  events: MessageEvent[];
  first: string | null;
  last: string | null;
  complete: boolean;
}

/**
 * Turns archived one-to-one stanzas into store events: each goes through the
 * incoming transforms (OMEMO decryption) first, as a live message would, and
 * keeps the archive's id and the time it was stored.
 */
export async function archivePage(page: ArchiveResults, self: string, connection: Pick<Connection, 'transformIncoming'>): Promise<ArchivePage> {
  const events: MessageEvent[] = [];
  for (const result of page.results) {
    for (const event of parseMessage(await connection.transformIncoming(result.message, { stamp: result.stamp ?? undefined }), { self, stamp: result.stamp ?? undefined })) {
      if (event.kind === 'message' && result.id) event.message.archiveId = result.id;
      events.push(event);
    }
  }
  return { events, first: page.first, last: page.last, complete: page.complete };
}

export function messagesOf(events: MessageEvent[]): ChatMessage[] {
  return events.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
}

// -- XEP-0441 archiving preferences --------------------------------------------

export type ArchivePreference = MamDefault;

/** What the server keeps for this account; 'always' when it does not say. */
export async function getArchivePreference(connection: Pick<Connection, 'iq'>): Promise<ArchivePreference> {
  const prefs = (await connection.iq('get', xml('prefs', { xmlns: NS.MAM }))).getChild('prefs', NS.MAM);
  try {
    return prefs ? parseMamPrefs(prefs).default : 'always';
  } catch {
    return 'always';
  }
}

export async function setArchivePreference(connection: Pick<Connection, 'iq'>, value: ArchivePreference): Promise<void> {
  await connection.iq('set', mamPrefs({ default: value, always: [], never: [] }));
}
