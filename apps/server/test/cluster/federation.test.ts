import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol';
import { postgresUrlForTests, startCluster, type ClusterUnderTest } from '../support/cluster.ts';
import { freePorts } from '../support/free-port.ts';
import { startProsody, type ProsodyInstance } from '../support/prosody.ts';
import { createAccount } from '../support/raw-xmpp.ts';
import { SlixmppDriver } from '../support/slixmpp-driver.ts';
import { acceptSelfSignedCertificates, loginJs, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * A cluster of two nodes federating with Debian's Prosody 0.12. Each node
 * opens its own outgoing streams; Prosody finds the domain at node 1 only
 * (its SRV record), so every dialback check, also of keys node 2 made,
 * is answered by node 1 (one shared secret), and everything Prosody sends
 * arrives at node 1, which routes it to sessions on node 2 through Redis.
 * slixmpp on Prosody and on node 1, @xmpp/client on node 2.
 */
const DOMAIN = 'cnx-cluster.test';
const PEER = { domain: 'prosody-peer.test', address: '127.0.0.57' };
const PASSWORD = 'federating cluster';
const postgresUrl = postgresUrlForTests();

let prosody: ProsodyInstance;
let cluster: ClusterUnderTest;
let slix: SlixmppDriver;
let bob: JsSession;
let restoreTls: () => void;

const withBody = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body;

beforeAll(async () => {
  if (!postgresUrl) return;
  restoreTls = acceptSelfSignedCertificates();
  const addresses = ['127.0.0.58', '127.0.0.59'];
  const s2sPorts = await freePorts(2);
  prosody = await startProsody({ domain: PEER.domain, address: PEER.address, peers: { [DOMAIN]: addresses[0]! }, peerSrv: { domain: DOMAIN, port: s2sPorts[0]! } });
  cluster = await startCluster({
    addresses, redisAddress: '127.0.0.56', postgresUrl, domain: DOMAIN, s2s: true, s2sPorts,
    extraToml: () => `[s2s.hosts]\n"${PEER.domain}" = "tls://${PEER.address}:${prosody.s2sDirectTlsPort}"\n`,
  });
  await cluster.waitForNodes(2);
  const [one, two] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
  await createAccount({ host: one.address, port: one.ports.c2s, domain: DOMAIN, username: 'alice', password: PASSWORD });
  await createAccount({ host: two.address, port: two.ports.c2s, domain: DOMAIN, username: 'bob', password: PASSWORD });
  prosody.register('pat', PASSWORD);
  slix = await SlixmppDriver.start();
  // Prosody 0.12 has no SCRAM-SHA-256.
  await slix.command('login', { client: 'pat', jid: `pat@${PEER.domain}/slix`, password: PASSWORD, host: PEER.address, port: prosody.c2sPort, mechanism: 'SCRAM-SHA-1' });
  await slix.command('login', { client: 'alice', jid: `alice@${DOMAIN}/slix`, password: PASSWORD, host: one.address, port: one.ports.c2s });
  bob = await loginJs({ service: `xmpp://${two.address}:${two.ports.c2s}`, domain: DOMAIN, transport: 'starttls', username: 'bob', password: PASSWORD, resource: 'laptop' });
}, 120_000);

afterAll(async () => {
  await bob?.stop();
  await slix?.quit();
  await cluster?.stop();
  await prosody?.stop();
  restoreTls?.();
});

describe.skipIf(!postgresUrl)('a cluster federating with Prosody', () => {
  it('both nodes send to Prosody over streams of their own; node 1 vouches for node 2 (dialback)', async () => {
    await bob.send(xml('message', { to: `pat@${PEER.domain}`, type: 'chat' }, xml('body', {}, 'from node 2')));
    const fromTwo = await slix.stanza('pat', withBody('from node 2'), 'the message from node 2 at Prosody', 40_000);
    expect(fromTwo.attrs.from).toBe(`bob@${DOMAIN}/laptop`);
    await slix.command('message', { client: 'alice', to: `pat@${PEER.domain}`, body: 'from node 1' });
    const fromOne = await slix.stanza('pat', withBody('from node 1'), 'the message from node 1 at Prosody', 40_000);
    expect(fromOne.attrs.from).toBe(`alice@${DOMAIN}/slix`);
    for (const node of cluster.nodes) {
      expect(await node.metrics(), `${node.id} keeps its own stream to Prosody`).toMatch(/conexizan_s2s_streams\{direction="out"\} [1-9]/);
    }
  });

  it("Prosody's answers arrive at node 1 and reach the sessions on both nodes", async () => {
    await slix.command('message', { client: 'pat', to: `bob@${DOMAIN}/laptop`, body: 'to bob on node 2' });
    await slix.command('message', { client: 'pat', to: `alice@${DOMAIN}`, body: 'to alice on node 1' });
    const atTwo = await bob.inbox.waitFor(withBody('to bob on node 2'), 'the answer on node 2', 40_000);
    expect(atTwo.attrs.from).toBe(`pat@${PEER.domain}/slix`);
    await slix.stanza('alice', withBody('to alice on node 1'), 'the answer on node 1', 40_000);
  });

  it('subscriptions and presence across the border, with the session on node 2', async () => {
    await bob.send(xml('presence', { to: `pat@${PEER.domain}`, type: 'subscribe' }));
    await slix.stanza('pat', (el) => el.name === 'presence' && el.attrs.type === 'subscribe' && el.attrs.from === `bob@${DOMAIN}`, 'the request at Prosody', 40_000);
    await slix.command('presence', { client: 'pat', to: `bob@${DOMAIN}`, type: 'subscribed' });
    await bob.inbox.waitFor((el) => el.name === 'presence' && el.attrs.from === `pat@${PEER.domain}/slix` && el.attrs.type === undefined, "pat's presence on node 2", 40_000);
    await slix.command('presence', { client: 'pat', to: `bob@${DOMAIN}`, type: 'subscribe' });
    await bob.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe', "pat's request on node 2", 40_000);
    await bob.send(xml('presence', { to: `pat@${PEER.domain}`, type: 'subscribed' }));
    // Prosody probes bob's presence (answered with the registry's copy on node 1) or gets it from node 2's broadcast.
    await slix.stanza('pat', (el) => el.name === 'presence' && el.attrs.from === `bob@${DOMAIN}/laptop` && el.attrs.type === undefined, "bob's presence at Prosody", 40_000);
  });
});
