import { NS } from '@conexizan/protocol/namespaces';
import { buildReport, type ReportReason } from '@conexizan/protocol/reporting';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { Connection } from './client.ts';
import { presenceTo, rosterRemove, rosterSet, type RosterStore } from './roster.ts';

/**
 * Normalises what a user typed as a contact address (PRECIS/IDNA, loaded on demand); null when it is
 * not a valid bare JID. A bare name ("ben") is someone on `ownDomain`, as the login form reads it.
 */
export async function normaliseAddress(input: string, ownDomain?: string): Promise<string | null> {
  const { tryParseJid } = await import('@conexizan/protocol/jid');
  let trimmed = input.trim().replace(/^xmpp:/i, '').split('?')[0]!;
  if (!trimmed.includes('@') && ownDomain && trimmed.length > 0 && !trimmed.includes('/')) trimmed = `${trimmed}@${ownDomain}`;
  if (trimmed.length === 0 || trimmed.length > 3071 || !trimmed.includes('@')) return null;
  const jid = tryParseJid(trimmed);
  if (!jid || jid.resource) return null;
  return jid.toString();
}

/** Roster and subscription actions (RFC 6121) and blocking (XEP-0191). */
export class ContactActions {
  constructor(private readonly connection: Connection, private readonly roster: RosterStore) {}

  async add(jid: string, name?: string): Promise<void> {
    await this.connection.iq('set', rosterSet(jid, name || undefined, []));
    await this.connection.send(presenceTo(jid, 'subscribe'));
    // Pre-approve their request so both sides see each other without a second question.
    await this.connection.send(presenceTo(jid, 'subscribed'));
  }

  async accept(jid: string): Promise<void> {
    this.roster.dropRequest(jid);
    await this.connection.send(presenceTo(jid, 'subscribed'));
    const item = this.roster.item(jid);
    if (!item || (item.subscription !== 'to' && item.subscription !== 'both' && !item.pending)) {
      await this.connection.send(presenceTo(jid, 'subscribe'));
    }
  }

  async refuse(jid: string): Promise<void> {
    this.roster.dropRequest(jid);
    await this.connection.send(presenceTo(jid, 'unsubscribed'));
  }

  async rename(jid: string, name: string): Promise<void> {
    const item = this.roster.item(jid);
    await this.connection.iq('set', rosterSet(jid, name.trim().slice(0, 200) || undefined, item?.groups ?? []));
  }

  async remove(jid: string): Promise<void> {
    await this.connection.iq('set', rosterRemove(jid));
  }

  async loadBlocklist(): Promise<void> {
    const list = (await this.connection.iq('get', xml('blocklist', { xmlns: NS.BLOCKING }))).getChild('blocklist', NS.BLOCKING);
    this.roster.setBlocked(list?.getChildren('item').map((i) => i.attrs.jid!.toLowerCase()).filter(Boolean) ?? [], true, true);
  }

  async block(jid: string): Promise<void> {
    await this.connection.iq('set', xml('block', { xmlns: NS.BLOCKING }, xml('item', { jid })));
    this.roster.setBlocked([jid], true);
  }

  /**
   * XEP-0377: blocks `jid` (a contact, a room, or an occupant as room@service/nick)
   * and reports it to our server's operators with the reason, what the user
   * wrote and the messages concerned, named by the archive ids that hold our
   * copies (`by`: our own account for a chat, the room for a group).
   * Rejects like a block; with resource-constraint when we sent too many reports.
   */
  async report(jid: string, report: { reason: ReportReason; text: string; messages: { id: string; by: string }[] }, lang?: string): Promise<void> {
    await this.connection.iq('set', xml('block', { xmlns: NS.BLOCKING }, xml('item', { jid }, buildReport({ reason: report.reason, text: report.text.trim(), stanzaIds: report.messages }, lang))));
    this.roster.setBlocked([jid], true);
  }

  async unblock(jid: string): Promise<void> {
    await this.connection.iq('set', xml('unblock', { xmlns: NS.BLOCKING }, xml('item', { jid })));
    this.roster.setBlocked([jid], false);
  }

  /** XEP-0191 §3.3/3.4 pushes from our server. */
  applyBlockingPush(payload: Element): void {
    const jids = payload.getChildren('item').map((i) => i.attrs.jid?.toLowerCase()).filter((j): j is string => !!j);
    if (payload.name === 'block') this.roster.setBlocked(jids, true);
    else if (jids.length === 0) this.roster.setBlocked([], false, true);
    else this.roster.setBlocked(jids, false);
  }
}

const AVATAR_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_AVATAR_BASE64 = 200_000;

/** XEP-0153: the avatar in a contact's vCard, as a data: URL of an image type (never SVG: it can carry script). */
export async function fetchVcardAvatar(connection: Connection, jid: string): Promise<string | undefined> {
  const vcard = (await connection.iq('get', xml('vCard', { xmlns: NS.VCARD }), jid)).getChild('vCard', NS.VCARD);
  const photo = vcard?.getChild('PHOTO');
  const type = photo?.getChildText('TYPE')?.trim().toLowerCase();
  const data = photo?.getChildText('BINVAL')?.replace(/\s+/g, '');
  if (!type || !data || !AVATAR_TYPES.has(type) || data.length > MAX_AVATAR_BASE64 || !/^[A-Za-z0-9+/=]+$/.test(data)) return undefined;
  return `data:${type};base64,${data}`;
}
