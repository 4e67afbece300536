import { randomBytes } from 'node:crypto';
import { jid, NS, parseXml, StanzaError, tryParseJid, xml, type Element, type Jid } from '@conexizan/protocol';
import type { RosterItem, StoredScramCredential, Subscription } from '@conexizan/storage';
import { AccountError } from '../../accounts/account-service.ts';
import type { ModuleContext } from '../../core/module.ts';
import { RestrictedXmlScanner } from '../../transport/restricted-xml.ts';
import type { ExportedNode, Pep } from '../pep/api.ts';
import type { ImportOptions, ImportSummary } from './api.ts';

/**
 * Reads a XEP-0227 document holding one account (export.ts writes them;
 * Prosody's and ejabberd's exports of one user read the same) and creates
 * it here. Everything is read and checked first; only a document that
 * passes is written, so a refused one leaves nothing behind:
 *
 * - malformed XML, a DTD or entity declarations, comments, processing
 *   instructions, or nesting deeper than MAX_DEPTH;
 * - more than one host or account, an XInclude (a user's file may not make
 *   the server read other files), or another account than the operator
 *   named (expectFrom): the "wrong domain" of a forged file;
 * - data that is not the account's own: an archived message neither from
 *   nor to it, a pending request or offline message addressed elsewhere,
 *   SCRAM credentials that are not SCRAM;
 * - an account name that is taken here.
 *
 * What moves: credentials (so the old password works), contacts with names
 * and groups (subscriptions do not move: the new address asks each contact
 * again, with a XEP-0283 <moved/> the contact's client or server can
 * verify against the old account), the vCard, private XML, PEP nodes and
 * items (OMEMO device lists and bundles, bookmarks, avatars), the
 * blocklist, offline messages and the archive as stored (ciphertext stays
 * ciphertext), its old address replaced by the new one.
 */
export const MAX_DEPTH = 64;
const PIE_0_2 = 'http://www.xmpp.org/extensions/xep-0227.html#ns';
const SUBSCRIPTIONS: readonly string[] = ['none', 'to', 'from', 'both'];

/** A refusal of the document, with why: nothing was imported. */
function refuse(text: string): never {
  throw new StanzaError('not-acceptable', { type: 'modify', text: `${text}; nothing was imported` });
}

interface ReadAccount {
  old: Jid;
  credentials: StoredScramCredential[];
  roster: RosterItem[];
  pending: { jid: string; stanza: string }[];
  vcard: string | null;
  privateItems: { key: string; xml: string }[];
  nodes: ExportedNode[];
  blocked: string[];
  offline: Element[];
  archive: { peer: string; peerResource: string | null; storedAt: Date; stanza: Element }[];
  prefs: { default: 'always' | 'roster' | 'never'; always: string[]; never: string[] } | null;
}

export async function importAccount(ctx: ModuleContext, pep: Pep, document: string, options: ImportOptions): Promise<ImportSummary> {
  const read = readDocument(document, options.expectFrom);
  const name = options.as ?? read.old.local;
  let username: string;
  try {
    username = ctx.accounts.prepareUsername(name);
  } catch (error) {
    if (error instanceof AccountError) refuse(error.message);
    throw error;
  }
  const user = jid(username, ctx.domain);
  if (user.equals(read.old)) refuse(`the file is an export of ${read.old} itself, on this server`);
  if (await ctx.accounts.exists(username)) refuse(`the account ${user} exists here`);

  // Written from here on; a failure removes the half-made account again.
  await ctx.accounts.create(username, randomBytes(24).toString('base64url'), { ignoreReservation: true });
  try {
    return await write(ctx, pep, user, read, options);
  } catch (error) {
    await ctx.storage.accounts.delete(username);
    throw error;
  }
}

async function write(ctx: ModuleContext, pep: Pep, user: Jid, read: ReadAccount, options: ImportOptions): Promise<ImportSummary> {
  const { storage } = ctx;
  const username = user.local;
  if (read.credentials.length > 0) await storage.accounts.setCredentials(username, read.credentials);
  const announced: string[] = [];
  for (const item of read.roster) {
    // Subscriptions were the old address's; the new one asks again (XEP-0283).
    const announce = options.announceMove && (item.subscription === 'to' || item.subscription === 'both');
    if (announce) announced.push(item.jid);
    await storage.roster.put(username, { ...item, subscription: 'none', askSubscribe: announce, approved: false });
  }
  for (const pending of read.pending) await storage.roster.addPendingIn(username, pending.jid, pending.stanza);
  if (read.vcard) await storage.vcards.set(username, read.vcard);
  for (const entry of read.privateItems) await storage.privateXml.set(username, entry.key, entry.xml);
  for (const node of read.nodes) await pep.importNode(user, node);
  if (read.blocked.length > 0) await storage.blocklist.add(username, read.blocked, Math.max(ctx.config.limits.blocklist_items, read.blocked.length));
  for (const message of read.offline) await storage.offline.store(username, rewrite(message, read.old, user).toString(), ctx.config.limits.offline_messages);
  for (const entry of read.archive) {
    const id = randomBytes(12).toString('base64url');
    await storage.archive.append(username, { id, peer: entry.peer, peerResource: entry.peerResource, storedAt: entry.storedAt, stanza: rewrite(entry.stanza, read.old, user).toString() });
  }
  if (read.prefs) await storage.archive.setPrefs(username, read.prefs);

  for (const contact of announced) {
    await ctx.router.route(
      xml('presence', { type: 'subscribe', from: user.toString(), to: contact, id: randomBytes(9).toString('base64url') }, xml('moved', { xmlns: NS.MOVED }, xml('old-jid', {}, read.old.toString()))),
    );
  }
  return {
    account: user.toString(),
    from: read.old.toString(),
    contacts: read.roster.length,
    pepNodes: read.nodes.length,
    privateItems: read.privateItems.length,
    vcard: read.vcard !== null,
    archived: read.archive.length,
    offline: read.offline.length,
    password: read.credentials.length > 0,
    notified: announced.length,
  };
}

/** The stanza with the old address replaced by the new one (same resource). */
function rewrite(stanza: Element, old: Jid, now: Jid): Element {
  for (const attribute of ['from', 'to'] as const) {
    const address = tryParseJid(stanza.attrs[attribute]);
    if (address && address.bare().equals(old)) stanza.attrs[attribute] = (address.resource ? now.withResource(address.resource) : now).toString();
  }
  return stanza;
}

export function readDocument(document: string, expectFrom: string | undefined): ReadAccount {
  const root = parseDocument(document);
  if (root.name !== 'server-data' || (root.getNS() !== NS.PIE && root.getNS() !== PIE_0_2)) refuse(`the file is not a XEP-0227 export (its root is <${root.name}/>, not <server-data xmlns='${NS.PIE}'/>)`);
  const hosts = root.getChildElements();
  if (hosts.some((child) => child.name === 'include')) refuse('the file includes other files (XInclude), which an import does not read');
  if (hosts.length !== 1 || hosts[0]!.name !== 'host') refuse('the file must hold exactly one host with one account');
  const host = hosts[0]!;
  const users = host.getChildElements();
  if (users.length !== 1 || users[0]!.name !== 'user') refuse('the file must hold exactly one account');
  const userElement = users[0]!;
  const old = tryParseJid(`${userElement.attrs.name ?? ''}@${host.attrs.jid ?? ''}`);
  if (!old || !old.local || old.resource || !host.attrs.jid || old.domain !== tryParseJid(host.attrs.jid)?.domain) refuse('the account in the file has no valid address');
  if (expectFrom !== undefined) {
    const expected = tryParseJid(expectFrom);
    if (!expected || !expected.bare().equals(old)) refuse(`the file holds the account ${old}, not ${expectFrom}`);
  }
  const read: ReadAccount = { old, credentials: [], roster: [], pending: [], vcard: null, privateItems: [], nodes: [], blocked: [], offline: [], archive: [], prefs: null };
  const nodes = new Map<string, ExportedNode>();
  const node = (name: string | undefined): ExportedNode => {
    if (!name) refuse('a PEP node without a name');
    let entry = nodes.get(name);
    if (!entry) nodes.set(name, (entry = { node: name, config: null, items: [], affiliations: [] }));
    return entry;
  };
  for (const child of userElement.getChildElements()) {
    const ns = child.getNS();
    if (child.name === 'include') refuse('the file includes other files (XInclude), which an import does not read');
    if (child.name === 'scram-credentials' && ns === NS.PIE_SCRAM) read.credentials.push(readCredential(child));
    else if (child.name === 'query' && ns === NS.ROSTER) read.roster.push(...child.getChildren('item').map((item) => readRosterItem(item, old)));
    else if (child.name === 'presence' && ns === NS.CLIENT) read.pending.push(readPending(child, old));
    else if (child.name === 'vCard' && ns === NS.VCARD) read.vcard = child.toString();
    else if (child.name === 'query' && ns === NS.PRIVATE) {
      for (const item of child.getChildElements()) {
        if (!item.getNS()) refuse('a private XML item without a namespace');
        read.privateItems.push({ key: `{${item.getNS()}}${item.name}`, xml: item.toString() });
      }
    } else if (child.name === 'pubsub' && ns === NS.PUBSUB_OWNER) {
      for (const entry of child.getChildElements()) {
        if (entry.name === 'configure') node(entry.attrs.node).config = entry.getChild('x', NS.DATA_FORMS) ?? null;
        else if (entry.name === 'affiliations') {
          for (const affiliation of entry.getChildren('affiliation')) {
            const who = tryParseJid(affiliation.attrs.jid);
            const what = affiliation.attrs.affiliation;
            if (!who || (what !== 'member' && what !== 'outcast' && what !== 'publisher')) continue;
            node(entry.attrs.node).affiliations.push({ jid: who.toString(), affiliation: what });
          }
        }
      }
    } else if (child.name === 'pubsub' && ns === NS.PUBSUB) {
      for (const items of child.getChildren('items')) {
        for (const item of items.getChildren('item')) {
          const payload = item.getChildElements()[0];
          if (!payload || !item.attrs.id) refuse(`an item of node ${items.attrs.node ?? ''} without an id or payload`);
          node(items.attrs.node).items.push({ id: item.attrs.id, payload });
        }
      }
    } else if (child.name === 'blocklist' && ns === NS.BLOCKING) {
      for (const item of child.getChildren('item')) {
        const blocked = tryParseJid(item.attrs.jid);
        if (!blocked) refuse(`a blocked address that is not a JID: ${String(item.attrs.jid).slice(0, 100)}`);
        read.blocked.push(blocked.toString());
      }
    } else if (child.name === 'offline-messages') {
      for (const message of child.getChildren('message')) {
        if (!tryParseJid(message.attrs.to)?.bare().equals(old)) refuse(`an offline message to ${String(message.attrs.to).slice(0, 100)}, not to ${old}`);
        read.offline.push(message);
      }
    } else if (child.name === 'archive' && ns === NS.PIE_MAM) {
      for (const result of child.getChildren('result', NS.MAM)) read.archive.push(readArchived(result, old));
    } else if (child.name === 'prefs' && ns === NS.MAM) {
      const mode = child.attrs.default;
      const jids = (name: string) => (child.getChild(name)?.getChildren('jid') ?? []).map((entry) => tryParseJid(entry.getText().trim())?.toString()).filter((entry): entry is string => !!entry);
      if (mode === 'always' || mode === 'roster' || mode === 'never') read.prefs = { default: mode, always: jids('always'), never: jids('never') };
    }
    // Anything else (another server's extensions) is skipped, as XEP-0227 §4 asks.
  }
  read.nodes = [...nodes.values()];
  return read;
}

function parseDocument(document: string): Element {
  if (/<!(DOCTYPE|ENTITY)/i.test(document)) refuse('the file declares a DTD or entities, which an export never does');
  // The XML declaration of a file is allowed; the scanner refuses the rest (comments, PIs) and deep nesting.
  const scanner = new RestrictedXmlScanner(MAX_DEPTH);
  for (let offset = 0; ; ) {
    const event = scanner.next(document, offset);
    if (!event) break;
    if (event.kind === 'violation') refuse(event.violation === 'depth' ? `the XML nests deeper than ${MAX_DEPTH} levels` : `the XML holds a ${event.violation.replace('-', ' ')}, which an export never does`);
    offset = event.offset;
  }
  try {
    return parseXml(document.trim());
  } catch (error) {
    refuse(`the file is not well-formed XML (${(error as Error).message.slice(0, 200)})`);
  }
}

function readCredential(element: Element): StoredScramCredential {
  const mechanism = element.attrs.mechanism;
  if (mechanism !== 'SCRAM-SHA-1' && mechanism !== 'SCRAM-SHA-256') refuse(`SCRAM credentials for an unknown mechanism ${String(mechanism).slice(0, 40)}`);
  const base64 = (name: string) => {
    const value = element.getChildText(name)?.trim() ?? '';
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length > 200) refuse(`SCRAM credentials with a ${name} that is not base64`);
    return value;
  };
  const iterations = Number(element.getChildText('iter-count'));
  if (!Number.isInteger(iterations) || iterations < 4096 || iterations > 10_000_000) refuse('SCRAM credentials with an iteration count below 4096 or not a number');
  return { mechanism, iterations, salt: base64('salt'), serverKey: base64('server-key'), storedKey: base64('stored-key') };
}

function readRosterItem(item: Element, old: Jid): RosterItem {
  const contact = tryParseJid(item.attrs.jid);
  if (!contact || contact.resource) refuse(`a contact that is not a bare JID: ${String(item.attrs.jid).slice(0, 100)}`);
  if (contact.equals(old)) refuse('the account has itself as a contact');
  const subscription = item.attrs.subscription ?? 'none';
  if (!SUBSCRIPTIONS.includes(subscription)) refuse(`a contact with the subscription '${subscription.slice(0, 20)}'`);
  return {
    jid: contact.toString(),
    name: item.attrs.name?.slice(0, 1024) ?? null,
    subscription: subscription as Subscription,
    askSubscribe: item.attrs.ask === 'subscribe',
    approved: item.attrs.approved === 'true',
    groups: [...new Set(item.getChildren('group').map((group) => group.getText().trim().slice(0, 1024)).filter(Boolean))],
  };
}

function readPending(presence: Element, old: Jid): { jid: string; stanza: string } {
  const from = tryParseJid(presence.attrs.from);
  if (presence.attrs.type !== 'subscribe' || !from) refuse('a pending subscription request that is not one');
  const to = tryParseJid(presence.attrs.to);
  if (to && !to.bare().equals(old)) refuse(`a subscription request to ${to}, not to ${old}`);
  return { jid: from.bare().toString(), stanza: presence.toString() };
}

function readArchived(result: Element, old: Jid): ReadAccount['archive'][number] {
  const forwarded = result.getChild('forwarded', NS.FORWARD);
  const message = forwarded?.getChild('message');
  const stamp = forwarded?.getChild('delay', NS.DELAY)?.attrs.stamp;
  if (!message || !stamp || Number.isNaN(Date.parse(stamp))) refuse('an archived message without its message or time');
  const from = tryParseJid(message.attrs.from);
  const to = tryParseJid(message.attrs.to);
  const mine = (address: Jid | null) => address?.bare().equals(old) === true;
  if (!mine(from) && !mine(to)) refuse(`the archive holds a message between ${String(message.attrs.from).slice(0, 100)} and ${String(message.attrs.to).slice(0, 100)}, which is not ${old}'s`);
  const peer = mine(from) ? to : from;
  if (!peer) refuse('an archived message without the other party');
  return { peer: peer.bare().toString(), peerResource: peer.resource || null, storedAt: new Date(stamp), stanza: message };
}
