import { NS, parseXml, xml, type Element, type Jid } from '@conexizan/protocol';
import type { ModuleContext } from '../../core/module.ts';
import type { Pep } from '../pep/api.ts';

/**
 * One account as a XEP-0227 (1.1) document: <server-data xmlns='urn:xmpp:pie:0'>
 * with one <host/> and one <user/>, holding
 * - its SCRAM credentials (urn:xmpp:pie:0#scram), never a password, so the
 *   same password works after an import;
 * - the roster (jabber:iq:roster) and pending subscription requests;
 * - the vCard (vcard-temp) and private XML (jabber:iq:private);
 * - PEP nodes: configuration (pubsub#owner) and items (pubsub), which
 *   carry OMEMO device lists and bundles, bookmarks, avatars;
 * - offline messages, and the message archive (urn:xmpp:pie:0#mam) as
 *   stored: an encrypted message stays ciphertext;
 * - Conexizan's own extras in their own namespaces (the blocklist, the
 *   archive preferences), which other importers skip.
 */
const ARCHIVE_PAGE = 500;

export async function exportAccount(ctx: ModuleContext, pep: Pep, user: Jid): Promise<string> {
  const { storage } = ctx;
  const username = user.local;
  const account = await storage.accounts.get(username);
  if (!account) return '';
  const userElement = xml('user', { name: username, createdAt: account.createdAt.toISOString() });

  for (const credential of account.credentials) {
    userElement.append(
      xml('scram-credentials', { xmlns: NS.PIE_SCRAM, mechanism: credential.mechanism },
        xml('iter-count', {}, String(credential.iterations)),
        xml('salt', {}, credential.salt),
        xml('server-key', {}, credential.serverKey),
        xml('stored-key', {}, credential.storedKey)),
    );
  }

  const roster = xml('query', { xmlns: NS.ROSTER, ver: await storage.roster.version(username) });
  for (const item of await storage.roster.list(username)) {
    roster.append(
      xml('item', { jid: item.jid, name: item.name ?? undefined, subscription: item.subscription, ask: item.askSubscribe ? 'subscribe' : undefined, approved: item.approved ? 'true' : undefined },
        ...item.groups.map((group) => xml('group', {}, group))),
    );
  }
  userElement.append(roster);
  for (const pending of await storage.roster.pendingIn(username)) userElement.append(withNamespace(parseXml(pending.stanza), NS.CLIENT));

  const vcard = await storage.vcards.get(username);
  if (vcard) userElement.append(parseXml(vcard));
  const privateItems = await storage.privateXml.list(username);
  if (privateItems.length > 0) userElement.append(xml('query', { xmlns: NS.PRIVATE }, ...privateItems.map((entry) => parseXml(entry.xml))));

  const nodes = await pep.exportNodes(user);
  if (nodes.length > 0) {
    userElement.append(xml('pubsub', { xmlns: NS.PUBSUB_OWNER }, ...nodes.flatMap((node) => [
      xml('configure', { node: node.node }, node.config),
      ...(node.affiliations.length > 0 ? [xml('affiliations', { node: node.node }, ...node.affiliations.map((a) => xml('affiliation', a)))] : []),
    ])));
    userElement.append(xml('pubsub', { xmlns: NS.PUBSUB }, ...nodes.map((node) => xml('items', { node: node.node }, ...node.items.map((item) => xml('item', { id: item.id }, item.payload))))));
  }

  const blocked = await storage.blocklist.list(username);
  if (blocked.length > 0) userElement.append(xml('blocklist', { xmlns: NS.BLOCKING }, ...blocked.map((jid) => xml('item', { jid }))));

  const offline = await storage.offline.list(username);
  if (offline.length > 0) userElement.append(xml('offline-messages', {}, ...offline.map((message) => withNamespace(parseXml(message.stanza), NS.CLIENT))));

  const archive = xml('archive', { xmlns: NS.PIE_MAM });
  let after: string | undefined;
  for (;;) {
    const page = await storage.archive.query(username, {}, { max: ARCHIVE_PAGE, ...(after ? { after } : {}) });
    if (!page || page.items.length === 0) break;
    for (const entry of page.items) {
      archive.append(
        xml('result', { xmlns: NS.MAM, id: entry.id },
          xml('forwarded', { xmlns: NS.FORWARD }, xml('delay', { xmlns: NS.DELAY, stamp: entry.storedAt.toISOString() }), withNamespace(parseXml(entry.stanza), NS.CLIENT))),
      );
    }
    if (page.complete) break;
    after = page.items.at(-1)!.id;
  }
  userElement.append(archive);
  const prefs = await storage.archive.getPrefs(username);
  if (prefs) {
    userElement.append(xml('prefs', { xmlns: NS.MAM, default: prefs.default }, xml('always', {}, ...prefs.always.map((jid) => xml('jid', {}, jid))), xml('never', {}, ...prefs.never.map((jid) => xml('jid', {}, jid)))));
  }

  const document = xml('server-data', { xmlns: NS.PIE }, xml('host', { jid: ctx.domain }, userElement));
  return `<?xml version='1.0' encoding='UTF-8'?>\n${document.toString()}\n`;
}

/** A stanza as it sits in the document: its namespace said, since it is no longer inside a stream. */
function withNamespace(element: Element, namespace: string): Element {
  element.attrs.xmlns ??= namespace;
  return element;
}
