import { describe, expect, it } from 'vitest';
import { LocalStore } from './persistence.ts';
import type { ChatMessage } from './model.ts';

const msg = (id: string, peer: string, timestamp: number): ChatMessage => ({ id, peer, outgoing: false, body: id, timestamp, state: 'received' });

describe('LocalStore (IndexedDB)', () => {
  it('returns the newest messages of a chat, oldest first, and pages backwards', async () => {
    const store = new LocalStore('alice@x', `t-${crypto.randomUUID()}`);
    await store.saveMessages([msg('a', 'bob@x', 1), msg('b', 'bob@x', 2), msg('c', 'bob@x', 3), msg('z', 'carol@x', 4)]);
    expect((await store.loadMessages('bob@x', 2)).map((m) => m.id)).toEqual(['b', 'c']);
    expect((await store.loadMessages('bob@x', 2, 2)).map((m) => m.id)).toEqual(['a']);
    expect(await store.listPeers()).toEqual(['bob@x', 'carol@x']);
  });

  it('keeps accounts apart and wipes one without touching another', async () => {
    const name = `t-${crypto.randomUUID()}`;
    const alice = new LocalStore('alice@x', name);
    const bob = new LocalStore('bob@x', name);
    await alice.saveMessages([msg('a', 'carol@x', 1)]);
    await bob.saveMessages([msg('b', 'carol@x', 1)]);
    await alice.setMeta('lastArchiveId', 'A9');
    await alice.wipe();
    expect(await alice.loadMessages('carol@x')).toEqual([]);
    expect(await alice.getMeta('lastArchiveId')).toBeUndefined();
    expect((await bob.loadMessages('carol@x')).map((m) => m.id)).toEqual(['b']);
  });
});

describe('drafts', () => {
  it('survive a new LocalStore (a reload) and are gone after a wipe', async () => {
    const name = `t-${crypto.randomUUID()}`;
    new LocalStore('dana@x', name).saveDrafts({ 'bob@x': 'half a thought' });
    const reloaded = new LocalStore('dana@x', name);
    expect(reloaded.loadDrafts()).toEqual({ 'bob@x': 'half a thought' });
    expect(new LocalStore('erin@x', name).loadDrafts()).toEqual({});
    await reloaded.wipe();
    expect(reloaded.loadDrafts()).toEqual({});
  });
});
