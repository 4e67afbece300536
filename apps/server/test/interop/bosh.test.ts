import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { DOMParser, type Document as XmlDocument, type Element as XmlElement } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import XMLHttpRequest from 'xhr2';
import { createAccount } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { eventually, withTimeout } from '../support/wait.ts';
import { acceptSelfSignedCertificates, loginJs, provideWebSocketGlobal, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * XMPP over BOSH (XEP-0124/XEP-0206) beside WebSocket: strophe.js (the
 * BOSH client under converse.js, here in Node) logs in over HTTPS and chats
 * with an @xmpp/client user on WebSocket; host-meta lists both endpoints
 * the way XEP-0156 clients and the compliance tester read it; and the BOSH
 * rules a broken or hostile client could trip on (sid, rid, size) get the
 * XEP's terminal conditions.
 */
const HTTPBIND = 'http://jabber.org/protocol/httpbind';
const PASSWORD = 'bosh test password';
const restoreTls = acceptSelfSignedCertificates();
provideWebSocketGlobal();

// strophe.js wants the browser's XMLHttpRequest, including responseXML: xhr2 plus a DOM parser.
class NodeXhr extends XMLHttpRequest {
  get responseXML(): XmlDocument | null {
    const text = (this as unknown as { responseText: string }).responseText;
    return text ? new DOMParser().parseFromString(text, 'text/xml') : null;
  }
}
XMLHttpRequest.nodejsSet({ httpsAgent: new Agent({ rejectUnauthorized: false }) });
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = NodeXhr;
const { Strophe, $msg, $iq } = await import('strophe.js');

let server: TestServer;
let bob: JsSession;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function call(secure: boolean, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const port = secure ? server.ports.https : server.ports.http;
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)({ host: '127.0.0.1', port, path, method, headers: { host: `localhost:${port}`, ...headers }, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const post = (body: string) => call(false, 'POST', '/http-bind', { 'content-type': 'text/xml; charset=utf-8' }, body);
const session = (rid: number, extra = '') =>
  `<body rid='${rid}' to='localhost' xml:lang='en' wait='1' hold='1' ver='1.6' xmpp:version='1.0' xmlns='${HTTPBIND}' xmlns:xmpp='urn:xmpp:xbosh'${extra}/>`;
const attr = (text: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(text)?.[1];

beforeAll(async () => {
  server = await startTestServer();
  for (const username of ['bosh-alice', 'bosh-bob']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  bob = await loginJs({ server, transport: 'websocket', username: 'bosh-bob', password: PASSWORD });
});

afterAll(async () => {
  await bob?.stop();
  await server?.stop();
  restoreTls();
});

describe('host-meta (XEP-0156)', () => {
  it.each([false, true])('lists WebSocket and BOSH, readable cross-origin (https: %s)', async (secure) => {
    const scheme = secure ? 'https' : 'http';
    const port = secure ? server.ports.https : server.ports.http;
    const xrd = await call(secure, 'GET', '/.well-known/host-meta');
    expect(xrd.status).toBe(200);
    expect(xrd.headers['access-control-allow-origin']).toBe('*');
    expect(xrd.text).toContain(`rel="urn:xmpp:alt-connections:xbosh" href="${scheme}://localhost:${port}/http-bind"`);
    expect(xrd.text).toContain(`rel="urn:xmpp:alt-connections:websocket" href="${secure ? 'wss' : 'ws'}://localhost:${port}/xmpp-websocket"`);
    const json = await call(secure, 'GET', '/.well-known/host-meta.json');
    expect(json.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(json.text).links.map((link: { rel: string }) => link.rel).sort()).toEqual(['urn:xmpp:alt-connections:websocket', 'urn:xmpp:alt-connections:xbosh']);
  });

  it('has every listed endpoint answer the way the compliance tester probes it', async () => {
    const links: { rel: string; href: string }[] = JSON.parse((await call(true, 'GET', '/.well-known/host-meta.json')).text).links;
    for (const { rel, href } of links) {
      const url = new URL(href.replace('localhost', '127.0.0.1'));
      if (rel.endsWith(':xbosh')) {
        const answer = await call(true, 'OPTIONS', url.pathname, { origin: 'null', 'access-control-request-method': 'POST' });
        expect(answer.status).toBeLessThanOrEqual(299);
        expect(answer.headers['access-control-allow-origin']).toBe('*');
      } else {
        const ws = new WebSocket(url, 'xmpp', { rejectUnauthorized: false });
        await withTimeout(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 5_000, 'the WebSocket upgrade');
        ws.close();
      }
    }
  });
});

describe('strophe.js over BOSH', () => {
  it('logs in over HTTPS, chats with a WebSocket user both ways and leaves cleanly', async () => {
    const conn = new Strophe.Connection(`https://127.0.0.1:${server.ports.https}/http-bind`);
    const received: XmlElement[] = [];
    conn.addHandler((stanza: XmlElement) => {
      received.push(stanza);
      return true;
    }, '', 'message');
    const status = await withTimeout(
      new Promise<number>((resolve) =>
        conn.connect('bosh-alice@localhost', PASSWORD, (s: number) => {
          if ([Strophe.Status.CONNECTED, Strophe.Status.AUTHFAIL, Strophe.Status.CONNFAIL, Strophe.Status.DISCONNECTED].includes(s)) resolve(s);
        }),
      ),
      10_000,
      'strophe.js to log in over BOSH',
    );
    expect(status).toBe(Strophe.Status.CONNECTED);
    expect(conn.jid).toMatch(/^bosh-alice@localhost\//);
    conn.send($iq({ type: 'get', id: 'roster-1' }).c('query', { xmlns: 'jabber:iq:roster' }).tree());

    conn.send($msg({ to: 'bosh-bob@localhost', type: 'chat' }).c('body').t('hello over BOSH').tree());
    const atBob = await bob.inbox.waitFor((el) => el.name === 'message' && el.getChildText('body') === 'hello over BOSH', 'the message from BOSH');
    expect(atBob.attrs.from).toBe(conn.jid);

    await bob.send(xml('message', { to: conn.jid, type: 'chat' }, xml('body', {}, 'hello over WebSocket')));
    const atAlice = await eventually(() => received.find((m) => m.getElementsByTagName('body')[0]?.textContent === 'hello over WebSocket'), 'the answer over BOSH');
    expect(atAlice.getAttribute('from')).toMatch(/^bosh-bob@localhost\//);

    const sessionsBefore = server.core.sessions.count();
    conn.disconnect('done');
    await eventually(() => server.core.sessions.count() === sessionsBefore - 1, 'the BOSH session to end');
  });
});

describe('BOSH rules (XEP-0124)', () => {
  it('creates a session with features in the first answer, and answers a repeated rid with the same body', async () => {
    const created = await post(session(1000));
    expect(created.headers['access-control-allow-origin']).toBe('*');
    const sid = attr(created.text, 'sid')!;
    expect(sid).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(attr(created.text, 'xmpp:version')).toBe('1.0');
    expect(created.text).toContain('<stream:features>');
    expect(created.text).toContain('SCRAM-SHA-256');

    const empty = `<body rid='1001' sid='${sid}' xmlns='${HTTPBIND}'/>`;
    const first = await post(empty); // held for wait='1', then empty
    expect(first.text).toBe(`<body xmlns="${HTTPBIND}"/>`);
    expect((await post(empty)).text).toBe(first.text);
    const jump = await post(`<body rid='1100' sid='${sid}' xmlns='${HTTPBIND}'/>`);
    expect([attr(jump.text, 'type'), attr(jump.text, 'condition')]).toEqual(['terminate', 'item-not-found']);
    // the session is gone now
    expect(attr((await post(`<body rid='1002' sid='${sid}' xmlns='${HTTPBIND}'/>`)).text, 'type')).toBe('terminate');
  });

  it('ends a session the client terminates', async () => {
    const created = await post(session(2000));
    const sid = attr(created.text, 'sid')!;
    const bye = await post(`<body rid='2001' sid='${sid}' type='terminate' xmlns='${HTTPBIND}'/>`);
    expect(attr(bye.text, 'type')).toBe('terminate');
  });

  it('answers unknown sessions, bad bodies, foreign domains and oversized requests with the terminal conditions', async () => {
    const condition = async (body: string) => attr((await post(body)).text, 'condition');
    expect(await condition(`<body rid='5' sid='no-such-session' xmlns='${HTTPBIND}'/>`)).toBe('item-not-found');
    expect(await condition(`<body rid='5' xmlns='urn:wrong'/>`)).toBe('bad-request');
    expect(await condition(`<body rid='five' to='localhost' xmlns='${HTTPBIND}'/>`)).toBe('bad-request');
    expect(await condition('<body rid=')).toBe('bad-request');
    expect(await condition(`<!DOCTYPE x [<!ENTITY a 'b'>]><body rid='5' to='localhost' xmlns='${HTTPBIND}'/>`)).toBe('bad-request');
    expect(await condition(`<body rid='5' to='elsewhere.example' xmlns='${HTTPBIND}'/>`)).toBe('host-unknown');
    const huge = await post(`<body rid='6' to='localhost' xmlns='${HTTPBIND}'>${'<x/>'.repeat(100_000)}</body>`);
    expect(huge.status).toBe(413);
    expect((await call(false, 'GET', '/http-bind')).status).toBe(405);
  });
});

describe('shutdown', () => {
  it('answers a held request with system-shutdown and stops promptly', async () => {
    const created = await post(session(3000).replace("wait='1'", "wait='60'"));
    const sid = attr(created.text, 'sid')!;
    const held = post(`<body rid='3001' sid='${sid}' xmlns='${HTTPBIND}'/>`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    const answer = await held;
    expect([attr(answer.text, 'type'), attr(answer.text, 'condition')]).toEqual(['terminate', 'remote-stream-error']);
    expect(answer.text).toContain('system-shutdown');
  });
});
