/**
 * Creates the benchmark's accounts in a Conexizan data dir before the server
 * starts: `node --import tsx conexizan-seed.ts ACCOUNTS.json`, configured by
 * the same CONEXIZAN_* variables as the server. It uses the server's own
 * AccountService, so the stored SCRAM keys are exactly what registration makes,
 * and writes each user's roster (mutual subscriptions) through storage.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStorage } from '@conexizan/storage';
import { AccountService } from '../../../apps/server/src/accounts/account-service.ts';
import { loadConfig } from '../../../apps/server/src/config/load.ts';
import type { Account } from './target.ts';

const accounts = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as (Account & { contacts: string[] })[];
const config = loadConfig();
const storage = await openStorage({ url: config.database_url || undefined, dataDir: resolve(config.data_dir) });
const service = new AccountService(storage, {
  scramIterations: config.accounts.scram_iterations,
  minPasswordLength: config.accounts.min_password_length,
  reserveDeletedDays: config.accounts.reserve_deleted_days,
});
try {
  // A few at a time: key derivation runs on libuv's pool while storage writes queue up.
  let next = 0;
  const worker = async () => {
    while (next < accounts.length) {
      const { username, password } = accounts[next++]!;
      await service.create(username, password, { ignoreReservation: true });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  // Rosters as two users who accepted each other's subscription have them (RFC 6121 §3).
  next = 0;
  const rosters = async () => {
    while (next < accounts.length) {
      const { username, contacts } = accounts[next++]!;
      for (const contact of contacts) {
        await storage.roster.put(username, { jid: `${contact}@${config.domain}`, name: null, subscription: 'both', askSubscribe: false, approved: false, groups: [] });
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, rosters));
} finally {
  await storage.close();
}
