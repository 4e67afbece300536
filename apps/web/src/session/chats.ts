import { Emitter } from './events.ts';
import type { MessageSecurity } from '@conexizan/crypto/omemo';
import type { ChatMessage, Conversation, DeliveryState } from './model.ts';
import type { MessageEvent } from './stanzas.ts';

const STATE_RANK: Record<DeliveryState, number> = { failed: 0, pending: 1, sent: 2, delivered: 3, read: 4, received: 0 };
/** Keep memory bounded: older messages stay in IndexedDB and the archive. */
export const MAX_MESSAGES_IN_MEMORY = 2000;

export type ChatStoreEvents = {
  change: [];
  /** messages that were added or changed (for persistence) */
  saved: [ChatMessage[]];
  /** a new message from someone else arrived live */
  incoming: [ChatMessage];
  draft: [string];
};

function emptyConversation(peer: string): Conversation {
  return { peer, messages: [], unread: 0, draft: '', typing: false, historyComplete: false, lastActivity: 0 };
}

function byTime(a: ChatMessage, b: ChatMessage): number {
  return a.timestamp - b.timestamp;
}

/** All one-to-one conversations: pure state transitions, no network. */
export class ChatStore extends Emitter<ChatStoreEvents> {
  #conversations = new Map<string, Conversation>();
  #active: string | null = null;
  #snapshot: Conversation[] = [];

  get conversations(): Conversation[] {
    return this.#snapshot;
  }

  get(peer: string): Conversation | undefined {
    return this.#conversations.get(peer);
  }

  get activePeer(): string | null {
    return this.#active;
  }

  get totalUnread(): number {
    let n = 0;
    for (const c of this.#conversations.values()) n += c.unread;
    return n;
  }

  #put(conversation: Conversation): void {
    this.#conversations.set(conversation.peer, conversation);
    this.#snapshot = [...this.#conversations.values()].sort((a, b) => b.lastActivity - a.lastActivity);
    this.emit('change');
  }

  #update(peer: string, change: (c: Conversation) => Conversation): void {
    this.#put(change(this.#conversations.get(peer) ?? emptyConversation(peer)));
  }

  /** Which chat is on screen (and read): its unread count stays at zero. */
  setActive(peer: string | null): void {
    this.#active = peer;
    if (peer) this.#update(peer, (c) => ({ ...c, unread: 0 }));
    else this.emit('change');
  }

  setDraft(peer: string, draft: string): void {
    if ((this.#conversations.get(peer)?.draft ?? '') === draft) return;
    this.#update(peer, (c) => ({ ...c, draft }));
    this.emit('draft', peer);
  }

  setTyping(peer: string, typing: boolean): void {
    if ((this.#conversations.get(peer)?.typing ?? false) === typing) return;
    this.#update(peer, (c) => ({ ...c, typing }));
  }

  setHistoryComplete(peer: string): void {
    this.#update(peer, (c) => ({ ...c, historyComplete: true }));
  }

  setUnread(peer: string, unread: number): void {
    this.#update(peer, (c) => ({ ...c, unread }));
  }

  /** Adds messages (from storage, the archive or live); duplicates by id or archive id are merged, not repeated. */
  addMessages(messages: ChatMessage[], opts: { live?: boolean; persist?: boolean } = {}): void {
    const byPeer = new Map<string, ChatMessage[]>();
    for (const m of messages) byPeer.set(m.peer, [...(byPeer.get(m.peer) ?? []), m]);
    const changed: ChatMessage[] = [];
    for (const [peer, incoming] of byPeer) {
      this.#update(peer, (c) => {
        const list = [...c.messages];
        let unread = c.unread;
        for (const m of incoming) {
          const at = list.findIndex((x) => x.id === m.id || (m.archiveId !== undefined && x.archiveId === m.archiveId));
          if (at !== -1) {
            const old = list[at]!;
            const merged = { ...old, archiveId: old.archiveId ?? m.archiveId };
            if (merged.archiveId !== old.archiveId) {
              list[at] = merged;
              changed.push(merged);
            }
            continue;
          }
          list.push(m);
          changed.push(m);
          if (opts.live && !m.outgoing) {
            if (this.#active !== peer) unread += 1;
            this.emit('incoming', m);
          }
        }
        list.sort(byTime);
        const trimmed = list.length > MAX_MESSAGES_IN_MEMORY ? list.slice(list.length - MAX_MESSAGES_IN_MEMORY) : list;
        const last = trimmed[trimmed.length - 1];
        return { ...c, messages: trimmed, unread, typing: opts.live && incoming.some((m) => !m.outgoing) ? false : c.typing, lastActivity: Math.max(c.lastActivity, last?.timestamp ?? 0) };
      });
    }
    if (opts.persist !== false && changed.length > 0) this.emit('saved', changed);
  }

  #patch(peer: string, match: (m: ChatMessage) => boolean, change: (m: ChatMessage) => ChatMessage | null): void {
    const c = this.#conversations.get(peer);
    if (!c) return;
    const changed: ChatMessage[] = [];
    const messages = c.messages.map((m) => {
      if (!match(m)) return m;
      const next = change(m);
      if (!next || next === m) return m;
      changed.push(next);
      return next;
    });
    if (changed.length === 0) return;
    this.#put({ ...c, messages });
    this.emit('saved', changed);
  }

  setState(peer: string, id: string, state: DeliveryState): void {
    this.#patch(peer, (m) => m.id === id && m.outgoing, (m) => (STATE_RANK[state] > STATE_RANK[m.state] || state === 'failed' && m.state === 'pending' ? { ...m, state } : null));
  }

  /** How one of our messages went out (OMEMO or plain), once the encryption layer has decided. */
  setSecurity(peer: string, id: string, security: MessageSecurity, method?: 'openpgp'): void {
    this.#patch(peer, (m) => m.id === id && m.outgoing, (m) => (m.security === security && m.method === method ? null : { ...m, security, ...(method ? { method } : {}) }));
  }

  /** A message that could not be read before now can (the key came): its text and how it travelled. */
  reopened(peer: string, id: string, changes: Pick<ChatMessage, 'body' | 'security' | 'method' | 'undecryptable'>): void {
    this.#patch(peer, (m) => m.id === id && m.sealed !== undefined, (m) => {
      const { sealed: _opened, undecryptable: _was, ...rest } = m;
      return { ...rest, ...changes };
    });
  }

  /** A chat marker or receipt for one message also covers the earlier ones (XEP-0333 §4). */
  markUpTo(peer: string, id: string, state: 'delivered' | 'read'): void {
    const c = this.#conversations.get(peer);
    const target = c?.messages.find((m) => m.id === id && m.outgoing);
    if (!c || !target) return;
    this.#patch(peer, (m) => m.outgoing && m.timestamp <= target.timestamp && m.state !== 'failed' && m.state !== 'pending', (m) => (STATE_RANK[state] > STATE_RANK[m.state] ? { ...m, state } : null));
  }

  apply(event: MessageEvent, live: boolean): void {
    switch (event.kind) {
      case 'message':
        this.addMessages([event.message], { live });
        return;
      case 'receipt':
        this.setState(event.peer, event.id, 'delivered');
        return;
      case 'marker':
        this.markUpTo(event.peer, event.id, event.marker === 'displayed' ? 'read' : 'delivered');
        return;
      case 'chatstate':
        this.setTyping(event.peer, event.composing);
        return;
      case 'error':
        this.setState(event.peer, event.id, 'failed');
        return;
      case 'correction':
        // XEP-0308 §5: only the original sender may correct a message.
        this.#patch(event.peer, (m) => m.id === event.replaces && m.outgoing === event.outgoing && !m.retracted, (m) => ({ ...m, body: event.body, edited: true, file: undefined }));
        return;
      case 'retraction':
        this.#patch(event.peer, (m) => m.id === event.id && m.outgoing === event.outgoing, (m) => ({ ...m, body: '', retracted: true, file: undefined, reactions: undefined }));
        return;
      case 'reactions':
        this.#patch(event.peer, (m) => m.id === event.id, (m) => {
          const reactions = { ...(m.reactions ?? {}) };
          if (event.emojis.length === 0) delete reactions[event.reactor];
          else reactions[event.reactor] = event.emojis;
          return { ...m, reactions };
        });
        return;
    }
  }

  clear(): void {
    this.#conversations.clear();
    this.#snapshot = [];
    this.#active = null;
    this.emit('change');
  }
}
