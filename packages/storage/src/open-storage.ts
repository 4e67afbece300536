import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from './db.ts';
import { openPostgresql } from './postgresql.ts';
import { accountRepository } from './repositories/accounts.ts';
import { archiveRepository } from './repositories/archive.ts';
import { blocklistRepository } from './repositories/blocklist.ts';
import { inviteRepository } from './repositories/invites.ts';
import { lastActivityRepository } from './repositories/last-activity.ts';
import { offlineRepository } from './repositories/offline.ts';
import { rosterRepository } from './repositories/roster.ts';
import { pubsubRepository } from './repositories/pubsub.ts';
import { makeRun } from './repositories/run.ts';
import { mucRepository } from './repositories/muc.ts';
import { pushRepository } from './repositories/push.ts';
import { auditRepository } from './repositories/audit.ts';
import { reportRepository } from './repositories/reports.ts';
import { settingsRepository } from './repositories/settings.ts';
import { privateXmlRepository, vcardRepository } from './repositories/xml.ts';
import { openSqlite } from './sqlite.ts';
import type { OpenStorageOptions, Storage } from './types.ts';

/**
 * Opens the backend the url selects, creating the SQLite file or applying
 * pending migrations as needed, so a fresh data dir or empty database just works.
 */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const backend = await openBackend(options);
  const run = makeRun(backend, options.onQuery);
  const archive = archiveRepository(backend, run);
  return {
    kind: backend.kind,
    accounts: accountRepository(backend, run),
    roster: rosterRepository(backend, run),
    offline: offlineRepository(backend, run),
    privateXml: privateXmlRepository(backend, run),
    vcards: vcardRepository(backend, run),
    invites: inviteRepository(backend, run),
    blocklist: blocklistRepository(backend, run),
    lastActivity: lastActivityRepository(backend, run),
    archive,
    push: pushRepository(backend, run),
    pubsub: pubsubRepository(backend, run),
    muc: mucRepository(backend, run),
    reports: reportRepository(backend, run),
    audit: auditRepository(backend, run),
    settings: settingsRepository(backend, run),
    ping: () =>
      backend.exclusive(async () => {
        await backend.db.$queryRaw`SELECT 1`;
      }),
    close: async () => {
      // Archive writes already accepted are committed before the connection goes.
      await archive.flushed();
      await backend.close();
    },
  };
}

function openBackend({ url, dataDir }: OpenStorageOptions): Promise<Backend> {
  if (url === undefined) return openSqlite(join(dataDir, 'conexizan.sqlite'));
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgresql(url);
  if (url.startsWith('file:')) return openSqlite(sqlitePath(url, dataDir));
  throw new Error('storage url must start with postgresql://, postgres:// or file:');
}

/**
 * file:///abs/path is a URL; Prisma-style file:path is a plain path, taken
 * relative to the data dir when it is not absolute.
 */
export function sqlitePath(url: string, dataDir: string): string {
  if (url.startsWith('file://')) return fileURLToPath(url);
  const path = url.slice('file:'.length).split('?')[0]!;
  return isAbsolute(path) ? path : resolve(dataDir, path);
}
