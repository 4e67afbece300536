import { NS, parseXml, tryParseJid, xml, type Element, type Jid, type ReportedStanzaId } from '@conexizan/protocol';
import type { ReportedMessage, Storage } from '@conexizan/storage';

/**
 * What the server can show the operators of the messages a report names:
 * the reporter's own stored copy (their archive, or the archive of a room of
 * this server), only if it came from the reported JID, and only what a
 * person reads (sender, time, text). An end-to-end encrypted message stays
 * what it is: the operators learn that it existed and when, never its text.
 */
const ENCRYPTED = [NS.OMEMO_LEGACY, NS.OMEMO, 'urn:xmpp:openpgp:0', 'jabber:x:encrypted'];

export async function reportedMessages(storage: Storage, reporter: Jid, offender: Jid, ids: ReportedStanzaId[], mucService: string | null): Promise<ReportedMessage[]> {
  const found: ReportedMessage[] = [];
  for (const { id, by } of ids) {
    const archive = tryParseJid(by);
    if (!archive || archive.resource) continue;
    const entry = await lookup(storage, reporter, archive, id, mucService);
    if (!entry || !fromOffender(entry, offender, archive)) {
      found.push({ id, by: archive.toString(), stanza: null, at: null });
      continue;
    }
    found.push({ id, by: archive.toString(), stanza: readableStanza(entry.stanza), at: entry.storedAt });
  }
  return found;
}

interface Entry {
  stanza: string;
  storedAt: Date;
  peer: string;
  peerResource: string | null;
}

async function lookup(storage: Storage, reporter: Jid, archive: Jid, id: string, mucService: string | null): Promise<Entry | null> {
  if (archive.equals(reporter.bare())) {
    const page = await storage.archive.query(reporter.local, { ids: [id] }, { max: 1 });
    return page?.items[0] ?? null;
  }
  // A room's archive, for someone who reports a message in a room of this server.
  if (mucService && archive.domain === mucService && archive.local) return storage.muc.entry(archive.toString(), id);
  return null;
}

function fromOffender(entry: Entry, offender: Jid, archive: Jid): boolean {
  let sender: Jid | null;
  try {
    sender = tryParseJid(parseXml(entry.stanza).attrs.from);
  } catch {
    return false;
  }
  if (!sender) return false;
  if (!offender.local) return sender.domain === offender.domain || sender.domain.endsWith(`.${offender.domain}`);
  // In a room: the whole room, or one occupant by nick.
  if (archive.domain === offender.domain && archive.local === offender.local) return !offender.resource || entry.peerResource === offender.resource;
  return sender.bare().equals(offender.bare());
}

function readableStanza(stanza: string): string | null {
  try {
    return readableMessage(parseXml(stanza));
  } catch {
    return null;
  }
}

/** The parts of a message a person reads (sender, recipient, subject, text), or null for an encrypted one. */
export function readableMessage(message: Element): string | null {
  if (message.getChildElements().some((child) => ENCRYPTED.includes(child.getNS() ?? ''))) return null;
  const body = message.getChildText('body');
  if (body === null || body === undefined) return null;
  const subject = message.getChildText('subject');
  return xml('message', { from: message.attrs.from, to: message.attrs.to, type: message.attrs.type }, subject ? xml('subject', {}, subject) : null, xml('body', {}, body)).toString();
}
