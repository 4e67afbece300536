import { describe, expect, it } from 'vitest';
import { checkOmemoStore, OmemoAccount } from '@conexizan/crypto/omemo';
import { IdbOmemoStore } from './idb-store.ts';

describe('IdbOmemoStore', () => {
  it('passes the OmemoStore contract of @conexizan/crypto', async () => {
    await checkOmemoStore(new IdbOmemoStore(`t-${crypto.randomUUID()}`));
  });

  it('keeps the same OMEMO device across a reload, and a destroyed store makes a new one', async () => {
    const name = `t-${crypto.randomUUID()}`;
    const firstStore = new IdbOmemoStore(name);
    const first = await OmemoAccount.open({ jid: 'alice@x', store: firstStore, preKeyCount: 3 });
    const firstFingerprint = await first.fingerprint();
    await firstStore.close();
    const reopened = new IdbOmemoStore(name);
    const again = await OmemoAccount.open({ jid: 'alice@x', store: reopened, preKeyCount: 3 });
    expect(again.deviceId).toBe(first.deviceId);
    expect(await again.fingerprint()).toBe(firstFingerprint);
    await reopened.destroy();
    const fresh = await OmemoAccount.open({ jid: 'alice@x', store: new IdbOmemoStore(name), preKeyCount: 3 });
    expect(await fresh.fingerprint()).not.toBe(firstFingerprint);
  }, 30_000);
});
