import { parseXml, xml, type Element } from '@conexizan/protocol/xml';
import { NS } from '@conexizan/protocol/namespaces';
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

/**
 * PEP as the server keeps it: items per account and node, readable by
 * everyone, and each publish or retraction notified to the layers of the
 * same account (what +notify gets the account's own devices). For the
 * encryption layers' tests.
 */
export class FakePep {
  readonly nodes = new Map<string, Map<string, Element>>();
  /** what hears PEP notifications, per account (the session's encryption layers) */
  readonly layers = new Map<string, { onPepEvent(stanza: Element): unknown }[]>();
  readonly log: string[] = [];

  #notify(jid: string, node: string, child: Element): void {
    const event = xml('message', { from: jid, to: jid }, xml('event', { xmlns: NS.PUBSUB_EVENT }, xml('items', { node }, child)));
    for (const layer of this.layers.get(jid) ?? []) layer.onPepEvent(event);
  }

  connection(jid: string, sent: Element[]): Connection {
    const iq = async (type: 'get' | 'set', payload: Element, to?: string): Promise<Element> => {
      const pubsub = payload;
      if (type === 'get') {
        const itemsEl = pubsub.getChild('items')!;
        const node = itemsEl.attrs.node!;
        const items = this.nodes.get(`${to ?? jid} ${node}`);
        if (!items || items.size === 0) throw Object.assign(new Error('item-not-found'), { condition: 'item-not-found' });
        return xml('iq', { type: 'result' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node }, ...[...items].map(([id, item]) => xml('item', { id }, item)))));
      }
      const publish = pubsub.getChild('publish');
      if (publish) {
        const node = publish.attrs.node!;
        const item = publish.getChild('item')!;
        const key = `${jid} ${node}`;
        if (!this.nodes.has(key)) this.nodes.set(key, new Map());
        this.nodes.get(key)!.set(item.attrs.id ?? 'current', item.getChildElements()[0]!);
        this.log.push(`publish ${jid} ${node}`);
        this.#notify(jid, node, xml('item', { id: item.attrs.id ?? 'current' }, item.getChildElements()[0]!));
      }
      const retract = pubsub.getChild('retract');
      if (retract) {
        const id = retract.getChild('item')!.attrs.id!;
        if (!this.nodes.get(`${jid} ${retract.attrs.node}`)?.delete(id)) throw Object.assign(new Error('item-not-found'), { condition: 'item-not-found' });
        this.#notify(jid, retract.attrs.node!, xml('retract', { id }));
      }
      return xml('iq', { type: 'result' });
    };
    const send = async (stanza: Element) => {
      this.log.push(`send ${stanza.attrs.to}`);
      sent.push(stanza);
    };
    return { iq, send } as unknown as Connection;
  }
}
