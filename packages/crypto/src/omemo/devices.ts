import { KEY } from './signal-store.ts';
import type { OmemoStore } from './store.ts';

interface StoredDevices {
  active: number[];
  /** devices that left the published list; kept so old messages from them still decrypt */
  inactive: number[];
  /** names the devices give themselves (OMEMO 2 device lists carry them) */
  labels?: Record<number, string>;
}

export interface DeviceListChange {
  devices: number[];
  added: number[];
  vanished: number[];
}

/** The last device list seen for each JID (one book per OMEMO version), and which devices vanished from it. */
export class DeviceLists {
  constructor(
    private readonly store: OmemoStore,
    /** store key of a JID's list: KEY.devices for 0.3, another for OMEMO 2 */
    private readonly keyOf: (jid: string) => string = KEY.devices,
  ) {}

  async get(jid: string): Promise<StoredDevices | undefined> {
    return (await this.store.get(this.keyOf(jid))) as StoredDevices | undefined;
  }

  async active(jid: string): Promise<number[] | undefined> {
    return (await this.get(jid))?.active;
  }

  async set(jid: string, ids: number[], labels?: Record<number, string>): Promise<DeviceListChange> {
    const before = await this.get(jid);
    const previous = new Set(before?.active ?? []);
    const now = new Set(ids);
    const vanished = [...previous].filter((id) => !now.has(id));
    const added = ids.filter((id) => !previous.has(id));
    const inactive = new Set([...(before?.inactive ?? []), ...vanished].filter((id) => !now.has(id)));
    await this.store.set(this.keyOf(jid), { active: [...now], inactive: [...inactive], ...(labels ? { labels } : {}) } satisfies StoredDevices);
    return { devices: [...now], added, vanished };
  }
}
