import { type Backend, Rollback, type Tx, transaction } from '../db.ts';
import { statement } from '../sql/client.ts';
import { asBigInt, asBoolean } from '../sql/values.ts';
import type { RosterItem, RosterRepository, Subscription } from '../types.ts';
import { requireAccount } from './require-account.ts';
import type { Run } from './run.ts';

/** A row as the lean path reads it (column names, the backend's value types). */
interface RosterSqlRow {
  jid: string;
  name: string | null;
  subscription: string;
  ask_subscribe: unknown;
  approved: unknown;
  groups: string;
}

const ITEM_COLUMNS = 'r."jid", r."name", r."subscription", r."ask_subscribe", r."approved", r."groups"';
const VERSION = statement('roster.version', 'SELECT "roster_version" FROM "accounts" WHERE "username" = $1');
const LIST = statement('roster.list', `SELECT ${ITEM_COLUMNS} FROM "roster_items" r WHERE r."owner" = $1 ORDER BY r."jid"`);
const GET = statement('roster.get', `SELECT ${ITEM_COLUMNS} FROM "roster_items" r WHERE r."owner" = $1 AND r."jid" = $2`);
// The version and every item in one query; no account row means version 0 and no items.
const LOAD = statement(
  'roster.load',
  `SELECT a."roster_version", ${ITEM_COLUMNS} FROM "accounts" a LEFT JOIN "roster_items" r ON r."owner" = a."username" WHERE a."username" = $1 ORDER BY r."jid"`,
);
const PENDING_IN = statement('roster.pendingIn', 'SELECT "jid", "stanza" FROM "pending_subscriptions" WHERE "owner" = $1 ORDER BY "jid"');

const toItem = (row: RosterSqlRow): RosterItem => ({
  jid: row.jid,
  name: row.name,
  subscription: row.subscription as Subscription,
  askSubscribe: asBoolean(row.ask_subscribe),
  approved: asBoolean(row.approved),
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
  const { db, sql } = backend;
  return {
    version: (username) =>
      run('roster.version', async () => {
        const row = await sql.get<{ roster_version: unknown }>(VERSION, [username]);
        return row ? asBigInt(row.roster_version).toString() : '0';
      }),

    list: (username) => run('roster.list', async () => (await sql.all<RosterSqlRow>(LIST, [username])).map(toItem)),

    load: (username) =>
      run('roster.load', async () => {
        const rows = await sql.all<RosterSqlRow & { roster_version: unknown }>(LOAD, [username]);
        return {
          version: rows[0] ? asBigInt(rows[0].roster_version).toString() : '0',
          // An account without items is one row of nulls.
          items: rows.filter((row) => row.jid !== null).map(toItem),
        };
      }),

    get: (username, jid) =>
      run('roster.get', async () => {
        const row = await sql.get<RosterSqlRow>(GET, [username, jid]);
        return row ? toItem(row) : null;
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

    pendingIn: (username) => run('roster.pendingIn', () => sql.all<{ jid: string; stanza: string }>(PENDING_IN, [username])),

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
