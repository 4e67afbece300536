import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  acceptSelfSignedCertificates, loginJs, provideWebSocketGlobal, xml, type JsSession, type Transport,
} from '../support/xmpp-js.ts';

/**
 * One account on three devices at once, each on another transport, with
 * @xmpp/client (xmpp.js 0.14): a phone (STARTTLS), a laptop (WebSocket) and
 * a tablet (direct TLS). What a person with several devices checks: every
 * device sees each message exactly once (directly or as a carbon), a change
 * made on one device (roster, block list, archive preference) shows on the
 * others, and all of it is still there after the server restarts, including
 * a message that arrived while every device was away (delivered once from
 * offline storage, then found in the archive by the others).
 */
const restoreTls = acceptSelfSignedCertificates();
provideWebSocketGlobal();

const PREFIX = `multi${process.pid}`;
const PASSWORD = 'three devices one person';
const ALICE = `${PREFIX}-alice@localhost`;
const BOB = `${PREFIX}-bob@localhost`;
const CAROL = `${PREFIX}-carol@localhost`;
const DEVICES: { resource: string; transport: Transport }[] = [
  { resource: 'phone', transport: 'starttls' },
  { resource: 'laptop', transport: 'websocket' },
  { resource: 'tablet', transport: 'direct-tls' },
];

const NS = {
  CARBONS: 'urn:xmpp:carbons:2',
  FORWARD: 'urn:xmpp:forward:0',
  ROSTER: 'jabber:iq:roster',
  BLOCKING: 'urn:xmpp:blocking',
  MAM: 'urn:xmpp:mam:2',
  DELAY: 'urn:xmpp:delay',
} as const;

let server: TestServer;
const open: JsSession[] = [];

async function login(username: string, resource: string, transport: Transport = 'starttls'): Promise<JsSession> {
  const session = await loginJs({ server, transport, username: `${PREFIX}-${username}`, password: PASSWORD, resource });
  open.push(session);
  return session;
}

async function iq(session: JsSession, type: 'get' | 'set', child: Element, to?: string): Promise<Element> {
  return session.xmpp.iqCaller.request(xml('iq', { type, ...(to ? { to } : {}) }, child), 8_000);
}

async function loginAllDevices(): Promise<JsSession[]> {
  const devices: JsSession[] = [];
  for (const { resource, transport } of DEVICES) {
    const device = await login('alice', resource, transport);
    // What a client does at login: carbons on, roster and block list fetched
    // (which also makes it an "interested resource" for pushes, RFC 6121 §2.1.6, XEP-0191 §3.1).
    await iq(device, 'set', xml('enable', { xmlns: NS.CARBONS }));
    await rosterJids(device);
    await blockList(device);
    devices.push(device);
  }
  return devices;
}

/** The body of a message as the device sees it: the message itself, or the one inside a carbon. */
function bodySeen(stanza: Element): { body: string; via: 'direct' | 'received' | 'sent' } | null {
  if (stanza.name !== 'message') return null;
  for (const via of ['received', 'sent'] as const) {
    const inner = stanza.getChild(via, NS.CARBONS)?.getChild('forwarded', NS.FORWARD)?.getChild('message');
    if (inner) return inner.getChildText('body') ? { body: inner.getChildText('body')!, via } : null;
  }
  if (stanza.getChild('result', NS.MAM)) return null;
  const body = stanza.getChildText('body');
  return body ? { body, via: 'direct' } : null;
}

const timesSeen = (device: JsSession, body: string) => device.inbox.received.filter((stanza) => bodySeen(stanza)?.body === body).length;

async function waitForBody(device: JsSession, body: string): Promise<Element> {
  return device.inbox.waitFor((stanza) => bodySeen(stanza)?.body === body, `'${body}' on ${device.jid}`, 8_000);
}

/** Every body in the account's archive, oldest first, as this device's MAM query returns it. */
async function archivedBodies(device: JsSession, withJid: string): Promise<string[]> {
  const queryid = `q-${Math.random().toString(36).slice(2)}`;
  const form = xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.MAM)),
    xml('field', { var: 'with' }, xml('value', {}, withJid)));
  const fin = await iq(device, 'set', xml('query', { xmlns: NS.MAM, queryid }, form));
  expect(fin.getChild('fin', NS.MAM)?.attrs.complete).toBe('true');
  return device.inbox.received
    .map((stanza) => stanza.getChild('result', NS.MAM))
    .filter((result): result is Element => result?.attrs.queryid === queryid)
    .map((result) => result.getChild('forwarded', NS.FORWARD)?.getChild('message')?.getChildText('body') ?? '');
}

async function rosterJids(device: JsSession): Promise<Record<string, string>> {
  const result = await iq(device, 'get', xml('query', { xmlns: NS.ROSTER }));
  return Object.fromEntries((result.getChild('query', NS.ROSTER)?.getChildren('item') ?? []).map((item) => [item.attrs.jid!, item.attrs.subscription!]));
}

async function blockList(device: JsSession): Promise<string[]> {
  const result = await iq(device, 'get', xml('blocklist', { xmlns: NS.BLOCKING }));
  return (result.getChild('blocklist', NS.BLOCKING)?.getChildren('item') ?? []).map((item) => item.attrs.jid!);
}

async function stopAll(): Promise<void> {
  await Promise.all(open.splice(0).map((session) => session.stop()));
}

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['alice', 'bob', 'carol']) await server.core.accounts.create(`${PREFIX}-${name}`, PASSWORD);
}, 30_000);

afterAll(async () => {
  await stopAll();
  await server?.stop();
  restoreTls();
});

describe('three devices of one account (@xmpp/client)', () => {
  let phone: JsSession;
  let laptop: JsSession;
  let tablet: JsSession;
  let bob: JsSession;

  beforeAll(async () => {
    [phone, laptop, tablet] = (await loginAllDevices()) as [JsSession, JsSession, JsSession];
    bob = await login('bob', 'pc');
  }, 40_000);

  it('a contact added on the phone appears on the laptop and the tablet (roster push), and presence flows both ways', async () => {
    await iq(phone, 'set', xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: BOB, name: 'Bob' })));
    for (const device of [laptop, tablet]) {
      const push = await device.inbox.waitFor((stanza) => stanza.name === 'iq' && stanza.attrs.type === 'set' && stanza.getChild('query', NS.ROSTER)?.getChild('item')?.attrs.jid === BOB, `roster push on ${device.jid}`);
      expect(push.getChild('query', NS.ROSTER)?.getChild('item')?.attrs.name).toBe('Bob');
    }
    await phone.send(xml('presence', { to: BOB, type: 'subscribe' }));
    await bob.inbox.waitFor((stanza) => stanza.name === 'presence' && stanza.attrs.type === 'subscribe' && stanza.attrs.from === ALICE, 'the subscription request at bob');
    await bob.send(xml('presence', { to: ALICE, type: 'subscribed' }));
    await bob.send(xml('presence', { to: ALICE, type: 'subscribe' }));
    await tablet.inbox.waitFor((stanza) => stanza.name === 'presence' && stanza.attrs.type === 'subscribe' && stanza.attrs.from === BOB, 'bob asking back, on the tablet');
    await tablet.send(xml('presence', { to: BOB, type: 'subscribed' }));
    // Each of alice's devices now sees bob online, and bob sees all three.
    for (const device of [phone, laptop, tablet]) {
      await device.inbox.waitFor((stanza) => stanza.name === 'presence' && stanza.attrs.from === `${BOB}/pc` && !stanza.attrs.type, `bob's presence on ${device.jid}`);
    }
    for (const device of [phone, laptop, tablet]) {
      await bob.inbox.waitFor((stanza) => stanza.name === 'presence' && stanza.attrs.from === device.jid && !stanza.attrs.type, `${device.jid} online at bob`);
    }
    for (const device of [phone, laptop, tablet]) expect((await rosterJids(device))[BOB]).toBe('both');
  });

  it('a message to the account reaches every device exactly once', async () => {
    await bob.send(xml('message', { to: ALICE, type: 'chat', id: 'to-bare' }, xml('body', {}, 'hello all your devices')));
    for (const device of [phone, laptop, tablet]) await waitForBody(device, 'hello all your devices');
    await bob.send(xml('message', { to: `${ALICE}/laptop`, type: 'chat', id: 'to-laptop' }, xml('body', {}, 'just to the laptop')));
    const direct = await waitForBody(laptop, 'just to the laptop');
    expect(bodySeen(direct)?.via).toBe('direct');
    for (const device of [phone, tablet]) expect(bodySeen(await waitForBody(device, 'just to the laptop'))?.via).toBe('received');
    // A ping round trip after the last message: anything duplicated would be here by now.
    await iq(bob, 'get', xml('ping', { xmlns: 'urn:xmpp:ping' }), 'localhost');
    for (const device of [phone, laptop, tablet]) {
      await iq(device, 'get', xml('ping', { xmlns: 'urn:xmpp:ping' }), 'localhost');
      expect(timesSeen(device, 'hello all your devices')).toBe(1);
      expect(timesSeen(device, 'just to the laptop')).toBe(1);
    }
  });

  it('what the phone sends shows on the laptop and the tablet as sent carbons, and bob gets it once', async () => {
    await phone.send(xml('message', { to: BOB, type: 'chat', id: 'from-phone' }, xml('body', {}, 'sent from my phone')));
    await waitForBody(bob, 'sent from my phone');
    for (const device of [laptop, tablet]) expect(bodySeen(await waitForBody(device, 'sent from my phone'))?.via).toBe('sent');
    await iq(bob, 'get', xml('ping', { xmlns: 'urn:xmpp:ping' }), 'localhost');
    expect(timesSeen(bob, 'sent from my phone')).toBe(1);
    expect(timesSeen(phone, 'sent from my phone')).toBe(0);
  });

  it('a block made on the laptop is pushed to the phone and the tablet, and the blocked person reaches no device', async () => {
    await iq(laptop, 'set', xml('block', { xmlns: NS.BLOCKING }, xml('item', { jid: CAROL })));
    for (const device of [phone, tablet]) {
      await device.inbox.waitFor((stanza) => stanza.name === 'iq' && stanza.getChild('block', NS.BLOCKING)?.getChild('item')?.attrs.jid === CAROL, `block push on ${device.jid}`);
    }
    const carol = await login('carol', 'web');
    await carol.send(xml('message', { to: ALICE, type: 'chat' }, xml('body', {}, 'can you hear me')));
    const bounce = await carol.inbox.waitFor((stanza) => stanza.name === 'message' && stanza.attrs.type === 'error', 'the error for a blocked sender');
    // XEP-0191 §3.3: the same answer as for an account that does not exist, so carol learns nothing.
    expect(bounce.getChild('error')?.getChild('service-unavailable', 'urn:ietf:params:xml:ns:xmpp-stanzas')).toBeTruthy();
    for (const device of [phone, laptop, tablet]) {
      await iq(device, 'get', xml('ping', { xmlns: 'urn:xmpp:ping' }), 'localhost');
      expect(timesSeen(device, 'can you hear me')).toBe(0);
    }
  });

  it('each device reads the same conversation from the archive', async () => {
    for (const device of [phone, laptop, tablet]) {
      expect(await archivedBodies(device, BOB)).toEqual(['hello all your devices', 'just to the laptop', 'sent from my phone']);
    }
  });

  it('after a restart: roster, block list, archive and preference are there on every device, and a message sent while all were away arrives once', async () => {
    await iq(tablet, 'set', xml('prefs', { xmlns: NS.MAM, default: 'roster' }));
    await stopAll();
    await server.restart();

    bob = await login('bob', 'pc');
    await bob.send(xml('message', { to: ALICE, type: 'chat', id: 'while-away' }, xml('body', {}, 'while all your devices were off')));
    await iq(bob, 'get', xml('ping', { xmlns: 'urn:xmpp:ping' }), 'localhost');

    phone = await login('alice', 'phone', 'starttls');
    const offline = await waitForBody(phone, 'while all your devices were off');
    expect(offline.getChild('delay', NS.DELAY)?.attrs.from).toBe('localhost');
    [laptop, tablet] = [await login('alice', 'laptop', 'websocket'), await login('alice', 'tablet', 'direct-tls')];

    for (const device of [phone, laptop, tablet]) {
      expect((await rosterJids(device))[BOB]).toBe('both');
      expect(await blockList(device)).toEqual([CAROL]);
      const prefs = await iq(device, 'get', xml('prefs', { xmlns: NS.MAM }));
      expect(prefs.getChild('prefs', NS.MAM)?.attrs.default).toBe('roster');
      expect(await archivedBodies(device, BOB)).toEqual(['hello all your devices', 'just to the laptop', 'sent from my phone', 'while all your devices were off']);
    }
    // Offline storage hands the message out once: the laptop and the tablet found it in the archive only.
    for (const device of [laptop, tablet]) {
      expect(device.inbox.received.filter((stanza) => stanza.getChildText('body') === 'while all your devices were off')).toHaveLength(0);
    }
    expect(timesSeen(phone, 'while all your devices were off')).toBe(1);
  }, 60_000);
});
