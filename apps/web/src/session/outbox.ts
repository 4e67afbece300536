import type { Element } from '@conexizan/protocol/xml';
import type { ChatStore } from './chats.ts';
import type { Connection } from './client.ts';
import type { ChatMessage } from './model.ts';
import { EncryptionRefusedError } from './omemo/layer.ts';
import { chatMessage, correctionMessage, reactionsMessage, retractionMessage } from './stanzas.ts';

/** Longest message body we send; a bigger paste is refused with a message instead of being cut. */
export const MAX_BODY_CHARS = 10_000;

export class MessageTooLongError extends Error {
  override name = 'MessageTooLongError';
}

/**
 * Outgoing messages: shown at once as "pending", sent when the connection is
 * up, "sent" when the server acknowledges them (XEP-0198), sent again after a
 * reconnect if they were not. Nothing typed is lost while offline.
 */
export class Outbox {
  /** message id -> stanza waiting for the server's acknowledgement; `handed` once the library took it */
  #waiting = new Map<string, { peer: string; stanza: Element; handed: boolean }>();

  constructor(private readonly connection: Connection, private readonly chats: ChatStore) {
    connection.on('acked', (stanza) => {
      const entry = stanza.attrs.id ? this.#waiting.get(stanza.attrs.id) : undefined;
      if (!entry) return;
      this.#waiting.delete(stanza.attrs.id!);
      this.chats.setState(entry.peer, stanza.attrs.id!, 'sent');
    });
  }

  get waiting(): number {
    return this.#waiting.size;
  }

  async #send(peer: string, id: string, stanza: Element): Promise<void> {
    const entry = { peer, stanza, handed: false };
    this.#waiting.set(id, entry);
    if (this.connection.status !== 'online') return;
    try {
      await this.connection.send(stanza);
      entry.handed = true;
    } catch (error) {
      this.#refused(id, entry.peer, error);
      // otherwise it stays waiting; flush() sends it when the connection is back
    }
  }

  /**
   * Sends what is not yet acknowledged, oldest first. After a XEP-0198 resumption the library
   * itself re-sends what it had taken (`resumed`), so only what it never saw goes out then.
   */
  async flush(resumed = false): Promise<void> {
    for (const c of this.chats.conversations) {
      for (const m of c.messages) {
        if (m.outgoing && m.state === 'pending' && !this.#waiting.has(m.id)) {
          // a message from before a reload: build it again
          this.#waiting.set(m.id, { peer: m.peer, stanza: chatMessage(m.peer, m.id, m.body, m.file ? { file: m.file.url } : {}), handed: false });
        }
      }
    }
    for (const [id, entry] of [...this.#waiting]) {
      if (this.connection.status !== 'online') return;
      if (resumed && entry.handed) continue;
      try {
        await this.connection.send(entry.stanza);
        entry.handed = true;
      } catch (error) {
        this.#refused(id, entry.peer, error);
        // otherwise still waiting; the next reconnection tries again
      }
    }
  }

  /** The encryption layer would not send it (the contact has no OMEMO device): failed, not retried. */
  #refused(id: string, peer: string, error: unknown): void {
    if (!(error instanceof EncryptionRefusedError)) return;
    this.#waiting.delete(id);
    this.chats.setState(peer, id, 'failed');
  }

  async send(peer: string, body: string, opts: { replyTo?: ChatMessage; file?: ChatMessage['file'] } = {}): Promise<ChatMessage> {
    if ([...body].length > MAX_BODY_CHARS) throw new MessageTooLongError(`at most ${MAX_BODY_CHARS} characters`);
    const id = crypto.randomUUID();
    const message: ChatMessage = { id, peer, outgoing: true, body, timestamp: Date.now(), state: 'pending' };
    if (opts.replyTo) message.replyTo = { id: opts.replyTo.id, text: opts.replyTo.body.slice(0, 200) };
    if (opts.file) message.file = opts.file;
    this.chats.addMessages([message]);
    const replyTo = opts.replyTo ? { id: opts.replyTo.id, to: peer, quote: opts.replyTo.body.slice(0, 200) } : undefined;
    // Not awaited: encrypting can take a moment, and the composer must be free for the next message meanwhile.
    void this.#send(peer, id, chatMessage(peer, id, body, { replyTo, file: opts.file?.url }));
    return message;
  }

  async correct(peer: string, target: string, body: string): Promise<void> {
    if ([...body].length > MAX_BODY_CHARS) throw new MessageTooLongError(`at most ${MAX_BODY_CHARS} characters`);
    const id = crypto.randomUUID();
    this.chats.apply({ kind: 'correction', peer, outgoing: true, replaces: target, body }, false);
    await this.#send(peer, id, correctionMessage(peer, id, target, body));
  }

  async retract(peer: string, target: string): Promise<void> {
    const id = crypto.randomUUID();
    this.chats.apply({ kind: 'retraction', peer, outgoing: true, id: target }, false);
    await this.#send(peer, id, retractionMessage(peer, id, target));
  }

  /** XEP-0444: the full set of our reactions to a message (empty removes them). */
  async react(peer: string, self: string, target: string, emojis: string[]): Promise<void> {
    const id = crypto.randomUUID();
    this.chats.apply({ kind: 'reactions', peer, reactor: self, id: target, emojis }, false);
    await this.#send(peer, id, reactionsMessage(peer, id, target, emojis));
  }
}
