import { type Backend, transaction } from '../db.ts';
import { statement } from '../sql/client.ts';
import { asBigInt, asDate } from '../sql/values.ts';
import type { OfflineRepository } from '../types.ts';
import type { Run } from './run.ts';

const MAX_INT64 = 2n ** 63n - 1n;
const LIST = statement('offline.list', 'SELECT "seq", "stanza", "stored_at" FROM "offline_messages" WHERE "owner" = $1 ORDER BY "seq"');

export function offlineRepository(backend: Backend, run: Run): OfflineRepository {
  const { db, sql } = backend;
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
        const rows = await sql.all<{ seq: unknown; stanza: string; stored_at: unknown }>(LIST, [username]);
        return rows.map((row) => ({ id: asBigInt(row.seq).toString(), stanza: row.stanza, storedAt: asDate(row.stored_at) }));
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
