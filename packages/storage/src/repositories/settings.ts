import { type Backend, isUniqueViolation } from '../db.ts';
import { statement } from '../sql/client.ts';
import type { SettingsRepository } from '../types.ts';
import type { Run } from './run.ts';

// Read at every login (the message of the day): the lean path.
const GET = statement('settings.get', 'SELECT "value" FROM "server_settings" WHERE "key" = $1');

export function settingsRepository({ db, sql }: Backend, run: Run): SettingsRepository {
  return {
    get: (key) => run('settings.get', async () => (await sql.get<{ value: string }>(GET, [key]))?.value ?? null),

    set: (key, value) =>
      run('settings.set', async () => {
        const updatedAt = new Date();
        await db.serverSetting.upsert({ where: { key }, create: { key, value, updatedAt }, update: { value, updatedAt } });
      }),

    delete: (key) =>
      run('settings.delete', async () => {
        const { count } = await db.serverSetting.deleteMany({ where: { key } });
        return count === 1;
      }),

    compareAndSet: (key, expected, value) =>
      run('settings.compareAndSet', async () => {
        const updatedAt = new Date();
        if (expected === null) {
          // The primary key lets one of concurrent creators in.
          try {
            await db.serverSetting.create({ data: { key, value, updatedAt } });
            return true;
          } catch (error) {
            if (isUniqueViolation(error)) return false;
            throw error;
          }
        }
        // One conditional UPDATE: the row lock lets one of concurrent callers change it.
        const { count } = await db.serverSetting.updateMany({ where: { key, value: expected }, data: { value, updatedAt } });
        return count === 1;
      }),
  };
}
