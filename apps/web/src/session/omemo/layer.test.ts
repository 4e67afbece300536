import { describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { MemoryOmemoStore, OMEMO_FALLBACK_BODY, explainOmemoError, OmemoError } from '@conexizan/crypto/omemo';
import type { Connection } from '../client.ts';
import { chatMessage, parseMessage } from '../stanzas.ts';
import { EncryptionRefusedError, OmemoLayer } from './layer.ts';
import { readSecurityMark, securityMark } from './security-mark.ts';

/** PEP as the server keeps it: node contents per account, readable by everyone (access model open). */
class FakePep {
  readonly nodes = new Map<string, Element>();
  connection(jid: string, sent: Element[]): Connection {
    const iq = async (type: 'get' | 'set', payload: Element, to?: string): Promise<Element> => {
      const pubsub = payload;
      if (type === 'get') {
        const node = pubsub.getChild('items')!.attrs.node!;
        const item = this.nodes.get(`${to ?? jid} ${node}`);
        if (!item) throw Object.assign(new Error('item-not-found'), { condition: 'item-not-found' });
        return xml('iq', { type: 'result' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node }, xml('item', { id: 'current' }, item))));
      }
      const publish = pubsub.getChild('publish');
      if (publish) this.nodes.set(`${jid} ${publish.attrs.node}`, publish.getChild('item')!.getChildElements()[0]!);
      return xml('iq', { type: 'result' });
    };
    return { iq, send: async (stanza: Element) => void sent.push(stanza) } as unknown as Connection;
  }
}

function person(pep: FakePep, jid: string) {
  const store = new MemoryOmemoStore();
  const sent: Element[] = [];
  const protections: string[] = [];
  const layer = new OmemoLayer({ connection: pep.connection(jid, sent), jid, store, preKeyCount: 3, deviceWaitMs: 0, onSent: (_peer, _id, s) => protections.push(s) });
  return { layer, sent, protections };
}

const read = (stanza: Element) => parseMessage(stanza, { self: 'bob@x' }).flatMap((e) => (e.kind === 'message' ? [e.message] : []));

describe('OmemoLayer', () => {
  it('encrypts a chat message for the contact, who reads it; the wire holds no plain text', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    const bob = person(pep, 'bob@x');
    await alice.layer.start();
    await bob.layer.start();
    const wire = await alice.layer.outgoing(chatMessage('bob@x/web', 'm1', 'meet at noon'));
    expect(wire.toString()).not.toContain('meet at noon');
    expect(wire.getChildText('body')).toBe(OMEMO_FALLBACK_BODY);
    expect(wire.getChild('encrypted', NS.OMEMO_LEGACY)).toBeDefined();
    expect(wire.getChild('origin-id', NS.SID)?.attrs.id).toBe('m1');
    expect(alice.protections).toEqual(['encrypted']);

    wire.attrs.from = 'alice@x/web';
    // The same message live and from the archive at once: both copies read, neither is taken for a replay.
    const [message, archived] = (await Promise.all([bob.layer.incoming(wire), bob.layer.incoming(wire)])).map((m) => read(m)[0]);
    expect(message).toMatchObject({ id: 'm1', body: 'meet at noon', security: 'encrypted' });
    expect(archived).toMatchObject({ id: 'm1', body: 'meet at noon', security: 'encrypted' });
    // Bob's answer completes the session Alice started with a pre-key message.
    expect(bob.sent.some((s) => s.getChild('encrypted', NS.OMEMO_LEGACY) && !s.getChild('body'))).toBe(true);
  }, 60_000);

  it('a file link travels inside the encryption only, and the receiver still sees it as a file', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    const bob = person(pep, 'bob@x');
    await alice.layer.start();
    await bob.layer.start();
    const url = 'https://upload.x/abc/cat.png';
    const wire = await alice.layer.outgoing(chatMessage('bob@x', 'f1', url, { file: url }));
    expect(wire.toString()).not.toContain('upload.x');
    wire.attrs.from = 'alice@x/web';
    const [message] = read(await bob.layer.incoming(wire));
    expect(message).toMatchObject({ body: url, file: { url }, security: 'encrypted' });
    const aesgcm = `aesgcm://upload.x/abc/cat.png#${'ab'.repeat(44)}`;
    const sealedLink = await alice.layer.outgoing(chatMessage('bob@x', 'f2', aesgcm, { file: aesgcm }));
    expect(sealedLink.toString()).not.toContain('aesgcm');
    sealedLink.attrs.from = 'alice@x/web';
    expect(read(await bob.layer.incoming(sealedLink))[0]).toMatchObject({ body: aesgcm, file: { url: aesgcm } });
  }, 60_000);

  it('explains a damaged message instead of showing nothing, and keeps working', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    const bob = person(pep, 'bob@x');
    await alice.layer.start();
    await bob.layer.start();
    const first = await alice.layer.outgoing(chatMessage('bob@x', 'm1', 'one'));
    first.attrs.from = 'alice@x/web';
    await bob.layer.incoming(first);
    const damaged = await alice.layer.outgoing(chatMessage('bob@x', 'm2', 'two'));
    damaged.attrs.from = 'alice@x/web';
    const payload = damaged.getChild('encrypted', NS.OMEMO_LEGACY)!.getChild('payload')!;
    const text = payload.getText();
    payload.children = [`${text[0] === 'A' ? 'B' : 'A'}${text.slice(1)}`];
    const [broken] = read(await bob.layer.incoming(damaged));
    expect(broken).toMatchObject({ id: 'm2', undecryptable: 'corrupted', body: explainOmemoError(new OmemoError('corrupted', '')) });
    const third = await alice.layer.outgoing(chatMessage('bob@x', 'm3', 'three'));
    third.attrs.from = 'alice@x/web';
    expect(read(await bob.layer.incoming(third))[0]).toMatchObject({ body: 'three', security: 'encrypted' });
  }, 60_000);

  it('refuses to send to a contact without OMEMO devices until the user chooses plain text for that chat', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    await alice.layer.start();
    await expect(alice.layer.outgoing(chatMessage('carol@x', 'm1', 'hello'))).rejects.toBeInstanceOf(EncryptionRefusedError);
    expect(alice.layer.peer('carol@x').hasDevices).toBe(false);
    await alice.layer.setMode('carol@x', 'plain');
    const wire = await alice.layer.outgoing(chatMessage('carol@x', 'm2', 'hello'));
    expect(wire.getChildText('body')).toBe('hello');
    expect(alice.protections).toEqual(['unencrypted']);
    // A file link with its key in the fragment is never sent in plain text, whatever the chat's choice.
    await expect(alice.layer.outgoing(chatMessage('carol@x', 'm3', `aesgcm://x/f.png#${'0'.repeat(88)}`))).rejects.toBeInstanceOf(EncryptionRefusedError);
  }, 60_000);

  it('waits for a new contact whose first device appears a moment later, instead of refusing at once', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    const slowStore = new MemoryOmemoStore();
    const bob = new OmemoLayer({ connection: pep.connection('bob@x', []), jid: 'bob@x', store: slowStore, preKeyCount: 3, onSent: () => {} });
    await alice.layer.start();
    const waiting = new OmemoLayer({ connection: pep.connection('alice@x', alice.sent), jid: 'alice@x', store: new MemoryOmemoStore(), preKeyCount: 3, deviceWaitMs: 5000, onSent: () => {} });
    const sent = waiting.outgoing(chatMessage('bob@x', 'w1', 'welcome'));
    setTimeout(() => void bob.start(), 1200); // bob's browser finishes making keys after the message was written
    const wire = await sent;
    expect(wire.getChild('encrypted', NS.OMEMO_LEGACY)).toBeTruthy();
  }, 60_000);

  it('leaves a private message to a group chat occupant alone (the room address has no devices)', async () => {
    const pep = new FakePep();
    const alice = person(pep, 'alice@x');
    await alice.layer.start();
    const pm = chatMessage('room@conference.x/Bob', 'pm1', 'psst');
    pm.append(xml('x', { xmlns: NS.MUC_USER }));
    const wire = await alice.layer.outgoing(pm);
    expect(wire.getChildText('body')).toBe('psst');
    expect(wire.getChild('encrypted', NS.OMEMO_LEGACY)).toBeUndefined();
  }, 60_000);

  it('marks plain messages as unencrypted and drops a forged mark', async () => {
    const pep = new FakePep();
    const bob = person(pep, 'bob@x');
    const forged = xml('message', { type: 'chat', from: 'mallory@x/a', to: 'bob@x', id: 'f1' }, xml('body', {}, 'trust me'), securityMark({ security: 'encrypted-verified' }));
    const result = await bob.layer.incoming(forged);
    expect(readSecurityMark(result)).toEqual({ security: 'unencrypted' });
  }, 60_000);
});
