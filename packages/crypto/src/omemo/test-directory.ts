import type { Element } from '@conexizan/protocol';
import type { OmemoAccount, OmemoDirectory } from './account.ts';

/** An in-process stand-in for PEP, for unit tests: what each account published. */
export class TestDirectory implements OmemoDirectory {
  readonly lists = new Map<string, Element>();
  readonly bundles = new Map<string, Element>();

  async publish(account: OmemoAccount): Promise<void> {
    const known = this.lists.get(account.jid);
    if (known) await account.updateDeviceList(account.jid, known);
    this.lists.set(account.jid, await account.deviceListElement());
    this.bundles.set(`${account.jid}/${account.deviceId}`, await account.bundleElement());
  }

  async fetchDeviceList(jid: string): Promise<Element | null> {
    return this.lists.get(jid) ?? null;
  }

  async fetchBundle(jid: string, deviceId: number): Promise<Element | null> {
    return this.bundles.get(`${jid}/${deviceId}`) ?? null;
  }
}
