import { type Backend, transaction } from '../db.ts';
import type { Prisma } from '../generated/sqlite/client/client.ts';
import { isForeignKeyViolation, type SqlClient, statement } from '../sql/client.ts';
import { GroupCommit } from '../sql/group-commit.ts';
import type { ArchiveDefault, ArchiveEntry, ArchiveFilter, ArchivePage, ArchivePageRequest, ArchivePrefs, ArchiveRepository } from '../types.ts';
import { requireAccount } from './require-account.ts';
import type { Run } from './run.ts';

type Where = Prisma.ArchivedMessageWhereInput;
interface Key {
  seq: bigint;
  id: string;
}

const DEFAULTS: readonly string[] = ['always', 'roster', 'never'] satisfies ArchiveDefault[];

/**
 * The ordering key: microseconds since the epoch, strictly increasing within
 * this process (so two messages in one millisecond keep their order). Several
 * processes may hand out the same value; the id breaks such ties, so the
 * order is total and stable either way.
 */
let lastSeq = 0n;
export function nextSeq(): bigint {
  const now = BigInt(Date.now()) * 1000n;
  lastSeq = now > lastSeq ? now : lastSeq + 1n;
  return lastSeq;
}

const after = (key: Key): Where => ({ OR: [{ seq: { gt: key.seq } }, { seq: key.seq, id: { gt: key.id } }] });
const before = (key: Key): Where => ({ OR: [{ seq: { lt: key.seq } }, { seq: key.seq, id: { lt: key.id } }] });
const ASC = [{ seq: 'asc' }, { id: 'asc' }] as const;
const DESC = [{ seq: 'desc' }, { id: 'desc' }] as const;

function entry(row: { id: string; peer: string; peerResource: string | null; stanza: string; storedAt: Date }): ArchiveEntry {
  return { id: row.id, peer: row.peer, peerResource: row.peerResource, stanza: row.stanza, storedAt: row.storedAt };
}

function jidList(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The columns every archive table shares (the user archive, and the room
 * archive in muc.ts), so that one query serves both.
 */
export type ArchiveTable = Pick<Backend['db']['archivedMessage'], 'findMany' | 'count'>;

/** XEP-0313 selection and XEP-0059 paging over one owner's entries; null when a named id is not among them. */
export async function queryArchive(table: ArchiveTable, owner: string, filter: ArchiveFilter, page: ArchivePageRequest): Promise<ArchivePage | null> {
  // Every id the query names must be in this owner's archive (XEP-0313 §4.1.3, §4.3.2).
  const named = new Set([filter.afterId, filter.beforeId, page.after, page.before || undefined, ...(filter.ids ?? [])].filter((id): id is string => id !== undefined));
  const keys = new Map<string, Key>();
  if (named.size > 0) {
    const rows = await table.findMany({ where: { owner, id: { in: [...named] } }, select: { id: true, seq: true } });
    for (const row of rows) keys.set(row.id, row);
    if (keys.size !== named.size) return null;
  }
  const key = (id: string) => keys.get(id)!;
  const and: Where[] = [];
  if (filter.afterId !== undefined) and.push(after(key(filter.afterId)));
  if (filter.beforeId !== undefined) and.push(before(key(filter.beforeId)));
  const base: Where = {
    owner,
    ...(filter.peer !== undefined && { peer: filter.peer }),
    ...(filter.peerResource !== undefined && { peerResource: filter.peerResource }),
    ...((filter.start || filter.end) && { storedAt: { ...(filter.start && { gte: filter.start }), ...(filter.end && { lte: filter.end }) } }),
    ...(filter.ids !== undefined && { id: { in: filter.ids } }),
    AND: and,
  };
  const count = await table.count({ where: base });

  const bounds: Where[] = [base];
  if (page.after !== undefined) bounds.push(after(key(page.after)));
  if (page.before) bounds.push(before(key(page.before)));
  const backward = page.before !== undefined;
  const skip = !backward && page.after === undefined ? page.index : undefined;
  const rows = await table.findMany({
    where: { AND: bounds },
    orderBy: backward ? [...DESC] : [...ASC],
    ...(skip !== undefined && { skip }),
    take: page.max + 1,
  });
  const complete = rows.length <= page.max;
  const inPage = rows.slice(0, page.max);
  if (backward) inPage.reverse();
  const first = inPage[0];
  const firstIndex = !first ? null : (skip ?? (await table.count({ where: { AND: [base, before(first)] } })));
  return { items: inPage.map(entry), count, firstIndex, complete } satisfies ArchivePage;
}

const GET_PREFS = statement('archive.getPrefs', 'SELECT "mode", "always", "never" FROM "archive_prefs" WHERE "owner" = $1');

/** One archived copy on its way to the database. */
interface Append {
  owner: string;
  entry: ArchiveEntry;
  seq: bigint;
}

/** Inserted, or false when the owner's account is gone; an Error fails this one append only. */
type AppendResult = boolean | Error;

const COLUMNS = '"id", "owner", "peer", "peer_resource", "seq", "stored_at", "stanza"';
const INSERT_ONE = statement('archive.insert', `INSERT INTO "archive" (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`);
// PostgreSQL: a whole batch in one statement and one round trip, skipping
// owners without an account (the ids it returns are the rows inserted).
const INSERT_MANY = statement(
  'archive.insertMany',
  `INSERT INTO "archive" (${COLUMNS}) SELECT u.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamp(3)[], $7::text[]) ` +
    'AS u("id", "owner", "peer", "peer_resource", "seq", "stored_at", "stanza") ' +
    'WHERE EXISTS (SELECT 1 FROM "accounts" a WHERE a."username" = u."owner") RETURNING "id"',
);
/** Rows per transaction: enough to absorb a burst, few enough to keep the transaction short. */
const MAX_BATCH = 256;

const params = ({ owner, entry, seq }: Append) => [entry.id, owner, entry.peer, entry.peerResource, seq, entry.storedAt, entry.stanza];

/** SQLite: one insert per row inside one transaction; a failing row fails alone. */
function insertEach(sql: SqlClient, appends: Append[]): Promise<AppendResult[]> {
  return sql.transaction(async (tx) => {
    const results: AppendResult[] = [];
    for (const append of appends) {
      try {
        await tx.run(INSERT_ONE, params(append));
        results.push(true);
      } catch (error) {
        // The account is gone (or never was): its archive cannot hold anything.
        results.push(isForeignKeyViolation(error) ? false : (error as Error));
      }
    }
    return results;
  });
}

/** PostgreSQL: the batch in one statement; should it fail (an account deleted meanwhile), row by row. */
async function insertMany(sql: SqlClient, appends: Append[]): Promise<AppendResult[]> {
  const insert = async (batch: Append[]) => {
    const values = batch.map(params);
    const columns = Array.from({ length: 7 }, (_, c) => values.map((row) => row[c]!));
    const inserted = new Set((await sql.all<{ id: string }>(INSERT_MANY, columns)).map((row) => row.id));
    return batch.map((append) => inserted.has(append.entry.id));
  };
  try {
    return await insert(appends);
  } catch (error) {
    if (appends.length === 1) return [isForeignKeyViolation(error) ? false : (error as Error)];
  }
  const results: AppendResult[] = [];
  for (const append of appends) {
    try {
      results.push(...(await insert([append])));
    } catch (error) {
      results.push(isForeignKeyViolation(error) ? false : (error as Error));
    }
  }
  return results;
}

export function archiveRepository(backend: Backend, run: Run): ArchiveRepository & { flushed(): Promise<void> } {
  const { db, sql } = backend;
  // The copies appended while a batch is written, from every session, go in the next
  // transaction together (group commit); each append returns once its row is committed.
  const writer = new GroupCommit<Append, AppendResult>({
    write: (appends) => (sql.dialect === 'postgresql' ? insertMany(sql, appends) : insertEach(sql, appends)),
    maxBatch: MAX_BATCH,
    turn: backend.exclusive,
  });
  return {
    flushed: () => writer.flushed(),

    append: (owner, item) =>
      run.timed('archive.append', async () => {
        const result = await writer.add({ owner, entry: item, seq: nextSeq() });
        if (result instanceof Error) throw result;
        return result;
      }),

    query: (owner, filter, page) => run('archive.query', () => queryArchive(db.archivedMessage, owner, filter, page)),

    bounds: (owner) =>
      run('archive.bounds', async () => {
        const first = await db.archivedMessage.findFirst({ where: { owner }, orderBy: [...ASC] });
        if (!first) return null;
        const last = await db.archivedMessage.findFirst({ where: { owner }, orderBy: [...DESC] });
        return { first: entry(first), last: entry(last ?? first) };
      }),

    count: (owner) => run('archive.count', () => db.archivedMessage.count({ where: { owner } })),

    purgeOlderThan: (cutoff) =>
      run('archive.purge', async () => (await db.archivedMessage.deleteMany({ where: { storedAt: { lt: cutoff } } })).count),

    getPrefs: (owner) =>
      run('archive.getPrefs', async () => {
        const row = await sql.get<{ mode: string; always: string; never: string }>(GET_PREFS, [owner]);
        if (!row || !DEFAULTS.includes(row.mode)) return null;
        return { default: row.mode as ArchiveDefault, always: jidList(row.always), never: jidList(row.never) } satisfies ArchivePrefs;
      }),

    setPrefs: (owner, prefs) =>
      run('archive.setPrefs', () =>
        transaction(db, async (tx) => {
          await requireAccount(backend, tx, owner);
          const data = { mode: prefs.default, always: JSON.stringify(prefs.always), never: JSON.stringify(prefs.never) };
          await tx.archivePrefs.upsert({ where: { owner }, create: { owner, ...data }, update: data });
        }),
      ),
  };
}
