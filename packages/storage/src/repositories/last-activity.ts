import type { Backend } from '../db.ts';
import { isForeignKeyViolation, statement } from '../sql/client.ts';
import { asDate } from '../sql/values.ts';
import type { LastActivityRepository } from '../types.ts';
import type { Run } from './run.ts';

const GET = statement('lastActivity.get', 'SELECT "at", "status" FROM "last_activity" WHERE "owner" = $1');
// One statement at each logout; the foreign key refuses an account that is gone.
const SET = statement(
  'lastActivity.set',
  'INSERT INTO "last_activity" ("owner", "at", "status") VALUES ($1, $2, $3) ON CONFLICT ("owner") DO UPDATE SET "at" = excluded."at", "status" = excluded."status"',
);

export function lastActivityRepository({ sql }: Backend, run: Run): LastActivityRepository {
  return {
    get: (username) =>
      run('lastActivity.get', async () => {
        const row = await sql.get<{ at: unknown; status: string }>(GET, [username]);
        return row ? { at: asDate(row.at), status: row.status } : null;
      }),

    set: (username, { at, status }) =>
      run('lastActivity.set', async () => {
        try {
          await sql.run(SET, [username, at, status]);
        } catch (error) {
          // The account was just deleted (or never was): nothing to record.
          if (!isForeignKeyViolation(error)) throw error;
        }
      }),
  };
}
