import { NS } from '@conexizan/protocol/namespaces';
import type { Element } from '@conexizan/protocol/xml';
import {
  DEVICE_LIST_NODE,
  DEVICES_NODE_2,
  buildDeviceList,
  buildDevices2,
  parseDeviceList,
  parseDevices2,
  type OmemoAccount,
  type OmemoPep,
} from '@conexizan/crypto/omemo';
import { bare } from '../stanzas.ts';

/**
 * The OMEMO device lists of both versions (0.3's eu.siacs.conversations.axolotl.devicelist
 * and OMEMO 2's urn:xmpp:omemo:2:devices) as this browser keeps and changes
 * them: read once per session per contact (notifications keep them fresh
 * after that), our own device put back when another client dropped it, and
 * a device taken off both lists when the user removes it.
 */
export class DeviceListBook {
  /** lists fetched in this session, and when */
  readonly #fetchedAt = new Map<string, number>();

  constructor(
    private readonly pep: OmemoPep,
    private readonly account: () => Promise<OmemoAccount>,
    /** whether this browser must stay off the lists (the user removed it elsewhere) */
    private readonly stayOff: () => Promise<boolean>,
  ) {}

  isFresh(jid: string): boolean {
    return this.#fetchedAt.has(jid);
  }

  /** Forget which lists are current (a new session), or only `jid`'s (to look again). */
  forget(jid?: string): void {
    if (jid === undefined) this.#fetchedAt.clear();
    else this.#fetchedAt.delete(jid);
  }

  markFresh(jid: string): void {
    this.#fetchedAt.set(jid, Date.now());
  }

  /**
   * Reads jid's lists of both versions, unless read in this session (and,
   * with `maxAgeMs`, recently): a contact's changes arrive as notifications,
   * but a fellow group member who is no contact sends none.
   */
  async refresh(jid: string, maxAgeMs = Infinity): Promise<void> {
    const at = this.#fetchedAt.get(jid);
    if (at !== undefined && Date.now() - at < maxAgeMs) return;
    const account = await this.account();
    const [list, list2] = await Promise.all([this.pep.fetchDeviceList(jid), this.pep.fetchDeviceList2(jid).catch(() => null)]);
    await account.updateDeviceList(jid, list ?? buildDeviceList([]));
    await account.updateDeviceList2(jid, list2 ?? buildDevices2([])).catch(() => undefined);
    this.#fetchedAt.set(jid, Date.now());
  }

  /**
   * A PEP notification of a device list (either version); the jid it
   * concerns, or null if it is none. Our own device missing from our list
   * means another client overwrote it: it is put back (XEP-0384 asks so),
   * unless the user removed this browser on purpose.
   */
  async onEvent(stanza: Element, label: () => string | undefined): Promise<string | null> {
    const items = stanza.getChild('event', NS.PUBSUB_EVENT)?.getChild('items');
    const node = items?.attrs.node;
    if ((node !== DEVICE_LIST_NODE && node !== DEVICES_NODE_2) || !stanza.attrs.from) return null;
    const from = bare(stanza.attrs.from);
    const account = await this.account();
    if (node === DEVICE_LIST_NODE) {
      const list = items!.getChild('item')?.getChild('list', NS.OMEMO_LEGACY);
      if (!list) return from;
      const change = await account.updateDeviceList(from, list);
      if (change.mustRepublish && !(await this.stayOff())) await this.pep.publishOpen(DEVICE_LIST_NODE, await account.deviceListElement());
    } else {
      const list = items!.getChild('item')?.getChild('devices', NS.OMEMO);
      if (!list) return from;
      const change = await account.updateDeviceList2(from, list);
      if (change.mustRepublish && !(await this.stayOff())) await this.pep.publishOpen(DEVICES_NODE_2, await account.devices2Element(label()));
    }
    this.#fetchedAt.set(from, Date.now());
    return from;
  }

  /** Publishes our lists of both versions without `deviceId` (keeping this device unless it is the one leaving). */
  async without(deviceId: number, keepSelf: boolean): Promise<void> {
    const account = await this.account();
    const [published, published2] = await Promise.all([this.pep.fetchDeviceList(account.jid), this.pep.fetchDeviceList2(account.jid).catch(() => null)]);
    const ids = (published ? parseDeviceList(published) : []).filter((id) => id !== deviceId);
    const list = buildDeviceList(keepSelf ? [...new Set([...ids, account.deviceId])] : ids.filter((id) => id !== account.deviceId));
    await this.pep.publishOpen(DEVICE_LIST_NODE, list);
    await account.updateDeviceList(account.jid, list);
    const devices2 = (published2 ? parseDevices2(published2) : []).filter((d) => d.id !== deviceId && (keepSelf || d.id !== account.deviceId));
    if (keepSelf && !devices2.some((d) => d.id === account.deviceId)) devices2.push({ id: account.deviceId });
    const list2 = buildDevices2(devices2);
    await this.pep.publishOpen(DEVICES_NODE_2, list2);
    await account.updateDeviceList2(account.jid, list2);
  }
}
