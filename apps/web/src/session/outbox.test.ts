import { describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol/xml';
import { ChatStore } from './chats.ts';
import { Emitter } from './events.ts';
import type { ConnectionEvents, ConnectionStatus } from './client.ts';
import { MAX_BODY_CHARS, MessageTooLongError, Outbox } from './outbox.ts';

/** Stands in for the network side of Connection: records what would go out and lets the test ack it. */
class FakeConnection extends Emitter<ConnectionEvents> {
  status: ConnectionStatus = 'online';
  sent: Element[] = [];
  async send(stanza: Element) {
    if (this.status !== 'online') throw new Error('not connected');
    this.sent.push(stanza);
  }
}

function setup() {
  const connection = new FakeConnection();
  const chats = new ChatStore();
  const outbox = new Outbox(connection as never, chats);
  const state = (id: string) => chats.get('bob@x')!.messages.find((m) => m.id === id)!.state;
  return { connection, chats, outbox, state };
}

describe('Outbox', () => {
  it('shows a message at once as pending and as sent when the server acknowledges it', async () => {
    const { connection, outbox, state } = setup();
    const message = await outbox.send('bob@x', 'hi');
    expect(state(message.id)).toBe('pending');
    expect(connection.sent).toHaveLength(1);
    connection.emit('acked', connection.sent[0]!);
    expect(state(message.id)).toBe('sent');
  });

  it('keeps what is written while offline and sends it, once, when the connection is back', async () => {
    const { connection, outbox, state } = setup();
    connection.status = 'offline';
    const message = await outbox.send('bob@x', 'written offline');
    expect(connection.sent).toHaveLength(0);
    connection.status = 'online';
    await outbox.flush();
    expect(connection.sent.map((s) => s.getChildText('body'))).toEqual(['written offline']);
    connection.emit('acked', connection.sent[0]!);
    await outbox.flush();
    expect(connection.sent).toHaveLength(1);
    expect(state(message.id)).toBe('sent');
  });

  it('sends again a message that was not acknowledged before the connection dropped', async () => {
    const { connection, outbox } = setup();
    await outbox.send('bob@x', 'maybe lost');
    await outbox.flush();
    expect(connection.sent.map((s) => s.getChildText('body'))).toEqual(['maybe lost', 'maybe lost']);
    expect(connection.sent[0]!.attrs.id).toBe(connection.sent[1]!.attrs.id);
  });

  it('after a resumption sends only what the library never took (it re-sends its own queue)', async () => {
    const { connection, outbox } = setup();
    await outbox.send('bob@x', 'taken before the drop');
    connection.status = 'offline';
    await outbox.send('bob@x', 'written while offline');
    connection.status = 'online';
    await outbox.flush(true);
    expect(connection.sent.map((s) => s.getChildText('body'))).toEqual(['taken before the drop', 'written while offline']);
  });

  it('refuses an over-long body without adding anything', async () => {
    const { connection, chats, outbox } = setup();
    await expect(outbox.send('bob@x', 'x'.repeat(MAX_BODY_CHARS + 1))).rejects.toBeInstanceOf(MessageTooLongError);
    expect(chats.get('bob@x')).toBeUndefined();
    expect(connection.sent).toHaveLength(0);
  });
});
