import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NS, StanzaError, xml } from '@conexizan/protocol';
import { createHarness, type Harness } from '../testing/harness.ts';

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
