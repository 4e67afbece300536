import { type Backend, transaction } from '../db.ts';
import type { PushRepository } from '../types.ts';
import { requireAccount } from './require-account.ts';
import type { Run } from './run.ts';

export function pushRepository(backend: Backend, run: Run): PushRepository {
  const { db } = backend;
  return {
    list: (username) =>
      run('push.list', async () =>
        (
          await db.pushRegistration.findMany({
            where: { owner: username },
            orderBy: [{ createdAt: 'asc' }, { jid: 'asc' }, { node: 'asc' }],
          })
        ).map(({ jid, node, options, createdAt }) => ({ jid, node, options, createdAt })),
      ),

    enable: (username, { jid, node, options }, limit) =>
      run('push.enable', () =>
        transaction(db, async (tx) => {
          // With the account locked, concurrent enables count one after another, so the limit holds.
          await requireAccount(backend, tx, username);
          const key = { owner_jid_node: { owner: username, jid, node } };
          if (await tx.pushRegistration.findUnique({ where: key, select: { jid: true } })) {
            await tx.pushRegistration.update({ where: key, data: { options } });
            return true;
          }
          if ((await tx.pushRegistration.count({ where: { owner: username } })) >= limit) return false;
          await tx.pushRegistration.create({ data: { owner: username, jid, node, options, createdAt: new Date() } });
          return true;
        }),
      ),

    disable: (username, jid, node) =>
      run('push.disable', async () => (await db.pushRegistration.deleteMany({ where: { owner: username, jid, ...(node === undefined ? {} : { node }) } })).count),
  };
}
