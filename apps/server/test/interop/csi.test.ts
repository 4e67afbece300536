import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml, type Element } from '@conexizan/protocol';
import { connectSecure, hasBody, login, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates, loginJs, type JsSession } from '../support/xmpp-js.ts';

/**
 * Client state indication (XEP-0352) on a real connection: alice's phone
 * is @xmpp/client (which sends the <inactive/> nonza as any CSI client
 * does), bob is the raw socket client. While the phone is inactive, bob's
 * presence and typing wait; his message does not, and brings the latest
 * presence along first.
 */
const PASSWORD = 'pocket phone 42';
const CSI = 'urn:xmpp:csi:0';
const PREFIX = `csi${process.pid}`;
const ALICE = `${PREFIX}-alice`;
const BOB = `${PREFIX}-bob`;

let server: TestServer;
let phone: JsSession;
let bob: RawXmppConnection;
let restoreCertificates: () => void;

beforeAll(async () => {
  restoreCertificates = acceptSelfSignedCertificates();
  server = await startTestServer();
  for (const user of [ALICE, BOB]) await server.core.accounts.create(user, PASSWORD);
  const both = { name: null, subscription: 'both', askSubscribe: false, approved: false } as const;
  await server.core.storage.roster.put(ALICE, { jid: `${BOB}@localhost`, ...both, groups: [] });
  await server.core.storage.roster.put(BOB, { jid: `${ALICE}@localhost`, ...both, groups: [] });
}, 30_000);

afterAll(async () => {
  await phone?.stop();
  await bob?.close();
  await server?.stop();
  restoreCertificates?.();
});

const fromBob = (el: Element) => (el.attrs.from as string | undefined)?.startsWith(`${BOB}@localhost/`) === true;
const status = (text: string) => (el: Element) => el.name === 'presence' && fromBob(el) && el.getChildText('status') === text;

describe('client state indication', () => {
  it('offers <csi/> among the stream features after authentication', async () => {
    const { connection } = await connectSecure({ port: server.ports.c2s });
    try {
      const result = await connection.authenticate(ALICE, PASSWORD);
      expect(result.ok).toBe(true);
      const features = await connection.openStream();
      expect(features.getChild('csi', CSI)).toBeDefined();
    } finally {
      await connection.close();
    }
  });

  it('holds presence and chat states of an inactive client, and sends a message at once with the latest presence first', async () => {
    phone = await loginJs({ server, transport: 'starttls', username: ALICE, password: PASSWORD, resource: 'phone' });
    bob = await login({ port: server.ports.c2s, username: BOB, password: PASSWORD, resource: 'pc' });
    await phone.inbox.waitFor((el) => el.name === 'presence' && fromBob(el), "bob's initial presence");

    await phone.send(xml('inactive', { xmlns: CSI }));
    bob.send(xml('presence', {}, xml('status', {}, 'in a meeting')));
    bob.send(xml('presence', {}, xml('status', {}, 'on the train')));
    bob.send(xml('message', { to: `${ALICE}@localhost/phone`, type: 'chat' }, xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    expect(await phone.inbox.nothing(fromBob, 600), 'nothing from bob reaches the inactive phone').toBe(true);

    bob.send(xml('message', { to: `${ALICE}@localhost`, type: 'chat' }, xml('body', {}, 'call me')));
    await phone.inbox.waitFor(hasBody('call me'), "bob's message");
    const seen = phone.inbox.received.filter(fromBob).slice(1); // after the initial presence
    const described = seen.map((el) => el.getChildText('status') ?? el.getChildText('body') ?? el.getChildElements()[0]?.name);
    // Only the latest presence, and the latest chat state, both before the message.
    expect(described).toEqual(['on the train', 'composing', 'call me']);
    expect(phone.errors).toEqual([]);
  });

  it('delivers at once again after <active/>', async () => {
    await phone.send(xml('active', { xmlns: CSI }));
    bob.send(xml('presence', {}, xml('status', {}, 'home')));
    await phone.inbox.waitFor(status('home'), "bob's presence after <active/>", 2000);
    expect(phone.errors).toEqual([]);
  });
});
