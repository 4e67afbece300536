import { parseJid } from '@conexizan/protocol';
import { AccountError } from '../accounts/account-service.ts';
import type { Config } from '../config/schema.ts';
import { openOfflineServer } from './offline-server.ts';
import { readPassword } from './password-input.ts';

/**
 * `conexizan user add|passwd|delete|list`: account administration from the
 * command line, through the server's own core and modules (offline-server.ts),
 * so that `delete` runs the one account lifecycle (AccountService.remove):
 * contacts on this server lose their subscriptions, uploads are deleted,
 * then the account and everything it stored.
 *
 * Beside a running server (same database) this is safe: the change is in
 * storage at once. What the running server holds in memory lags: the
 * deleted account's open sessions stay until they disconnect (it cannot log
 * in again), messages to it are taken for up to five minutes (the accounts
 * it saw recently) and then refused, and connected contacts see their
 * roster change when their client fetches it next (on its next login).
 * Contacts on other servers are not told: a deletion that must reach them
 * is done in-band or with the admin commands of a running server (XEP-0133).
 * Deleting twice is harmless: the second time answers "no account".
 */
export async function runUser(config: Config, args: string[]): Promise<number> {
  const [action, target] = args;
  if (action !== 'list' && (!target || !['add', 'passwd', 'delete'].includes(action ?? ''))) {
    process.stderr.write('usage: conexizan user add|passwd|delete JID, or conexizan user list\n');
    return 2;
  }
  const server = await openOfflineServer(config);
  const { accounts } = server.core;
  try {
    if (action === 'list') {
      for (const name of await accounts.list()) process.stdout.write(`${name}@${config.domain}\n`);
      return 0;
    }
    const username = localpartOf(target!, config.domain);
    if (action === 'delete') {
      const name = await accounts.remove(username);
      process.stdout.write(`deleted ${name}@${config.domain}\n`);
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
    await server.close();
  }
}

function localpartOf(target: string, domain: string): string {
  if (!target.includes('@')) return target;
  const jid = parseJid(target);
  if (jid.domain !== domain) throw new Error(`${target} is not on this server's domain ${domain}`);
  return jid.local;
}
