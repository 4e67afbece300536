import { resolve } from 'node:path';
import { parseJid } from '@conexizan/protocol';
import { openStorage } from '@conexizan/storage';
import { AccountError, accountPolicy, AccountService } from '../accounts/account-service.ts';
import type { Config } from '../config/schema.ts';
import { readPassword } from './password-input.ts';

/** `conexizan user add|passwd|delete|list`: account administration without a running server. */
export async function runUser(config: Config, args: string[]): Promise<number> {
  const [action, target] = args;
  const storage = await openStorage({ url: config.database_url || undefined, dataDir: resolve(config.data_dir) });
  const accounts = new AccountService(storage, accountPolicy(config));
  try {
    if (action === 'list') {
      for (const name of await accounts.list()) process.stdout.write(`${name}@${config.domain}\n`);
      return 0;
    }
    if (!target || !['add', 'passwd', 'delete'].includes(action ?? '')) {
      process.stderr.write('usage: conexizan user add|passwd|delete JID, or conexizan user list\n');
      return 2;
    }
    const username = localpartOf(target, config.domain);
    if (action === 'delete') {
      await accounts.delete(username);
      process.stdout.write(`deleted ${username}@${config.domain}\n`);
      return 0;
    }
    const password = await readPassword('Password: ', true);
    if (action === 'add') {
      // The operator may re-create a reserved name on purpose.
      const name = await accounts.create(username, password, { ignoreReservation: true });
      process.stdout.write(`created ${name}@${config.domain}\n`);
    } else {
      await accounts.changePassword(username, password);
      process.stdout.write(`changed the password of ${username}@${config.domain}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof AccountError) {
      process.stderr.write(`conexizan: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await storage.close();
  }
}

function localpartOf(target: string, domain: string): string {
  if (!target.includes('@')) return target;
  const jid = parseJid(target);
  if (jid.domain !== domain) throw new Error(`${target} is not on this server's domain ${domain}`);
  return jid.local;
}
