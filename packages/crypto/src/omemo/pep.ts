import { buildDataForm } from '@conexizan/protocol/dataforms';
import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { OmemoAccount, OmemoDirectory } from './account.ts';
import { DEVICE_LIST_NODE, bundleNode } from './xml.ts';

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

const openForm = (formType: string) =>
  buildDataForm({
    type: 'submit',
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: [formType] },
      { var: 'pubsub#access_model', values: ['open'] },
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
    try {
      const reply = await this.sendIq(xml('iq', { type: 'get', to: jid }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node, max_items: '1' }))));
      const item = reply.getChild('pubsub', NS.PUBSUB)?.getChild('items')?.getChild('item');
      return item?.getChildElements()[0] ?? null;
    } catch (error) {
      if ((error as IqFailure).condition === 'item-not-found') return null;
      throw error;
    }
  }

  fetchDeviceList(jid: string): Promise<Element | null> {
    return this.fetchItem(jid, DEVICE_LIST_NODE);
  }

  fetchBundle(jid: string, deviceId: number): Promise<Element | null> {
    return this.fetchItem(jid, bundleNode(deviceId));
  }

  /**
   * Publishes `payload` as item "current" of the own `node`, world-readable:
   * with publish-options access_model=open; if the node exists with another
   * access model (precondition-not-met), it is reconfigured and the publish
   * repeated; if the server has no publish-options, it publishes plainly and
   * then configures the node.
   */
  async publishOpen(node: string, payload: Element): Promise<PublishOutcome> {
    const publish = (withOptions: boolean) =>
      this.sendIq(
        xml(
          'iq',
          { type: 'set' },
          xml(
            'pubsub',
            { xmlns: NS.PUBSUB },
            xml('publish', { node }, xml('item', { id: 'current' }, payload)),
            ...(withOptions ? [xml('publish-options', {}, openForm(`${NS.PUBSUB}#publish-options`))] : []),
          ),
        ),
      );
    try {
      await publish(true);
      return 'published';
    } catch (error) {
      const failure = error as IqFailure;
      if (failure.condition === 'conflict' || failure.application?.name === 'precondition-not-met') {
        await this.configureOpen(node);
        await publish(true);
        return 'reconfigured';
      }
      if (failure.condition === 'feature-not-implemented' || failure.condition === 'bad-request' || failure.condition === 'not-acceptable') {
        await publish(false);
        await this.configureOpen(node);
        return 'without-publish-options';
      }
      throw error;
    }
  }

  private async configureOpen(node: string): Promise<void> {
    await this.sendIq(
      xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB_OWNER }, xml('configure', { node }, openForm(`${NS.PUBSUB}#node_config`)))),
    );
  }

  /**
   * Announces `account`'s device: its bundle first (so nobody finds a listed
   * device without keys), then the device list as published now plus this
   * device.
   */
  async publishDevice(account: OmemoAccount): Promise<{ bundle: PublishOutcome; deviceList: PublishOutcome }> {
    const published = await this.fetchDeviceList(account.jid);
    if (published) await account.updateDeviceList(account.jid, published).catch(() => undefined);
    const bundle = await this.publishOpen(bundleNode(account.deviceId), await account.bundleElement());
    const deviceList = await this.publishOpen(DEVICE_LIST_NODE, await account.deviceListElement());
    return { bundle, deviceList };
  }

  /** Publishes the bundle again (after pre-keys were used up and replaced). */
  async publishBundle(account: OmemoAccount): Promise<PublishOutcome> {
    return this.publishOpen(bundleNode(account.deviceId), await account.bundleElement());
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
