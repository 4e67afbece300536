import { type Backend, transaction } from '../db.ts';
import type { OfflineRepository } from '../types.ts';
import type { Run } from './run.ts';

const MAX_INT64 = 2n ** 63n - 1n;

export function offlineRepository(backend: Backend, run: Run): OfflineRepository {
  const { db } = backend;
  return {
    store: (username, stanza, limit) =>
      run('offline.store', () =>
        transaction(db, async (tx) => {
          // With the account locked, concurrent stores count one after another,
          // so the limit holds exactly.
          if (!(await backend.lockAccount(tx, username))) return false;
          if ((await tx.offlineMessage.count({ where: { owner: username } })) >= limit) return false;
          const { offlineSeq } = await tx.account.update({
            where: { username },
            data: { offlineSeq: { increment: 1 } },
            select: { offlineSeq: true },
          });
          await tx.offlineMessage.create({ data: { owner: username, seq: offlineSeq, stanza, storedAt: new Date() } });
          return true;
        }),
      ),

    list: (username) =>
      run('offline.list', async () => {
        const rows = await db.offlineMessage.findMany({ where: { owner: username }, orderBy: { seq: 'asc' } });
        return rows.map((row) => ({ id: row.seq.toString(), stanza: row.stanza, storedAt: row.storedAt }));
      }),

    count: (username) => run('offline.count', () => db.offlineMessage.count({ where: { owner: username } })),

    remove: (username, ids) =>
      run('offline.remove', async () => {
        // Ids come from list(); anything else cannot name a message, so it is
        // ignored rather than sent to the database (where it might not fit a BIGINT).
        const seqs = ids
          .filter((id) => /^[0-9]{1,19}$/.test(id))
          .map((id) => BigInt(id))
          .filter((seq) => seq <= MAX_INT64);
        if (seqs.length === 0) return;
        await db.offlineMessage.deleteMany({ where: { owner: username, seq: { in: seqs } } });
      }),
  };
}
