import { type Backend, transaction } from '../db.ts';
import { statement } from '../sql/client.ts';
import type { BlocklistRepository } from '../types.ts';
import { requireAccount } from './require-account.ts';
import type { Run } from './run.ts';

const LIST = statement('blocklist.list', 'SELECT "jid" FROM "blocklist" WHERE "owner" = $1 ORDER BY "jid"');

export function blocklistRepository(backend: Backend, run: Run): BlocklistRepository {
  const { db, sql } = backend;
  return {
    list: (username) => run('blocklist.list', async () => (await sql.all<{ jid: string }>(LIST, [username])).map((row) => row.jid)),

    add: (username, jids, limit) =>
      run('blocklist.add', () =>
        transaction(db, async (tx) => {
          // With the account locked, concurrent adds count one after another, so the limit holds.
          await requireAccount(backend, tx, username);
          const present = new Set((await tx.blockedJid.findMany({ where: { owner: username }, select: { jid: true } })).map((row) => row.jid));
          const added = [...new Set(jids)].filter((jid) => !present.has(jid));
          if (present.size + added.length > limit) return false;
          if (added.length > 0) await tx.blockedJid.createMany({ data: added.map((jid) => ({ owner: username, jid })) });
          return true;
        }),
      ),

    remove: (username, jids) =>
      run('blocklist.remove', () =>
        transaction(db, async (tx) => {
          const where = { owner: username, jid: { in: [...new Set(jids)] } };
          const removed = (await tx.blockedJid.findMany({ where, select: { jid: true }, orderBy: { jid: 'asc' } })).map((row) => row.jid);
          if (removed.length > 0) await tx.blockedJid.deleteMany({ where });
          return removed;
        }),
      ),

    clear: (username) =>
      run('blocklist.clear', () =>
        transaction(db, async (tx) => {
          const removed = (await tx.blockedJid.findMany({ where: { owner: username }, select: { jid: true }, orderBy: { jid: 'asc' } })).map((row) => row.jid);
          await tx.blockedJid.deleteMany({ where: { owner: username } });
          return removed;
        }),
      ),
  };
}
