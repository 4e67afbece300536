import { describe, expect, it } from 'vitest';
import { ChatStore } from './chats.ts';
import type { ChatMessage } from './model.ts';

const msg = (id: string, over: Partial<ChatMessage> = {}): ChatMessage => ({ id, peer: 'bob@x', outgoing: false, body: id, timestamp: Number(id.replace(/\D/g, '')) || 1, state: 'received', ...over });

describe('ChatStore', () => {
  it('keeps messages in time order and merges duplicates from the archive', () => {
    const store = new ChatStore();
    store.addMessages([msg('m3'), msg('m1')]);
    store.addMessages([msg('m1', { archiveId: 'A1' }), msg('m2')]);
    const c = store.get('bob@x')!;
    expect(c.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    expect(c.messages[0]!.archiveId).toBe('A1');
  });

  it('counts unread live messages except in the open chat', () => {
    const store = new ChatStore();
    store.addMessages([msg('m1')], { live: true });
    expect(store.totalUnread).toBe(1);
    store.setActive('bob@x');
    expect(store.totalUnread).toBe(0);
    store.addMessages([msg('m2')], { live: true });
    expect(store.totalUnread).toBe(0);
  });

  it('moves delivery state forward only, and a read marker covers earlier messages', () => {
    const store = new ChatStore();
    store.addMessages([msg('o1', { outgoing: true, state: 'sent' }), msg('o2', { outgoing: true, state: 'sent' })]);
    store.apply({ kind: 'marker', peer: 'bob@x', id: 'o2', marker: 'displayed' }, true);
    expect(store.get('bob@x')!.messages.map((m) => m.state)).toEqual(['read', 'read']);
    store.apply({ kind: 'receipt', peer: 'bob@x', id: 'o1' }, true);
    expect(store.get('bob@x')!.messages[0]!.state).toBe('read');
  });

  it('lets only the author correct or retract a message', () => {
    const store = new ChatStore();
    store.addMessages([msg('o1', { outgoing: true, body: 'mine' }), msg('i1', { body: 'theirs' })]);
    store.apply({ kind: 'correction', peer: 'bob@x', outgoing: false, replaces: 'o1', body: 'hijacked' }, true);
    store.apply({ kind: 'retraction', peer: 'bob@x', outgoing: false, id: 'o1' }, true);
    store.apply({ kind: 'correction', peer: 'bob@x', outgoing: false, replaces: 'i1', body: 'theirs, fixed' }, true);
    const [mine, theirs] = store.get('bob@x')!.messages;
    expect(mine).toMatchObject({ body: 'mine' });
    expect(mine!.retracted).toBeUndefined();
    expect(theirs).toMatchObject({ body: 'theirs, fixed', edited: true });
  });

  it('replaces a reactor\'s reactions and removes them when empty', () => {
    const store = new ChatStore();
    store.addMessages([msg('m1')]);
    store.apply({ kind: 'reactions', peer: 'bob@x', reactor: 'bob@x', id: 'm1', emojis: ['👍', '🎉'] }, true);
    store.apply({ kind: 'reactions', peer: 'bob@x', reactor: 'bob@x', id: 'm1', emojis: ['🎉'] }, true);
    expect(store.get('bob@x')!.messages[0]!.reactions).toEqual({ 'bob@x': ['🎉'] });
    store.apply({ kind: 'reactions', peer: 'bob@x', reactor: 'bob@x', id: 'm1', emojis: [] }, true);
    expect(store.get('bob@x')!.messages[0]!.reactions).toEqual({});
  });

  it('reports changed messages for persistence', () => {
    const store = new ChatStore();
    const saved: string[] = [];
    store.on('saved', (ms) => saved.push(...ms.map((m) => m.id)));
    store.addMessages([msg('m1')]);
    store.addMessages([msg('m1')]);
    store.addMessages([msg('m2')], { persist: false });
    expect(saved).toEqual(['m1']);
  });
});
