import { type Backend, Rollback, isNotFound, isUniqueViolation, transaction } from '../db.ts';
import { statement } from '../sql/client.ts';
import { asBoolean, asDate, asNumber } from '../sql/values.ts';
import type { Run } from './run.ts';
import {
  AccountExistsError,
  type AccountRepository,
  type ScramMechanism,
  type StoredScramCredential,
  type Suspension,
} from '../types.ts';

const credentialData = (c: StoredScramCredential) => ({
  mechanism: c.mechanism,
  salt: c.salt,
  iterations: c.iterations,
  storedKey: c.storedKey,
  serverKey: c.serverKey,
});

const suspensionColumns = { suspendedAt: true, suspendedReason: true, suspendedNotice: true } as const;

function suspensionOf(row: { suspendedAt: Date | null; suspendedReason: string | null; suspendedNotice: boolean }): Suspension | null {
  return row.suspendedAt ? { at: row.suspendedAt, reason: row.suspendedReason ?? '', notice: row.suspendedNotice } : null;
}

// The account and its credentials in one query (one row per mechanism, one row of nulls without any).
const GET = statement(
  'accounts.get',
  'SELECT a."created_at", c."mechanism", c."salt", c."iterations", c."stored_key", c."server_key" ' +
    'FROM "accounts" a LEFT JOIN "scram_credentials" c ON c."owner" = a."username" WHERE a."username" = $1',
);

// Asked at every login: the lean path.
const SUSPENSION = statement('accounts.suspension', 'SELECT "suspended_at", "suspended_reason", "suspended_notice" FROM "accounts" WHERE "username" = $1');

interface AccountRow {
  created_at: unknown;
  mechanism: string | null;
  salt: string;
  iterations: unknown;
  stored_key: string;
  server_key: string;
}

export function accountRepository({ db, sql, lockAccount }: Backend, run: Run): AccountRepository {
  return {
    create: (username, credentials) =>
      run('accounts.create', async () => {
        try {
          // A nested create runs in one transaction: no account without its credentials.
          await db.account.create({
            data: {
              username,
              createdAt: new Date(),
              credentials: { create: credentials.map(credentialData) },
            },
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw new AccountExistsError(username);
          throw error;
        }
      }),

    get: (username) =>
      run('accounts.get', async () => {
        const rows = await sql.all<AccountRow>(GET, [username]);
        if (rows.length === 0) return null;
        const credentials = rows
          .filter((c) => c.mechanism !== null)
          .map((c) => ({
            mechanism: c.mechanism as ScramMechanism,
            salt: c.salt,
            iterations: asNumber(c.iterations),
            storedKey: c.stored_key,
            serverKey: c.server_key,
          }))
          // By mechanism name, in UTF-16 code units, whatever the database's collation.
          .sort((a, b) => (a.mechanism < b.mechanism ? -1 : a.mechanism > b.mechanism ? 1 : 0));
        return { username, createdAt: asDate(rows[0]!.created_at), credentials };
      }),

    setCredentials: (username, credentials) =>
      run('accounts.setCredentials', () =>
        transaction(db, async (tx) => {
          // Locked, so two password changes cannot interleave into a mix of both.
          if (!(await lockAccount(tx, username))) return false;
          await tx.scramCredential.deleteMany({ where: { owner: username } });
          await tx.scramCredential.createMany({ data: credentials.map((c) => ({ owner: username, ...credentialData(c) })) });
          return true;
        }),
      ),

    delete: (username) =>
      run('accounts.delete', () =>
        transaction(db, async (tx) => {
          try {
            // Foreign keys cascade to everything the account owns.
            await tx.account.delete({ where: { username } });
          } catch (error) {
            if (isNotFound(error)) throw new Rollback(false);
            throw error;
          }
          const deletedAt = new Date();
          await tx.accountTombstone.upsert({
            where: { username },
            create: { username, deletedAt },
            update: { deletedAt },
          });
          return true;
        }),
      ),

    list: () =>
      run('accounts.list', async () => {
        const rows = await db.account.findMany({ select: { username: true } });
        // Sorted here (by UTF-16 code units), not in SQL, so both backends
        // agree whatever the database's collation.
        return rows.map((r) => r.username).sort();
      }),

    count: () => run('accounts.count', () => db.account.count()),

    deletedAt: (username) =>
      run('accounts.deletedAt', async () => {
        const row = await db.accountTombstone.findUnique({ where: { username } });
        return row?.deletedAt ?? null;
      }),

    purgeTombstones: (olderThan) =>
      run('accounts.purgeTombstones', async () => {
        const { count } = await db.accountTombstone.deleteMany({ where: { deletedAt: { lt: olderThan } } });
        return count;
      }),

    suspend: (username, { at, reason, notice }) =>
      run('accounts.suspend', async () => {
        const { count } = await db.account.updateMany({ where: { username }, data: { suspendedAt: at, suspendedReason: reason, suspendedNotice: notice } });
        return count === 1;
      }),

    unsuspend: (username) =>
      run('accounts.unsuspend', async () => {
        const { count } = await db.account.updateMany({
          where: { username, suspendedAt: { not: null } },
          data: { suspendedAt: null, suspendedReason: null, suspendedNotice: false },
        });
        return count === 1;
      }),

    suspension: (username) =>
      run('accounts.suspension', async () => {
        const row = await sql.get<{ suspended_at: unknown; suspended_reason: string | null; suspended_notice: unknown }>(SUSPENSION, [username]);
        if (!row) return null;
        return suspensionOf({ suspendedAt: row.suspended_at === null ? null : asDate(row.suspended_at), suspendedReason: row.suspended_reason, suspendedNotice: asBoolean(row.suspended_notice) });
      }),

    listSuspended: () =>
      run('accounts.listSuspended', async () => {
        const rows = await db.account.findMany({
          where: { suspendedAt: { not: null } },
          select: { username: true, ...suspensionColumns },
          orderBy: [{ suspendedAt: 'asc' }, { username: 'asc' }],
        });
        return rows.map((row) => ({ username: row.username, ...suspensionOf(row)! }));
      }),

    createdSince: (since, limit) =>
      run('accounts.createdSince', () =>
        db.account.findMany({
          where: { createdAt: { gte: since } },
          select: { username: true, createdAt: true },
          orderBy: [{ createdAt: 'asc' }, { username: 'asc' }],
          take: limit,
        }),
      ),

    search: (text, limit) =>
      run('accounts.search', async () => {
        // LIKE wildcards in `text` may or may not be escaped by the driver: the
        // query narrows, the exact test below decides.
        const rows = await db.account.findMany({ where: { username: { contains: text } }, select: { username: true } });
        return rows
          .map((row) => row.username)
          .filter((name) => name.includes(text))
          .sort()
          .slice(0, limit);
      }),

    motdSeen: (username) =>
      run('accounts.motdSeen', async () => (await db.account.findUnique({ where: { username }, select: { motdSeen: true } }))?.motdSeen ?? null),

    setMotdSeen: (username, id) =>
      run('accounts.setMotdSeen', async () => {
        await db.account.updateMany({ where: { username }, data: { motdSeen: id } });
      }),
  };
}
