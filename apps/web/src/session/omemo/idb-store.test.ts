import { describe, expect, it } from 'vitest';
import { checkOmemoStore, OmemoAccount } from '@conexizan/crypto/omemo';
import { Vault } from '../vault.ts';
import { IdbOmemoStore } from './idb-store.ts';

const store = (name: string, account = 'alice@x') => new IdbOmemoStore(name, new Vault(account));

/** Every value IndexedDB holds for a database, as the browser would write it to its files. */
async function rawRecords(name: string): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const values = await new Promise<unknown[]>((resolve) => {
    const request = db.transaction('entries').objectStore('entries').getAll();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return values;
}

describe('IdbOmemoStore', () => {
  it('passes the OmemoStore contract of @conexizan/crypto', async () => {
    await checkOmemoStore(store(`t-${crypto.randomUUID()}`));
  });

  it('keeps the same OMEMO device across a reload, and a destroyed store makes a new one', async () => {
    const name = `t-${crypto.randomUUID()}`;
    const firstStore = store(name);
    const first = await OmemoAccount.open({ jid: 'alice@x', store: firstStore, preKeyCount: 3 });
    const firstFingerprint = await first.fingerprint();
    await firstStore.close();
    const reopened = store(name);
    const again = await OmemoAccount.open({ jid: 'alice@x', store: reopened, preKeyCount: 3 });
    expect(again.deviceId).toBe(first.deviceId);
    expect(await again.fingerprint()).toBe(firstFingerprint);
    await reopened.destroy();
    const fresh = await OmemoAccount.open({ jid: 'alice@x', store: store(name), preKeyCount: 3 });
    expect(await fresh.fingerprint()).not.toBe(firstFingerprint);
  }, 30_000);

  it('holds the identity key only sealed: no record has it, and another vault cannot open it', async () => {
    const name = `t-${crypto.randomUUID()}`;
    const sealed = store(name, 'carol@x');
    await OmemoAccount.open({ jid: 'carol@x', store: sealed, preKeyCount: 2 });
    const identity = (await sealed.get('identity')) as { priv: string };
    expect(identity.priv).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    const raw = await rawRecords(name);
    expect(raw.length).toBeGreaterThan(3);
    const bytes = raw.map((r) => new TextDecoder().decode(new Uint8Array((r as { data: ArrayBuffer }).data))).join('');
    expect(bytes).not.toContain(identity.priv);
    await expect(store(name, 'mallory@x').get('identity')).rejects.toThrow();
  }, 30_000);

  it('snapshot and restore carry a device over to another store', async () => {
    const from = store(`t-${crypto.randomUUID()}`, 'dave@x');
    const device = await OmemoAccount.open({ jid: 'dave@x', store: from, preKeyCount: 2 });
    const to = store(`t-${crypto.randomUUID()}`, 'dave@x');
    await to.set('leftover', 1);
    await to.restore(await from.snapshot());
    expect(await to.get('leftover')).toBeUndefined();
    const again = await OmemoAccount.open({ jid: 'dave@x', store: to, preKeyCount: 2 });
    expect(again.deviceId).toBe(device.deviceId);
    expect(await again.fingerprint()).toBe(await device.fingerprint());
  }, 30_000);
});
