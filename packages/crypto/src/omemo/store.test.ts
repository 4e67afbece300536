import { describe, expect, it } from 'vitest';
import { checkOmemoStore } from './store-contract.ts';
import { MemoryOmemoStore, type OmemoStore } from './store.ts';

describe('OmemoStore', () => {
  it('MemoryOmemoStore keeps the contract, also after a JSON snapshot round trip', async () => {
    await checkOmemoStore(new MemoryOmemoStore());
    const store = new MemoryOmemoStore();
    await store.set('a', { x: [1] });
    const copy = MemoryOmemoStore.fromSnapshot(JSON.parse(JSON.stringify(store.snapshot())));
    expect(await copy.get('a')).toEqual({ x: [1] });
    await checkOmemoStore(copy);
  });

  it('the contract catches a store that hands out its own objects', async () => {
    const values = new Map<string, unknown>();
    const leaky: OmemoStore = {
      get: async (key) => values.get(key),
      set: async (key, value) => void values.set(key, value),
      delete: async (key) => void values.delete(key),
      keys: async (prefix) => [...values.keys()].filter((k) => k.startsWith(prefix)),
    };
    await expect(checkOmemoStore(leaky)).rejects.toThrow(/must not change the store/);
  });
});
