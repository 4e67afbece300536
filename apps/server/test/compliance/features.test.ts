import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, parseDiscoInfo, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../src/testing/harness.ts';
import { freePorts } from '../support/free-port.ts';

/**
 * The compliance check: for each specification, the feature the server
 * advertises (on its domain, on accounts, or as a stream feature) and the
 * behaviour test that proves it works. It fails when a feature is missing,
 * when a proving test is gone, and when the server advertises something
 * this list does not account for: a feature is only advertised when it works.
 * The Conversations compliance tester and XEP-0479 look for these
 * (../shared/reference/compliance.md).
 */
/**
 * `service` and `service-identity`: the disco#info of the services in the domain's disco#items (e.g. proxy.<domain>);
 * `room`: the disco#info of a group chat room an ordinary account created (what the compliance tester reads)
 */
type Where = 'server' | 'account' | 'pre-auth' | 'post-auth' | 'server-identity' | 'account-identity' | 'server-form' | 'service' | 'service-identity' | 'room';
interface Claim {
  spec: string;
  where: Where;
  /** a feature var, an identity 'category/type', a stream feature '{ns}name', or a form's FORM_TYPE; ends with '*' for a prefix */
  feature: string;
  /** test files (relative to apps/server) and a phrase from the test that shows the behaviour */
  provenBy: [file: string, phrase: string][];
}

const PUBSUB = 'http://jabber.org/protocol/pubsub';
const CLAIMS: Claim[] = [
  { spec: 'XEP-0030', where: 'server', feature: NS.DISCO_INFO, provenBy: [['src/modules/disco/disco.test.ts', 'describes the server']] },
  { spec: 'XEP-0030', where: 'server', feature: NS.DISCO_ITEMS, provenBy: [['src/modules/disco/disco.test.ts', 'describes the server']] },
  { spec: 'XEP-0030', where: 'account', feature: NS.DISCO_INFO, provenBy: [['src/modules/disco/disco.test.ts', 'describes accounts']] },
  { spec: 'XEP-0030', where: 'account', feature: NS.DISCO_ITEMS, provenBy: [['src/modules/disco/disco.test.ts', 'describes accounts']] },
  { spec: 'RFC 6120', where: 'server-identity', feature: 'server/im', provenBy: [['src/modules/disco/disco.test.ts', "category: 'server'"]] },
  { spec: 'XEP-0030', where: 'account-identity', feature: 'account/registered', provenBy: [['src/modules/disco/disco.test.ts', "category: 'account'"]] },
  { spec: 'XEP-0115', where: 'post-auth', feature: `{${NS.CAPS}}c`, provenBy: [['src/modules/disco/disco.test.ts', 'caps hash in the stream features']] },
  { spec: 'RFC 6121 §2.6', where: 'post-auth', feature: `{${NS.ROSTER_VER}}ver`, provenBy: [['src/modules/roster/roster.test.ts', 'empty result']] },
  { spec: 'RFC 6121 §3.4', where: 'post-auth', feature: `{${NS.PRE_APPROVAL}}sub`, provenBy: [['src/modules/presence/presence.test.ts', 'pre-approval']] },
  { spec: 'XEP-0198', where: 'post-auth', feature: `{${NS.SM}}sm`, provenBy: [['test/interop/stream-management.test.ts', 'resumes a killed session']] },
  { spec: 'XEP-0352', where: 'post-auth', feature: '{urn:xmpp:csi:0}csi', provenBy: [['test/interop/csi.test.ts', 'inactive']] },
  { spec: 'XEP-0077', where: 'pre-auth', feature: `{${NS.REGISTER_FEATURE}}register`, provenBy: [['test/interop/slixmpp.test.ts', 'register']] },
  { spec: 'XEP-0445', where: 'pre-auth', feature: '{urn:xmpp:ibr-token:0}register', provenBy: [['src/modules/invites/invites.test.ts', 'token']] },
  { spec: 'XEP-0401', where: 'pre-auth', feature: '{urn:xmpp:invite}register', provenBy: [['src/modules/invites/invites.test.ts', 'token']] },
  { spec: 'XEP-0077', where: 'server', feature: NS.REGISTER, provenBy: [['test/interop/slixmpp.test.ts', 'password'], ['src/modules/register/register.test.ts', 'changes the password']] },
  { spec: 'XEP-0012', where: 'server', feature: NS.LAST, provenBy: [['src/modules/last-activity/last-activity.test.ts', 'uptime']] },
  { spec: 'XEP-0012', where: 'account', feature: NS.LAST, provenBy: [['src/modules/last-activity/last-activity.test.ts', 'forbidden']] },
  { spec: 'XEP-0092', where: 'server', feature: NS.VERSION, provenBy: [['src/modules/disco/disco.test.ts', 'answers version']] },
  { spec: 'XEP-0202', where: 'server', feature: NS.TIME, provenBy: [['src/modules/disco/disco.test.ts', 'UTC time']] },
  { spec: 'XEP-0199', where: 'server', feature: NS.PING, provenBy: [['test/interop/xmpp-js-client.test.ts', 'ping']] },
  { spec: 'XEP-0160', where: 'server', feature: NS.OFFLINE, provenBy: [['src/modules/message/message.test.ts', 'offline'], ['test/interop/slixmpp.test.ts', 'offline']] },
  { spec: 'XEP-0054', where: 'server', feature: NS.VCARD, provenBy: [['src/modules/disco/disco.test.ts', 'vCard']] },
  { spec: 'XEP-0054', where: 'account', feature: NS.VCARD, provenBy: [['src/modules/disco/disco.test.ts', 'vCard']] },
  { spec: 'XEP-0049', where: 'account', feature: NS.PRIVATE, provenBy: [['src/modules/disco/disco.test.ts', 'private XML']] },
  { spec: 'XEP-0049', where: 'server', feature: NS.PRIVATE, provenBy: [['test/interop/poezio.test.ts', 'finds bookmark storage']] },
  { spec: 'XEP-0191', where: 'server', feature: NS.BLOCKING, provenBy: [['test/interop/blocking.test.ts', 'block']] },
  { spec: 'XEP-0377', where: 'server', feature: NS.REPORTING, provenBy: [['test/interop/moderation.test.ts', 'the current form'], ['src/modules/reporting/reporting.test.ts', 'keeps the report']] },
  { spec: 'XEP-0377 0.2', where: 'server', feature: NS.REPORTING_0, provenBy: [['test/interop/moderation.test.ts', 'own XEP-0377 plugin']] },
  { spec: 'XEP-0377 0.2', where: 'server', feature: 'urn:xmpp:reporting:reason:spam:0', provenBy: [['test/interop/moderation.test.ts', 'own XEP-0377 plugin']] },
  { spec: 'XEP-0377 0.2', where: 'server', feature: 'urn:xmpp:reporting:reason:abuse:0', provenBy: [['src/modules/reporting/reporting.test.ts', 'as slixmpp 1.8 sends it']] },
  { spec: 'XEP-0280', where: 'server', feature: NS.CARBONS, provenBy: [['test/interop/carbons.test.ts', 'received carbon']] },
  { spec: 'XEP-0280', where: 'server', feature: 'urn:xmpp:carbons:rules:0', provenBy: [['src/modules/carbons/carbons.test.ts', 'private']] },
  { spec: 'XEP-0363', where: 'server', feature: NS.HTTP_UPLOAD, provenBy: [['test/interop/upload.test.ts', 'quota']] },
  { spec: 'XEP-0363', where: 'server-identity', feature: 'store/file', provenBy: [['test/interop/upload.test.ts', 'slot']] },
  { spec: 'XEP-0363', where: 'server-form', feature: NS.HTTP_UPLOAD, provenBy: [['src/modules/http-upload/http-upload.test.ts', 'max-file-size']] },
  { spec: 'XEP-0215', where: 'server', feature: NS.EXTDISCO, provenBy: [['test/interop/extdisco.test.ts', 'turn']] },
  { spec: 'XEP-0157', where: 'server-form', feature: NS.SERVER_INFO, provenBy: [['test/interop/extdisco.test.ts', 'abuse']] },
  { spec: 'XEP-0313', where: 'account', feature: NS.MAM, provenBy: [['test/interop/mam.test.ts', 'never'], ['src/modules/mam/mam.test.ts', 'page']] },
  { spec: 'XEP-0313', where: 'account', feature: `${NS.MAM}#extended`, provenBy: [['src/modules/mam/mam.test.ts', 'ids']] },
  { spec: 'XEP-0359', where: 'account', feature: NS.SID, provenBy: [['test/interop/mam.test.ts', 'stanza']] },
  { spec: 'XEP-0163', where: 'account-identity', feature: 'pubsub/pep', provenBy: [['test/interop/pep.test.ts', 'stranger']] },
  { spec: 'XEP-0060', where: 'account', feature: PUBSUB, provenBy: [['test/interop/pep.test.ts', 'open']] },
  // profanity reads publish-options on the server's own disco#info only (its group OMEMO needs it, web e2e with profanity).
  { spec: 'XEP-0060 §7.1.5', where: 'server', feature: `${PUBSUB}#publish-options`, provenBy: [['test/interop/pep.test.ts', 'precondition'], ['../web/e2e/group-omemo.test.ts', 'profanity to enter the group']] },
  { spec: 'XEP-0060', where: 'account', feature: `${PUBSUB}#*`, provenBy: [['src/modules/pep/pep.test.ts', 'publish-options'], ['test/interop/pep.test.ts', 'precondition']] },
  { spec: 'XEP-0292', where: 'account', feature: 'urn:ietf:params:xml:ns:vcard-4.0', provenBy: [['src/modules/vcard4/vcard4.test.ts', 'vcard']] },
  { spec: 'XEP-0402', where: 'account', feature: 'urn:xmpp:bookmarks:1#compat', provenBy: [['src/modules/bookmarks/bookmarks.test.ts', 'bookmark']] },
  { spec: 'XEP-0402', where: 'account', feature: 'urn:xmpp:bookmarks:1#compat-pep', provenBy: [['src/modules/bookmarks/bookmarks.test.ts', 'bookmark']] },
  { spec: 'XEP-0411', where: 'account', feature: 'urn:xmpp:bookmarks-conversion:0', provenBy: [['src/modules/bookmarks/bookmarks.test.ts', 'private']] },
  { spec: 'XEP-0398', where: 'account', feature: 'urn:xmpp:pep-vcard-conversion:0', provenBy: [['src/modules/avatar/avatar.test.ts', 'PHOTO']] },
  { spec: 'XEP-0357', where: 'account', feature: NS.PUSH, provenBy: [['test/interop/push.test.ts', 'push']] },
  { spec: 'XEP-0065', where: 'service', feature: NS.BYTESTREAMS, provenBy: [['test/interop/proxy65.test.ts', 'relays bytes between target and initiator'], ['src/modules/proxy65/proxy65.test.ts', 'max bytes']] },
  { spec: 'XEP-0065', where: 'service-identity', feature: 'proxy/bytestreams', provenBy: [['test/interop/proxy65.test.ts', 'proxy/bytestreams']] },
  { spec: 'XEP-0030', where: 'service', feature: NS.DISCO_INFO, provenBy: [['test/interop/proxy65.test.ts', 'describes itself']] },
  { spec: 'XEP-0030', where: 'service', feature: NS.DISCO_ITEMS, provenBy: [['test/interop/proxy65.test.ts', 'is found in disco#items']] },
  { spec: 'XEP-0050', where: 'server', feature: 'http://jabber.org/protocol/commands', provenBy: [['src/modules/adhoc/adhoc.test.ts', 'multi-stage'], ['src/modules/admin/admin.test.ts', 'adds a user in two stages'], ['test/interop/adhoc.test.ts', 'adds a user in two stages']] },
  { spec: 'XEP-0045', where: 'service', feature: NS.MUC, provenBy: [['src/modules/muc/muc.test.ts', 'carries groupchat messages'], ['test/interop/muc.test.ts', 'several users create, configure and join rooms']] },
  { spec: 'XEP-0313', where: 'service', feature: NS.MAM, provenBy: [['test/interop/profanity.test.ts', 'from the archive'], ['src/modules/muc/muc.test.ts', 'archive']] },
  { spec: 'XEP-0045', where: 'service-identity', feature: 'conference/text', provenBy: [['src/modules/muc/muc.test.ts', 'is the first item in the domain disco#items'], ['test/interop/muc.test.ts', 'conference/text']] },
  { spec: 'XEP-0045', where: 'room', feature: NS.MUC, provenBy: [['src/modules/muc/muc.test.ts', 'carries groupchat messages'], ['test/interop/muc.test.ts', 'kicks (307) and bans (301)']] },
  { spec: 'XEP-0030', where: 'room', feature: NS.DISCO_INFO, provenBy: [['src/modules/muc/muc.test.ts', 'reserved room']] },
  { spec: 'XEP-0030', where: 'room', feature: NS.DISCO_ITEMS, provenBy: [['src/modules/muc/muc.test.ts', 'occupants to occupants only']] },
  { spec: 'XEP-0045 §15.4', where: 'room', feature: 'muc_*', provenBy: [['src/modules/muc/muc.test.ts', 'members-only'], ['src/modules/muc/muc.test.ts', 'temporary room vanish'], ['test/interop/muc.test.ts', 'wrong password']] },
  { spec: 'XEP-0045', where: 'room', feature: `${NS.MUC}#stable_id`, provenBy: [['src/modules/muc/muc.test.ts', 'room stanza id']] },
  { spec: 'XEP-0359', where: 'room', feature: NS.SID, provenBy: [['src/modules/muc/muc.test.ts', 'room stanza id']] },
  { spec: 'XEP-0045 §8.6', where: 'room', feature: `${NS.MUC}#request`, provenBy: [['src/modules/muc/muc-extras.test.ts', 'voice request']] },
  { spec: 'XEP-0410', where: 'room', feature: `${NS.MUC}#self-ping-optimization`, provenBy: [['src/modules/muc/muc.test.ts', 'self-ping'], ['test/interop/muc.test.ts', 'self-ping']] },
  { spec: 'XEP-0421', where: 'room', feature: 'urn:xmpp:occupant-id:0', provenBy: [['src/modules/muc/muc.test.ts', 'occupant id']] },
  { spec: 'XEP-0425', where: 'room', feature: 'urn:xmpp:message-moderate:1', provenBy: [['src/modules/muc/muc-extras.test.ts', 'retract a message']] },
  { spec: 'XEP-0313', where: 'room', feature: NS.MAM, provenBy: [['src/modules/muc/muc-extras.test.ts', 'pages through what was said'], ['test/interop/muc.test.ts', 'room archive query'], ['test/interop/muc.test.ts', 'history from the room archive']] },
  { spec: 'XEP-0045 §10.1.4', where: 'service', feature: `${NS.MUC}#unique`, provenBy: [['src/modules/muc/muc-extras.test.ts', 'room name nobody uses']] },
  { spec: 'XEP-0045 §7.10', where: 'room', feature: NS.REGISTER, provenBy: [['src/modules/muc/muc-extras.test.ts', 'reserves a nick']] },
  { spec: 'XEP-0054', where: 'room', feature: NS.VCARD, provenBy: [['src/modules/muc/muc-extras.test.ts', 'room vCard'], ['test/interop/muc.test.ts', 'vcard-temp']] },
];

const root = fileURLToPath(new URL('../../', import.meta.url));
let h: Harness;
let advertised: Record<Where, string[]>;

function identities(query: Element): string[] {
  return parseDiscoInfo(query).identities.map((i) => `${i.category}/${i.type}`);
}

function formTypes(query: Element): string[] {
  return query.getChildren('x', NS.DATA_FORMS).map((x) => x.getChildren('field').find((f) => f.attrs.var === 'FORM_TYPE')?.getChildText('value') ?? '');
}

beforeAll(async () => {
  // Optional features switched on, so that every claim can be checked.
  const [proxy65] = await freePorts(1);
  h = await createHarness({ bind: '127.0.0.1', ports: { proxy65 }, turn: { host: 'turn.localhost', secret: 'compliance' }, contact: { abuse: ['mailto:abuse@localhost'] } });
  await h.createUser('auditor');
  const auditor = await h.connect('auditor');
  const server = (await auditor.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
  const account = (await auditor.query(xml('iq', { type: 'get', to: 'auditor@localhost' }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
  // What the compliance tester finds on "a disco item of the domain".
  const itemJids = (await auditor.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_ITEMS })))).getChild('query')!.getChildren('item').map((item) => String(item.attrs.jid));
  const services: Element[] = [];
  for (const jid of itemJids) services.push((await auditor.query(xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!);
  // What the tester does next: an ordinary account creates a room (instant configuration) and reads its disco#info.
  const roomJid = 'audit@conference.localhost';
  const entered = auditor.next((el) => el.name === 'presence' && el.attrs.from === `${roomJid}/auditor`);
  await auditor.sendStanza(xml('presence', { to: `${roomJid}/auditor` }, xml('x', { xmlns: NS.MUC })));
  await entered;
  await auditor.query(xml('iq', { type: 'set', to: roomJid }, xml('query', { xmlns: `${NS.MUC}#owner` }, xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }))));
  const room = (await auditor.query(xml('iq', { type: 'get', to: roomJid }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
  const streamFeatures = (stage: 'pre-auth' | 'post-auth') =>
    h.core.features.streamFeatures({ stage, secure: true, authenticated: stage === 'post-auth' }).map((el) => `{${el.getNS()}}${el.name}`);
  advertised = {
    server: parseDiscoInfo(server).features,
    account: parseDiscoInfo(account).features,
    'server-identity': identities(server),
    'account-identity': identities(account),
    'server-form': formTypes(server),
    'pre-auth': streamFeatures('pre-auth'),
    'post-auth': streamFeatures('post-auth'),
    service: [...new Set(services.flatMap((query) => parseDiscoInfo(query).features))],
    'service-identity': [...new Set(services.flatMap(identities))],
    room: parseDiscoInfo(room).features,
  };
});
afterAll(() => h.stop());

const matches = (claim: Claim, feature: string) =>
  claim.feature.endsWith('*') ? feature.startsWith(claim.feature.slice(0, -1)) : feature === claim.feature;

describe('compliance: what is advertised, and what proves it', () => {
  it.each(CLAIMS.map((claim) => [`${claim.spec} ${claim.where} ${claim.feature}`, claim] as const))('%s', (_, claim) => {
    expect(advertised[claim.where].some((feature) => matches(claim, feature)), `advertised on ${claim.where}`).toBe(true);
    for (const [file, phrase] of claim.provenBy) {
      const path = `${root}${file}`;
      expect(existsSync(path), `${file} exists`).toBe(true);
      expect(readFileSync(path, 'utf8'), `${file} mentions "${phrase}"`).toContain(phrase);
    }
  });

  it('advertises nothing that no claim accounts for', () => {
    const unclaimed = (Object.keys(advertised) as Where[]).flatMap((where) =>
      advertised[where].filter((feature) => !CLAIMS.some((claim) => claim.where === where && matches(claim, feature))).map((f) => `${where}: ${f}`),
    );
    expect(unclaimed).toEqual([]);
  });
});
