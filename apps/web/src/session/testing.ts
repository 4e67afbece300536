import { parseXml, xml, type Element } from '@conexizan/protocol/xml';
import { Connection, type ConnectionStatus } from './client.ts';
import { Session } from './session.ts';

/**
 * For tests only: a session on a connection without a network, and what view
 * tests need to make test data. Views never import this (their code talks to
 * index.ts); their tests may, to set up the state a view shows.
 */

/** Online without a network: records what would be sent, answers every iq with an empty result. */
export class TestConnection extends Connection {
  readonly sent: Element[] = [];
  readonly iqs: { type: 'get' | 'set'; payload: Element; to?: string }[] = [];
  state: ConnectionStatus = 'online';

  override get status(): ConnectionStatus {
    return this.state;
  }

  override async send(stanza: Element): Promise<void> {
    this.sent.push(stanza);
  }

  override async iq(type: 'get' | 'set', payload: Element, to?: string): Promise<Element> {
    this.iqs.push({ type, payload, to });
    return xml('iq', { type: 'result' });
  }
}

/** A session for alice@x on a TestConnection, with fresh stores; `feed` delivers a stanza as if from the server. */
export function testSession() {
  const connection = new TestConnection();
  const session = new Session('alice@x', 'x', `t-${crypto.randomUUID()}`, connection);
  const feed = async (stanza: string | Element) => {
    connection.emit('stanza', typeof stanza === 'string' ? parseXml(stanza) : stanza);
    await new Promise((resolve) => setTimeout(resolve, 10));
  };
  return { session, connection, sent: connection.sent, feed };
}

export { sealForUpload } from './omemo/media.ts';
