import type { OmemoStore } from './store.ts';

/**
 * What OmemoAccount relies on from an OmemoStore. The web client runs this
 * against its IndexedDB store in its own tests; it throws on the first
 * difference. Use an empty store.
 */
export async function checkOmemoStore(store: OmemoStore): Promise<void> {
  const fail = (what: string) => {
    throw new Error(`OmemoStore contract: ${what}`);
  };
  if ((await store.get('contract:missing')) !== undefined) fail('a missing key must read as undefined');
  const value = { pub: 'BQ==', list: [1, 2], nested: { level: 'blind' }, n: 7, flag: true, none: null };
  await store.set('contract:a', value);
  await store.set('contract:b', 'session record text');
  await store.set('contract:c', 42);
  await store.set('contract-other', 1);
  if (JSON.stringify(await store.get('contract:a')) !== JSON.stringify(value)) fail('a JSON value must read back equal');
  if ((await store.get('contract:b')) !== 'session record text' || (await store.get('contract:c')) !== 42) fail('strings and numbers must read back as they were');
  const read = (await store.get('contract:a')) as typeof value;
  read.list.push(3);
  if (((await store.get('contract:a')) as typeof value).list.length !== 2) fail('changing a value that was read must not change the store');
  const keys = (await store.keys('contract:')).sort();
  if (JSON.stringify(keys) !== JSON.stringify(['contract:a', 'contract:b', 'contract:c'])) fail(`keys(prefix) must list exactly the keys with that prefix, got ${JSON.stringify(keys)}`);
  await store.set('contract:c', 43);
  if ((await store.get('contract:c')) !== 43) fail('set must overwrite');
  await store.delete('contract:b');
  await store.delete('contract:never-there');
  if ((await store.get('contract:b')) !== undefined || (await store.keys('contract:')).includes('contract:b')) fail('a deleted key must be gone');
  for (const key of ['contract:a', 'contract:c', 'contract-other']) await store.delete(key);
}
