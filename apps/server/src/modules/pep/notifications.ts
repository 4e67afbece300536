import { randomUUID } from 'node:crypto';
import { delayElement, NS, parseXml, xml, type Element, type Jid } from '@conexizan/protocol';
import type { PubsubItemRecord } from '@conexizan/storage';
import type { NodeConfig } from './config.ts';

/** XEP-0060 §7.1.2 / §12: the `<message/>` carrying an event, from the owner's bare JID (XEP-0163 §4.3). */
export function eventMessage(owner: Jid, to: string, config: NodeConfig, content: Element, delayedSince?: Date): Element {
  return xml(
    'message',
    { from: owner.toString(), to, type: config.notification_type, id: randomUUID() },
    xml('event', { xmlns: NS.PUBSUB_EVENT }, content),
    delayedSince ? delayElement(owner.toString(), delayedSince) : undefined,
  );
}

/** `<item id=''>payload</item>`, as stored; the payload only where the node delivers payloads. */
export function itemElement(item: Pick<PubsubItemRecord, 'id' | 'payload'>, withPayload = true): Element {
  return xml('item', { id: item.id }, withPayload && item.payload ? parseXml(item.payload) : undefined);
}

/** `<items node=''>…</items>` for events and results. */
export function itemsElement(node: string, children: Element[]): Element {
  return xml('items', { node }, ...children);
}
