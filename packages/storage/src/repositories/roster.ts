import { type Backend, Rollback, type Tx, transaction } from '../db.ts';
import type { RosterItem, RosterRepository, Subscription } from '../types.ts';
import { requireAccount } from './require-account.ts';
import type { Run } from './run.ts';

interface RosterRow {
  jid: string;
  name: string | null;
  subscription: string;
  askSubscribe: boolean;
  approved: boolean;
  groups: string;
}

const toItem = (row: RosterRow): RosterItem => ({
  jid: row.jid,
  name: row.name,
  subscription: row.subscription as Subscription,
  askSubscribe: row.askSubscribe,
  approved: row.approved,
  groups: JSON.parse(row.groups) as string[],
});

/** Call only with the account locked, so versions are handed out one at a time. */
async function bumpVersion(tx: Tx, username: string): Promise<string> {
  const { rosterVersion } = await tx.account.update({
    where: { username },
    data: { rosterVersion: { increment: 1 } },
    select: { rosterVersion: true },
  });
  return rosterVersion.toString();
}

export function rosterRepository(backend: Backend, run: Run): RosterRepository {
  const { db } = backend;
  return {
    version: (username) =>
      run('roster.version', async () => {
        const row = await db.account.findUnique({ where: { username }, select: { rosterVersion: true } });
        return (row?.rosterVersion ?? 0n).toString();
      }),

    list: (username) =>
      run('roster.list', async () =>
        (await db.rosterItem.findMany({ where: { owner: username }, orderBy: { jid: 'asc' } })).map(toItem),
      ),

    get: (username, jid) =>
      run('roster.get', async () => {
        const row = await db.rosterItem.findUnique({ where: { owner_jid: { owner: username, jid } } });
        return row && toItem(row);
      }),

    put: (username, item) =>
      run('roster.put', () =>
        transaction(db, async (tx) => {
          await requireAccount(backend, tx, username);
          const data = {
            name: item.name,
            subscription: item.subscription,
            askSubscribe: item.askSubscribe,
            approved: item.approved,
            groups: JSON.stringify(item.groups),
          };
          await tx.rosterItem.upsert({
            where: { owner_jid: { owner: username, jid: item.jid } },
            create: { owner: username, jid: item.jid, ...data },
            update: data,
          });
          return bumpVersion(tx, username);
        }),
      ),

    remove: (username, jid) =>
      run('roster.remove', () =>
        transaction(db, async (tx) => {
          if (!(await backend.lockAccount(tx, username))) return null;
          const { count } = await tx.rosterItem.deleteMany({ where: { owner: username, jid } });
          if (count === 0) throw new Rollback(null);
          return bumpVersion(tx, username);
        }),
      ),

    pendingIn: (username) =>
      run('roster.pendingIn', () =>
        db.pendingSubscription.findMany({
          where: { owner: username },
          orderBy: { jid: 'asc' },
          select: { jid: true, stanza: true },
        }),
      ),

    addPendingIn: (username, jid, stanza) =>
      run('roster.addPendingIn', () =>
        transaction(db, async (tx) => {
          await requireAccount(backend, tx, username);
          await tx.pendingSubscription.upsert({
            where: { owner_jid: { owner: username, jid } },
            create: { owner: username, jid, stanza },
            update: { stanza },
          });
        }),
      ),

    removePendingIn: (username, jid) =>
      run('roster.removePendingIn', async () => {
        const { count } = await db.pendingSubscription.deleteMany({ where: { owner: username, jid } });
        return count > 0;
      }),
  };
}
