import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NS, parseJid, StanzaError, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness } from '../testing/harness.ts';
import { SingleNode } from './cluster.ts';
import { HookBus } from './hooks.ts';
import { IqDispatcher } from './iq.ts';
import type { Origin, StanzaRouter } from './router.ts';
import { InProcessSessionRegistry } from './sessions.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
  await h.createUser('alice');
});
afterEach(() => h.stop());

describe('IqDispatcher.request', () => {
  it('sends an iq from the server and resolves with the addressee\'s answer', async () => {
    const alice = await h.connect('alice', 'phone');
    const answer = h.core.iq.request(xml('iq', { type: 'get', from: 'localhost', to: 'alice@localhost/phone' }, xml('query', { xmlns: NS.DISCO_INFO })));
    const asked = await alice.next((el) => el.name === 'iq' && el.attrs.type === 'get');
    expect(asked.attrs.from).toBe('localhost');
    // an answer with the right id from someone else does not count
    await h.connect('alice', 'laptop').then((laptop) => laptop.sendStanza(xml('iq', { type: 'result', id: asked.attrs.id, to: 'localhost' })));
    await alice.sendStanza(xml('iq', { type: 'result', id: asked.attrs.id, to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO }, xml('feature', { var: 'urn:x' }))));
    const reply = await answer;
    expect(reply.attrs.from).toBe('alice@localhost/phone');
    expect(reply.getChild('query')?.getChild('feature')?.attrs.var).toBe('urn:x');
  });

  it('resolves with the error when nobody is there, and rejects after the timeout when nobody answers', async () => {
    const reply = await h.core.iq.request(xml('iq', { type: 'get', from: 'localhost', to: 'alice@localhost/gone' }, xml('query', { xmlns: NS.DISCO_INFO })));
    expect(reply.attrs.type).toBe('error');
    await h.connect('alice', 'mute');
    await expect(h.core.iq.request(xml('iq', { type: 'get', from: 'localhost', to: 'alice@localhost/mute' }, xml('query', { xmlns: NS.DISCO_INFO })), 50)).rejects.toThrow(/in time/);
  });
});

describe('answers that reach another node of a cluster', () => {
  it('go to the node whose tag the request id carries (the answer came in over that node\'s peer)', async () => {
    /** A cluster of this node (tag tagThis0) and node-2 (tag tagTwo00), remembering what it forwarded. */
    class TwoNodes extends SingleNode {
      override readonly tag = 'tagThis0';
      readonly forwarded: { node: string; stanza: Element }[] = [];
      override nodeTagged(tag: string): string | null {
        return tag === 'tagTwo00' ? 'node-2' : null;
      }
      override forward(node: string, stanza: Element, _origin: Origin): void {
        this.forwarded.push({ node, stanza });
      }
    }
    const cluster = new TwoNodes();
    const hooks = new HookBus();
    const routed: Element[] = [];
    const router = { route: async (stanza: Element) => void routed.push(stanza) } as unknown as StanzaRouter;
    const iq = new IqDispatcher(hooks, router, new InProcessSessionRegistry(), cluster);
    void iq.request(xml('iq', { type: 'get', from: 'localhost', to: 'pat@remote.example/slix' }, xml('query', { xmlns: NS.DISCO_INFO })), 100).catch(() => undefined);
    expect(routed[0]!.attrs.id).toMatch(/^cnx-tagThis0-/);
    const answer = (id: string) => ({ stanza: xml('iq', { type: 'result', id, from: 'pat@remote.example/slix', to: 'localhost' }), kind: 'iq' as const, type: 'result', from: parseJid('pat@remote.example/slix'), to: parseJid('localhost'), origin: { kind: 's2s' as const, domain: 'remote.example' } });
    expect(await hooks.fire('iq-response', answer('cnx-tagTwo00-1234'))).toBe(true);
    expect(cluster.forwarded.map((f) => [f.node, f.stanza.attrs.id])).toEqual([['node-2', 'cnx-tagTwo00-1234']]);
    // Nobody's tag, or nobody's answer: not claimed (the router's default applies).
    expect(await hooks.fire('iq-response', answer('cnx-unknown0-1'))).toBeUndefined();
    expect(await hooks.fire('iq-response', answer('some-client-id'))).toBeUndefined();
  });
});

describe('error replies', () => {
  it('carry the application-specific condition of the StanzaError', async () => {
    h.core.iq.on('set', 'self', 'urn:test', 'q', () => {
      throw new StanzaError('conflict', { type: 'cancel', appCondition: xml('precondition-not-met', { xmlns: NS.PUBSUB_ERRORS }) });
    });
    const alice = await h.connect('alice');
    const reply = await alice.query(xml('iq', { type: 'set', to: 'alice@localhost' }, xml('q', { xmlns: 'urn:test' })));
    const error = reply.getChild('error')!;
    expect(error.getChild('conflict', NS.STANZAS_ERR)).toBeDefined();
    expect(error.getChild('precondition-not-met', NS.PUBSUB_ERRORS)).toBeDefined();
  });
});
