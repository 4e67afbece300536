import { type Backend, transaction } from '../db.ts';
import type { PrivateXmlRepository, VCardRepository } from '../types.ts';
import { requireAccount } from './require-account.ts';
import type { Run } from './run.ts';

export function privateXmlRepository(backend: Backend, run: Run): PrivateXmlRepository {
  const { db } = backend;
  return {
    get: (username, key) =>
      run('privateXml.get', async () => {
        const row = await db.privateXml.findUnique({ where: { owner_key: { owner: username, key } } });
        return row?.xml ?? null;
      }),

    set: (username, key, xml) =>
      run('privateXml.set', () =>
        transaction(db, async (tx) => {
          await requireAccount(backend, tx, username);
          await tx.privateXml.upsert({
            where: { owner_key: { owner: username, key } },
            create: { owner: username, key, xml },
            update: { xml },
          });
        }),
      ),

    list: (username) =>
      run('privateXml.list', async () => {
        const rows = await db.privateXml.findMany({ where: { owner: username }, select: { key: true, xml: true } });
        return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      }),
  };
}

export function vcardRepository(backend: Backend, run: Run): VCardRepository {
  const { db } = backend;
  return {
    get: (username) =>
      run('vcards.get', async () => (await db.vCard.findUnique({ where: { owner: username } }))?.xml ?? null),

    set: (username, xml) =>
      run('vcards.set', async () => {
        if (xml === null) {
          await db.vCard.deleteMany({ where: { owner: username } });
          return;
        }
        await transaction(db, async (tx) => {
          await requireAccount(backend, tx, username);
          await tx.vCard.upsert({ where: { owner: username }, create: { owner: username, xml }, update: { xml } });
        });
      }),
  };
}
