import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/free-port.ts';
import { runSlixmpp, type Observation } from '../support/python.ts';
import { startProsody, type ProsodyInstance } from '../support/prosody.ts';
import { chat, hasBody, login, stanzaErrorCondition } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { eventually } from '../support/wait.ts';

/**
 * Federation with a real, independent XMPP server: Debian's Prosody 0.12 as
 * prosody.test on 127.0.0.3, Conexizan as cnx.test on 127.0.0.2, each with a
 * self-signed certificate, so the servers must fall back to dialback
 * (XEP-0220). We reach Prosody with TLS from the first byte (XEP-0368, its
 * s2s_direct_tls port), Prosody reaches us with STARTTLS on a free port it
 * finds through an SRV record its resolver is given. slixmpp users on both sides subscribe, chat, fetch each
 * other's OMEMO device list and vCard. Then Prosody is killed: stanzas to it
 * bounce with remote-server-not-found while local chat goes on.
 */
const CNX = { domain: 'cnx.test', address: '127.0.0.2' };
const PEER = { domain: 'prosody.test', address: '127.0.0.3' };
const PASSWORD = 'correct horse 1';
const SCRIPT = fileURLToPath(new URL('./slixmpp/federation.py', import.meta.url));

let server: TestServer;
let prosody: ProsodyInstance;

beforeAll(async () => {
  const [s2sPort] = (await freePorts(1)) as [number];
  prosody = await startProsody({ domain: PEER.domain, address: PEER.address, peers: { [CNX.domain]: CNX.address }, peerSrv: { domain: CNX.domain, port: s2sPort } });
  server = await startTestServer({ domain: CNX.domain, bind: CNX.address, ports: { s2s: s2sPort }, s2s: { hosts: { [PEER.domain]: `tls://${PEER.address}:${prosody.s2sDirectTlsPort}` } } });
  for (const user of ['alice', 'carol', 'dave']) await server.core.accounts.create(user, PASSWORD);
  prosody.register('bob', PASSWORD);
}, 60_000);

afterAll(async () => {
  await prosody?.stop();
  await server?.stop();
});

function find(observations: Observation[], step: string, user?: string): Observation | undefined {
  return observations.find((o) => o.step === step && o.user === user);
}

describe('federation with Prosody', () => {
  it('subscriptions, chat, OMEMO device lists and vCards work both ways (slixmpp on each side)', async () => {
    const run = await runSlixmpp(
      SCRIPT,
      ['--alice-host', CNX.address, '--alice-port', String(server.ports.c2s), '--alice-jid', `alice@${CNX.domain}`,
        '--bob-host', PEER.address, '--bob-port', String(prosody.c2sPort), '--bob-jid', `bob@${PEER.domain}`,
        '--password', PASSWORD, '--label', 'prosody'],
      150_000,
    );
    const o = run.observations;
    const context = `${run.stdout}\n${run.stderr.slice(-3000)}\n--- prosody log ---\n${prosody.logTail()}`;
    expect(find(o, 'done'), context).toMatchObject({ ok: true });
    expect(find(o, 'subscribe-request', 'bob')).toMatchObject({ sender: `alice@${CNX.domain}` });
    expect(find(o, 'subscribe-request', 'alice')).toMatchObject({ sender: `bob@${PEER.domain}` });
    expect(find(o, 'roster', 'alice')).toMatchObject({ subscription: 'both' });
    expect(find(o, 'roster', 'bob')).toMatchObject({ subscription: 'both' });
    expect(find(o, 'presence', 'bob')).toMatchObject({ seen: true });
    expect(find(o, 'message', 'bob')).toMatchObject({ sender: `alice@${CNX.domain}/slix`, body: 'hello bob prosody' });
    expect(find(o, 'message', 'alice')).toMatchObject({ sender: `bob@${PEER.domain}/slix`, body: 'hello alice prosody' });
    expect(find(o, 'devices', 'bob'), context).toMatchObject({ ok: true, devices: ['1111'] });
    expect(find(o, 'devices', 'alice'), context).toMatchObject({ ok: true, devices: ['2222'] });
    expect(find(o, 'vcard', 'bob'), context).toMatchObject({ ok: true, fn: 'Alice prosody' });
    expect(find(o, 'vcard', 'alice'), context).toMatchObject({ ok: true, fn: 'Bob prosody' });
  }, 180_000);

  it('authenticated Prosody by dialback, since its certificate is not trusted here, over direct TLS', () => {
    const remote = server.server.federation?.remote(PEER.domain);
    expect(remote?.method).toBe('dialback');
    expect(remote?.transport).toBe('direct-tls');
  });

  it('bounces stanzas for Prosody once it is gone, while local users keep chatting', async () => {
    const carol = await login({ host: CNX.address, port: server.ports.c2s, domain: CNX.domain, username: 'carol', password: PASSWORD });
    const dave = await login({ host: CNX.address, port: server.ports.c2s, domain: CNX.domain, username: 'dave', password: PASSWORD });
    try {
      expect(server.server.federation?.remote(PEER.domain)?.connected).toBe(true);
      await prosody.kill();
      // Stanzas already written to a peer that dies are lost in the network (no XEP-0198 between
      // servers yet); what we promise is a bounce for everything sent once the loss is noticed.
      await eventually(() => server.server.federation?.remote(PEER.domain)?.connected === false, 'the broken stream to be noticed', 10_000);
      const lost = chat(`bob@${PEER.domain}`, 'after the crash');
      carol.send(lost);
      const bounce = await carol.inbox.waitFor((el) => el.name === 'message' && el.attrs.type === 'error' && el.attrs.id === lost.attrs.id, 'the bounce', 30_000);
      expect(stanzaErrorCondition(bounce)).toBe('remote-server-not-found');
      expect(bounce.attrs.from).toBe(`bob@${PEER.domain}`);
      // Local chat was never held up.
      carol.send(chat(`dave@${CNX.domain}`, 'still here'));
      await dave.inbox.waitFor(hasBody('still here'), 'a local message', 5_000);
    } finally {
      await carol.close();
      await dave.close();
    }
  }, 60_000);
});
