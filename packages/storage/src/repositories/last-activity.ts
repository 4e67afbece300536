import { type Backend, transaction } from '../db.ts';
import type { LastActivityRepository } from '../types.ts';
import type { Run } from './run.ts';

export function lastActivityRepository(backend: Backend, run: Run): LastActivityRepository {
  const { db } = backend;
  return {
    get: (username) =>
      run('lastActivity.get', async () => {
        const row = await db.lastActivity.findUnique({ where: { owner: username } });
        return row ? { at: row.at, status: row.status } : null;
      }),

    set: (username, { at, status }) =>
      run('lastActivity.set', () =>
        transaction(db, async (tx) => {
          if (!(await backend.lockAccount(tx, username))) return;
          await tx.lastActivity.upsert({ where: { owner: username }, create: { owner: username, at, status }, update: { at, status } });
        }),
      ),
  };
}
