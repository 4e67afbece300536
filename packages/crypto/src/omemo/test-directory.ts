import type { Element } from '@conexizan/protocol/xml';
import type { OmemoAccount, OmemoDirectory, OmemoVersion } from './account.ts';

/** An in-process stand-in for PEP, for unit tests: what each account published, in one or both OMEMO versions. */
export class TestDirectory implements OmemoDirectory {
  readonly lists = new Map<string, Element>();
  readonly bundles = new Map<string, Element>();
  readonly lists2 = new Map<string, Element>();
  readonly bundles2 = new Map<string, Element>();

  /** Publishes `account`'s device; `versions` are the OMEMO versions its client speaks (default: 0.3 only, like Conversations). */
  async publish(account: OmemoAccount, versions: OmemoVersion[] = ['0.3']): Promise<void> {
    if (versions.includes('0.3')) {
      const known = this.lists.get(account.jid);
      if (known) await account.updateDeviceList(account.jid, known);
      this.lists.set(account.jid, await account.deviceListElement());
      this.bundles.set(`${account.jid}/${account.deviceId}`, await account.bundleElement());
    }
    if (versions.includes('2')) {
      const known = this.lists2.get(account.jid);
      if (known) await account.updateDeviceList2(account.jid, known);
      this.lists2.set(account.jid, await account.devices2Element());
      this.bundles2.set(`${account.jid}/${account.deviceId}`, await account.bundle2Element());
    }
  }

  async fetchDeviceList(jid: string): Promise<Element | null> {
    return this.lists.get(jid) ?? null;
  }

  async fetchBundle(jid: string, deviceId: number): Promise<Element | null> {
    return this.bundles.get(`${jid}/${deviceId}`) ?? null;
  }

  async fetchDeviceList2(jid: string): Promise<Element | null> {
    return this.lists2.get(jid) ?? null;
  }

  async fetchBundle2(jid: string, deviceId: number): Promise<Element | null> {
    return this.bundles2.get(`${jid}/${deviceId}`) ?? null;
  }
}
