import { NS } from '@conexizan/protocol/namespaces';
import { parseXmppDateTime, xmppDateTime } from '@conexizan/protocol/stanza';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { OmemoPep } from '@conexizan/crypto/omemo';
import { bare } from '../stanzas.ts';

/**
 * What the account's own devices say about themselves, so that Settings can
 * show more than a number: a label ("Chromium on Linux", or one the user
 * chose) and when the device was last used. A private PEP node (access model
 * whitelist: only the account reads it), one item per OMEMO device id. Other
 * clients do not write it; for their devices Settings falls back to when
 * their last message arrived.
 */
export const DEVICE_INFO_NODE = 'urn:conexizan:devices:0';

/** A device writes its "last used" at most this often. */
export const ACTIVITY_PRECISION_MS = 60 * 60 * 1000;
const MAX_LABEL = 64;

export interface OwnDeviceInfo {
  deviceId: number;
  label?: string;
  lastActive?: number;
}

export function deviceInfoElement(info: OwnDeviceInfo): Element {
  return xml('device', {
    xmlns: DEVICE_INFO_NODE,
    id: String(info.deviceId),
    ...(info.label ? { label: info.label.slice(0, MAX_LABEL) } : {}),
    ...(info.lastActive ? { 'last-active': xmppDateTime(new Date(info.lastActive)) } : {}),
  });
}

export function parseDeviceInfo(payload: Element | undefined): OwnDeviceInfo | null {
  if (payload?.name !== 'device' || payload.getNS() !== DEVICE_INFO_NODE) return null;
  const deviceId = Number(payload.attrs.id);
  if (!Number.isInteger(deviceId) || deviceId < 1) return null;
  const info: OwnDeviceInfo = { deviceId };
  const label = String(payload.attrs.label ?? '').trim().slice(0, MAX_LABEL);
  if (label) info.label = label;
  const when = parseXmppDateTime(String(payload.attrs['last-active'] ?? ''));
  if (when) info.lastActive = when.getTime();
  return info;
}

/** A readable default name for this browser, from what it says about itself. */
export function describeBrowser(userAgent = globalThis.navigator?.userAgent ?? ''): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chromium\//.test(userAgent) || /HeadlessChrome\//.test(userAgent)
        ? 'Chromium'
        : /Chrome\//.test(userAgent)
          ? 'Chrome'
          : /Safari\//.test(userAgent)
            ? 'Safari'
            : 'Browser';
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : '';
  return system ? `${browser} on ${system}` : browser;
}

export class DeviceInfoBook {
  #known = new Map<number, OwnDeviceInfo>();

  constructor(
    private readonly own: string,
    private readonly pep: OmemoPep,
    private readonly changed: () => void,
    /** a device's record was retracted: the user removed that device from another one */
    private readonly retracted: (deviceId: number) => void = () => {},
  ) {}

  get(deviceId: number): OwnDeviceInfo | undefined {
    return this.#known.get(deviceId);
  }

  async load(): Promise<void> {
    const items = await this.pep.fetchItems(undefined, DEVICE_INFO_NODE);
    this.#known.clear();
    for (const item of items) {
      const info = parseDeviceInfo(item.payload);
      if (info && String(info.deviceId) === item.id) this.#known.set(info.deviceId, info);
    }
    this.changed();
  }

  /** This device is in use now: says so (at most hourly) and keeps its label. */
  async touch(deviceId: number, now = Date.now()): Promise<void> {
    const known = this.#known.get(deviceId);
    if (known?.lastActive && now - known.lastActive < ACTIVITY_PRECISION_MS && known.label) return;
    await this.#publish({ deviceId, label: known?.label ?? describeBrowser(), lastActive: now });
  }

  async rename(deviceId: number, label: string): Promise<void> {
    const known = this.#known.get(deviceId);
    await this.#publish({ ...known, deviceId, label: label.trim().slice(0, MAX_LABEL) || describeBrowser(), lastActive: known?.lastActive ?? Date.now() });
  }

  async forget(deviceId: number): Promise<void> {
    this.#known.delete(deviceId);
    await this.pep.retract(DEVICE_INFO_NODE, String(deviceId)).catch(() => {});
    this.changed();
  }

  onEvent(stanza: Element): boolean {
    const items = stanza.getChild('event', NS.PUBSUB_EVENT)?.getChild('items');
    if (items?.attrs.node !== DEVICE_INFO_NODE) return false;
    if (!stanza.attrs.from || bare(stanza.attrs.from) !== this.own) return true;
    for (const item of items.getChildren('item')) {
      const info = parseDeviceInfo(item.getChildElements()[0]);
      if (info && String(info.deviceId) === item.attrs.id) this.#known.set(info.deviceId, info);
    }
    for (const retract of items.getChildren('retract')) {
      this.#known.delete(Number(retract.attrs.id));
      this.retracted(Number(retract.attrs.id));
    }
    this.changed();
    return true;
  }

  async #publish(info: OwnDeviceInfo): Promise<void> {
    this.#known.set(info.deviceId, info);
    this.changed();
    await this.pep.publish(DEVICE_INFO_NODE, deviceInfoElement(info), { itemId: String(info.deviceId), access: 'whitelist', maxItems: 'max' });
  }
}
