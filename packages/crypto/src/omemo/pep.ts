import { buildDataForm } from '@conexizan/protocol/dataforms';
import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { OmemoAccount, OmemoDirectory } from './account.ts';
import { DEVICE_LIST_NODE, bundleNode } from './xml.ts';
import { BUNDLES_NODE_2, DEVICES_NODE_2 } from './v2/xml.ts';

/**
 * Sends an IQ and resolves with the result; rejects with an error that has
 * `condition` (the stanza error condition) and `application` (the
 * application-specific condition element), the shape of @xmpp/client's
 * StanzaError, so `(iq) => xmpp.iqCaller.request(iq)` fits as it is.
 */
export type IqSender = (iq: Element) => Promise<Element>;

interface IqFailure {
  condition?: string;
  application?: { name?: string };
}

/** How a publish went through (Conversations' order of fallbacks). */
export type PublishOutcome = 'published' | 'reconfigured' | 'without-publish-options';

/** How a node is published: who may read it, and how many items it keeps. */
export interface PublishOptions {
  /** item id (default "current") */
  itemId?: string;
  /** open: anyone (OMEMO keys); whitelist: only the account itself (XEP-0223 private data) */
  access?: 'open' | 'whitelist';
  /** pubsub#max_items, e.g. 'max' for one item per device or contact */
  maxItems?: string;
}

const optionsForm = (formType: string, options: PublishOptions) =>
  buildDataForm({
    type: 'submit',
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: [formType] },
      { var: 'pubsub#access_model', values: [options.access ?? 'open'] },
      ...(options.access === 'whitelist' ? [{ var: 'pubsub#persist_items', values: ['true'] }, { var: 'pubsub#send_last_published_item', values: ['never'] }] : []),
      ...(options.maxItems ? [{ var: 'pubsub#max_items', values: [options.maxItems] }] : []),
    ],
  });

/**
 * OMEMO's use of PEP (XEP-0163): reading anyone's device list and bundles,
 * and publishing the own ones world-readable (access model open), which
 * first contact and group chats need.
 */
export class OmemoPep implements OmemoDirectory {
  constructor(private readonly sendIq: IqSender) {}

  /** The payload of the single item of `node` at `jid`, or null if the node or item does not exist. */
  async fetchItem(jid: string, node: string): Promise<Element | null> {
    return (await this.fetchItems(jid, node, { max: 1 }))[0]?.payload ?? null;
  }

  /**
   * Items of `node` at `jid` (own account: jid undefined), each with its id;
   * empty if the node does not exist. `id` asks for one item (XEP-0060 §6.5.8).
   */
  async fetchItems(jid: string | undefined, node: string, which: { max?: number; id?: string } = {}): Promise<{ id: string; payload: Element }[]> {
    const items = xml('items', which.max ? { node, max_items: String(which.max) } : { node }, ...(which.id ? [xml('item', { id: which.id })] : []));
    try {
      const reply = await this.sendIq(xml('iq', jid ? { type: 'get', to: jid } : { type: 'get' }, xml('pubsub', { xmlns: NS.PUBSUB }, items)));
      const found = reply.getChild('pubsub', NS.PUBSUB)?.getChild('items')?.getChildren('item') ?? [];
      return found.flatMap((item) => {
        const payload = item.getChildElements()[0];
        return payload ? [{ id: String(item.attrs.id ?? ''), payload }] : [];
      });
    } catch (error) {
      if ((error as IqFailure).condition === 'item-not-found') return [];
      throw error;
    }
  }

  fetchDeviceList(jid: string): Promise<Element | null> {
    return this.fetchItem(jid, DEVICE_LIST_NODE);
  }

  fetchBundle(jid: string, deviceId: number): Promise<Element | null> {
    return this.fetchItem(jid, bundleNode(deviceId));
  }

  fetchDeviceList2(jid: string): Promise<Element | null> {
    return this.fetchItem(jid, DEVICES_NODE_2);
  }

  /** One device's OMEMO 2 bundle: the item with its id in the shared bundles node (XEP-0060 §6.5.8). */
  async fetchBundle2(jid: string, deviceId: number): Promise<Element | null> {
    const items = await this.fetchItems(jid, BUNDLES_NODE_2, { id: String(deviceId) });
    return items.find((item) => item.id === String(deviceId))?.payload ?? null;
  }

  /**
   * Publishes `payload` as item "current" of the own `node`, world-readable:
   * with publish-options access_model=open; if the node exists with another
   * access model (precondition-not-met), it is reconfigured and the publish
   * repeated; if the server has no publish-options, it publishes plainly and
   * then configures the node.
   */
  publishOpen(node: string, payload: Element): Promise<PublishOutcome> {
    return this.publish(node, payload, { access: 'open' });
  }

  /** Publishes one item with the given node options, by the same fallbacks as publishOpen. */
  async publish(node: string, payload: Element, options: PublishOptions = {}): Promise<PublishOutcome> {
    const publish = (withOptions: boolean) =>
      this.sendIq(
        xml(
          'iq',
          { type: 'set' },
          xml(
            'pubsub',
            { xmlns: NS.PUBSUB },
            xml('publish', { node }, xml('item', { id: options.itemId ?? 'current' }, payload)),
            ...(withOptions ? [xml('publish-options', {}, optionsForm(`${NS.PUBSUB}#publish-options`, options))] : []),
          ),
        ),
      );
    try {
      await publish(true);
      return 'published';
    } catch (error) {
      const failure = error as IqFailure;
      if (failure.condition === 'conflict' || failure.application?.name === 'precondition-not-met') {
        await this.configure(node, options);
        await publish(true);
        return 'reconfigured';
      }
      if (failure.condition === 'feature-not-implemented' || failure.condition === 'bad-request' || failure.condition === 'not-acceptable') {
        await publish(false);
        await this.configure(node, options);
        return 'without-publish-options';
      }
      throw error;
    }
  }

  /** Removes one item of an own node (XEP-0060 §7.2). */
  async retract(node: string, itemId: string): Promise<void> {
    await this.sendIq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('retract', { node, notify: 'true' }, xml('item', { id: itemId })))));
  }

  private async configure(node: string, options: PublishOptions): Promise<void> {
    await this.sendIq(
      xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB_OWNER }, xml('configure', { node }, optionsForm(`${NS.PUBSUB}#node_config`, options)))),
    );
  }

  /**
   * Announces `account`'s device: its bundle first (so nobody finds a listed
   * device without keys), then the device list as published now plus this
   * device.
   */
  async publishDevice(account: OmemoAccount, label?: string): Promise<{ bundle: PublishOutcome; deviceList: PublishOutcome }> {
    const published = await this.fetchDeviceList(account.jid);
    if (published) await account.updateDeviceList(account.jid, published).catch(() => undefined);
    const bundle = await this.publishOpen(bundleNode(account.deviceId), await account.bundleElement());
    const deviceList = await this.publishOpen(DEVICE_LIST_NODE, await account.deviceListElement());
    // OMEMO 2 beside it (XEP-0384 v0.8: one bundles node, an item per device, max_items=max).
    const published2 = await this.fetchDeviceList2(account.jid);
    if (published2) await account.updateDeviceList2(account.jid, published2).catch(() => undefined);
    await this.publishBundle2(account);
    await this.publishOpen(DEVICES_NODE_2, await account.devices2Element(label));
    return { bundle, deviceList };
  }

  /** Publishes the bundles again (after pre-keys were used up and replaced). */
  async publishBundle(account: OmemoAccount): Promise<PublishOutcome> {
    await this.publishBundle2(account);
    return this.publishOpen(bundleNode(account.deviceId), await account.bundleElement());
  }

  publishBundle2(account: OmemoAccount): Promise<PublishOutcome> {
    return account.bundle2Element().then((bundle) => this.publish(BUNDLES_NODE_2, bundle, { itemId: String(account.deviceId), access: 'open', maxItems: 'max' }));
  }

  /**
   * A device list notification (or fetch) for `from`. If it is the own list
   * and this device is missing from it (another client overwrote it), the
   * list is published again with this device.
   */
  async onDeviceList(account: OmemoAccount, from: string, list: Element): Promise<void> {
    const change = await account.updateDeviceList(from, list);
    if (change.mustRepublish) await this.publishOpen(DEVICE_LIST_NODE, await account.deviceListElement());
  }
}
