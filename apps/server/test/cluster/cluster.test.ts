import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, type Element } from '@conexizan/protocol';
import { postgresUrlForTests, startCluster, type ClusterNodeUnderTest, type ClusterUnderTest } from '../support/cluster.ts';
import { createAccount } from '../support/raw-xmpp.ts';
import { SlixmppDriver } from '../support/slixmpp-driver.ts';
import { eventually } from '../support/wait.ts';
import { acceptSelfSignedCertificates, loginJs, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * One domain on three `conexizan serve` processes (127.0.0.51–53) sharing a
 * real Redis and the real PostgreSQL, with users of two client libraries
 * nobody here wrote, slixmpp and @xmpp/client, on different nodes: what
 * each of them sees must be what it would see on a single server.
 */
const PASSWORD = 'cluster tests password';
const postgresUrl = postgresUrlForTests();

let cluster: ClusterUnderTest;
let slix: SlixmppDriver;
let restoreTls: () => void;
const sessions: JsSession[] = [];

const node = (n: 1 | 2 | 3): ClusterNodeUnderTest => cluster.nodes[n - 1]!;
const jidOf = (user: string) => `${user}@localhost`;

async function account(user: string, at: 1 | 2 | 3 = 1): Promise<void> {
  await createAccount({ host: node(at).address, port: node(at).ports.c2s, username: user, password: PASSWORD });
}

/** An @xmpp/client session on a node (STARTTLS). */
async function js(user: string, at: 1 | 2 | 3, resource: string): Promise<JsSession> {
  const session = await loginJs({ service: `xmpp://${node(at).address}:${node(at).ports.c2s}`, transport: 'starttls', username: user, password: PASSWORD, resource });
  sessions.push(session);
  return session;
}

/** A slixmpp client on a node. */
async function slixmpp(name: string, user: string, at: 1 | 2 | 3): Promise<void> {
  await slix.command('login', { client: name, jid: `${jidOf(user)}/slix`, password: PASSWORD, host: node(at).address, port: node(at).ports.c2s });
}

const isPresence = (from: string, type?: string) => (el: Element) => el.name === 'presence' && el.attrs.from === from && el.attrs.type === type;
const withBody = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body;

beforeAll(async () => {
  if (!postgresUrl) return;
  restoreTls = acceptSelfSignedCertificates();
  cluster = await startCluster({ addresses: ['127.0.0.51', '127.0.0.52', '127.0.0.53'], redisAddress: '127.0.0.50', postgresUrl });
  await cluster.waitForNodes(3);
  slix = await SlixmppDriver.start();
});

afterAll(async () => {
  for (const session of sessions) await session.stop();
  await slix?.quit();
  await cluster?.stop();
  restoreTls?.();
});

describe.skipIf(!postgresUrl)('one domain on three nodes', () => {
  it('each node reports its link to Redis and PostgreSQL and counts the others in /health', async () => {
    for (const [index, member] of cluster.nodes.entries()) {
      const health = await member.health();
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', storage: 'ok', redis: 'ok', node: `node-${index + 1}`, nodes: 3 });
    }
  });

  it('slixmpp on node 1 and @xmpp/client on node 2 subscribe to each other, see each other online and chat', async () => {
    await account('alice');
    await account('bob', 2);
    await slixmpp('alice', 'alice', 1);
    const bob = await js('bob', 2, 'laptop');

    await slix.command('presence', { client: 'alice', to: jidOf('bob'), type: 'subscribe' });
    await bob.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe' && el.attrs.from === jidOf('alice'), 'the subscription request on node 2');
    await bob.send(xml('presence', { to: jidOf('alice'), type: 'subscribed' }));
    await bob.send(xml('presence', { to: jidOf('alice'), type: 'subscribe' }));
    await slix.stanza('alice', (el) => el.name === 'presence' && el.attrs.type === 'subscribe' && el.attrs.from === jidOf('bob'), 'the request back');
    await slix.command('presence', { client: 'alice', to: jidOf('bob'), type: 'subscribed' });

    // Each sees the other's resource come online (presence probe and broadcast across nodes).
    await slix.stanza('alice', isPresence(`${jidOf('bob')}/laptop`), "bob's presence");
    await bob.inbox.waitFor(isPresence(`${jidOf('alice')}/slix`), "alice's presence");
    const roster = await slix.command('roster', { client: 'alice' });
    expect(roster.items).toEqual({ [jidOf('bob')]: { subscription: 'both', ask: null } });

    await slix.command('message', { client: 'alice', to: jidOf('bob'), body: 'hello from node 1' });
    const received = await bob.inbox.waitFor(withBody('hello from node 1'), 'the message on node 2');
    expect(received.attrs.from).toBe(`${jidOf('alice')}/slix`);
    expect(received.getChild('stanza-id', NS.SID)?.attrs.by).toBe(jidOf('bob'));
    await bob.send(xml('message', { to: `${jidOf('alice')}/slix`, type: 'chat' }, xml('body', {}, 'hello back from node 2')));
    const answer = await slix.stanza('alice', withBody('hello back from node 2'), 'the answer on node 1');
    expect(answer.attrs.from).toBe(`${jidOf('bob')}/laptop`);

    // Bob leaves: alice on the other node sees him go.
    await bob.stop();
    await slix.stanza('alice', isPresence(`${jidOf('bob')}/laptop`, 'unavailable'), "bob's unavailable presence");
  });

  it('carbons: slixmpp on node 1 gets copies of what alice sends and receives with @xmpp/client on node 3', async () => {
    await slix.command('carbons', { client: 'alice' });
    const aliceOnThree = await js('alice', 3, 'tablet');
    await aliceOnThree.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('enable', { xmlns: NS.CARBONS })));
    const bob = await js('bob', 2, 'laptop');
    await slix.stanza('alice', isPresence(`${jidOf('bob')}/laptop`), "bob's presence again");

    // To alice's other device only: slixmpp gets the received carbon (XEP-0280 §6).
    await bob.send(xml('message', { to: `${jidOf('alice')}/tablet`, type: 'chat' }, xml('body', {}, 'for the tablet')));
    await aliceOnThree.inbox.waitFor(withBody('for the tablet'), 'the message on node 3');
    const received = await slix.carbon('alice', 'received', withBody('for the tablet'), 'the received carbon on node 1');
    expect(received.attrs.from).toBe(`${jidOf('bob')}/laptop`);

    // From the tablet: slixmpp gets the sent carbon.
    await aliceOnThree.send(xml('message', { to: jidOf('bob'), type: 'chat' }, xml('body', {}, 'from the tablet')));
    await bob.inbox.waitFor(withBody('from the tablet'), 'the message on node 2');
    const sent = await slix.carbon('alice', 'sent', withBody('from the tablet'), 'the sent carbon on node 1');
    expect(sent.attrs.to).toBe(jidOf('bob'));

    // To the bare JID: both of alice's devices (same priority) get the message itself, no carbon.
    await bob.send(xml('message', { to: jidOf('alice'), type: 'chat' }, xml('body', {}, 'for all of alice')));
    await aliceOnThree.inbox.waitFor(withBody('for all of alice'), 'the bare-JID message on node 3');
    await slix.stanza('alice', withBody('for all of alice'), 'the bare-JID message on node 1');
    expect(slix.events.received.filter((e) => e.event === 'carbon' && e.element?.getChildText('body') === 'for all of alice')).toEqual([]);
    await aliceOnThree.stop();
    await bob.stop();
  });

  it('roster pushes reach every interested resource, whichever node it is on', async () => {
    const aliceOnTwo = await js('alice', 2, 'desk');
    await aliceOnTwo.xmpp.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    await aliceOnTwo.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: jidOf('bob'), name: 'Bob B.' }))));
    const push = await slix.stanza('alice', (el) => el.name === 'iq' && el.attrs.type === 'set' && el.getChild('query', 'jabber:iq:roster')?.getChild('item')?.attrs.name === 'Bob B.', 'the roster push on node 1');
    expect(push.getChild('query', 'jabber:iq:roster')!.getChild('item')!.attrs.subscription).toBe('both');
    await aliceOnTwo.stop();
  });

  it('a second session with the same full JID on another node ends the first with conflict', async () => {
    await account('carol');
    const first = await js('carol', 1, 'phone');
    await js('carol', 3, 'phone');
    await eventually(() => first.errors.find((error) => error.condition === 'conflict'), 'the first session to get a conflict stream error', 10_000);
  });

  it('deleting an account ends its sessions on every node, and its contacts elsewhere hear of it', async () => {
    await account('erin');
    const onOne = await js('erin', 1, 'one');
    const onTwo = await js('erin', 2, 'two');
    const onThree = await js('erin', 3, 'three');
    // alice (slixmpp, node 1) and erin become contacts.
    await slix.command('presence', { client: 'alice', to: jidOf('erin'), type: 'subscribe' });
    await onThree.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe', 'the request');
    await onThree.send(xml('presence', { to: jidOf('alice'), type: 'subscribed' }));
    await slix.stanza('alice', isPresence(`${jidOf('erin')}/three`), "erin's presence");

    await onTwo.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:register' }, xml('remove'))));
    for (const session of [onOne, onTwo, onThree]) {
      await eventually(() => session.xmpp.status === 'offline' || session.errors.some((e) => e.condition === 'not-authorized'), `erin's session ${session.jid} to end`, 10_000);
    }
    await slix.stanza('alice', isPresence(jidOf('erin'), 'unsubscribed'), 'the unsubscribed from the deleted account');
    const roster = await slix.command('roster', { client: 'alice' });
    expect((roster.items as Record<string, { subscription: string }>)[jidOf('erin')]?.subscription).toBe('none');
  });

  it('/metrics counts sessions per node and stanzas routed between nodes', async () => {
    await account('dave');
    const onOne = await js('dave', 1, 'one');
    const onThree = await js('dave', 3, 'three');
    await onOne.send(xml('message', { to: `${jidOf('dave')}/three`, type: 'chat' }, xml('body', {}, 'to my other device')));
    await onThree.inbox.waitFor(withBody('to my other device'), 'the message on node 3');
    const text = await eventually(async () => {
      const metrics = await node(1).metrics();
      return /conexizan_cluster_sessions\{node="node-3"\} [1-9]/.test(metrics) && metrics;
    }, 'node 1 to count sessions on node 3');
    expect(text).toMatch(/conexizan_cluster_nodes 3/);
    expect(text).toMatch(/conexizan_cluster_stanzas_total\{direction="sent"\} [1-9]/);
    expect(await node(3).metrics()).toMatch(/conexizan_cluster_stanzas_total\{direction="received"\} [1-9]/);
  });
});
