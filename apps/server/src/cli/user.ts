import { readFileSync, writeFileSync } from 'node:fs';
import { NS, parseJid } from '@conexizan/protocol';
import type { Config } from '../config/schema.ts';
import type { ImportSummary } from '../modules/transfer/api.ts';
import { controlRequest } from './control-client.ts';
import { CommandRefused, operatorCommand, printAnswer, refused } from './operator-command.ts';
import { openOfflineServer } from './offline-server.ts';
import { readPassword } from './password-input.ts';

const USAGE = `usage: conexizan user add|passwd|delete|suspend|unsuspend|kick JID
       conexizan user suspend JID [--reason TEXT] [--tell]
       conexizan user list [--search TEXT] | suspended
       conexizan user export JID [--output FILE]
       conexizan user import FILE [--as NAME] [--from OLD_JID] [--quiet-move]
`;
const admin = (name: string) => `${NS.ADMIN}#${name}`;

export interface UserOptions {
  reason?: string | undefined;
  tell?: boolean | undefined;
  search?: string | undefined;
  output?: string | undefined;
  as?: string | undefined;
  from?: string | undefined;
  quietMove?: boolean | undefined;
}

/**
 * `conexizan user …`: account administration from the command line. Each
 * action is the operators' ad-hoc command (XEP-0133 and Conexizan's own),
 * run on the running server through the control channel when it runs (so a
 * deleted or suspended account's sessions end at once and its contacts
 * everywhere are told), or on the stored data through the server's own
 * modules when it does not (operator-command.ts). Either way the one
 * account lifecycle runs (AccountService.remove/suspend) and the audit log
 * records "command line". Passwords come from standard input or a prompt,
 * never from arguments. Export and import move an account (XEP-0227,
 * XEP-0283); importing needs the running server, which tells the contacts.
 */
export async function runUser(config: Config, args: string[], options: UserOptions = {}): Promise<number> {
  const [action, target, ...extra] = args;
  const needsTarget = ['add', 'passwd', 'delete', 'suspend', 'unsuspend', 'kick', 'export', 'import'];
  if (!action || extra.length > 0 || (needsTarget.includes(action) !== !!target) || !(needsTarget.includes(action) || action === 'list' || action === 'suspended')) {
    process.stderr.write(USAGE);
    return 2;
  }
  try {
    switch (action) {
      case 'list':
        return await list(config, options.search);
      case 'suspended':
        return printAnswer(await operatorCommand(config, admin('get-disabled-users-list'), { max_items: ['none'] }));
      case 'add':
      case 'passwd': {
        const jid = accountJid(target!, config.domain);
        const password = await readPassword('Password: ', true);
        const fields: Record<string, string[]> = action === 'add' ? { accountjid: [jid], password: [password], 'password-verify': [password] } : { accountjid: [jid], password: [password] };
        return printAnswer(await operatorCommand(config, admin(action === 'add' ? 'add-user' : 'change-user-password'), fields));
      }
      case 'delete':
        return printAnswer(await operatorCommand(config, admin('delete-user'), { accountjids: [accountJid(target!, config.domain)] }));
      case 'suspend':
        return printAnswer(await operatorCommand(config, admin('disable-user'), { accountjids: [accountJid(target!, config.domain)], reason: [options.reason ?? ''], notify: [options.tell ? '1' : '0'] }));
      case 'unsuspend':
        return printAnswer(await operatorCommand(config, admin('reenable-user'), { accountjids: [accountJid(target!, config.domain)] }));
      case 'kick':
        return printAnswer(await operatorCommand(config, admin('end-user-session'), { accountjids: [accountJid(target!, config.domain)] }, { needsRunningServer: 'only a running server has sessions to end' }));
      case 'export':
        return await exportAccount(config, target!, options.output);
      default:
        return await importAccount(config, target!, options);
    }
  } catch (error) {
    if (error instanceof InvalidTarget) {
      process.stderr.write(`conexizan: ${error.message}\n`);
      return 2;
    }
    return refused(error);
  }
}

class InvalidTarget extends Error {}

/** name or name@domain → name@domain, refusing other domains. */
function accountJid(target: string, domain: string): string {
  if (!target.includes('@')) return `${target}@${domain}`;
  let jid;
  try {
    jid = parseJid(target);
  } catch {
    throw new InvalidTarget(`${target} is not an address`);
  }
  if (jid.domain !== domain || jid.resource) throw new InvalidTarget(`${target} is not an account of this server's domain ${domain}`);
  return jid.toString();
}

async function list(config: Config, search: string | undefined): Promise<number> {
  if (search === undefined) {
    // The plain list of every account, as before: one JID a line.
    const server = await openOfflineServer(config);
    try {
      for (const name of await server.core.accounts.list()) process.stdout.write(`${name}@${config.domain}\n`);
      return 0;
    } finally {
      await server.close();
    }
  }
  return printAnswer(await operatorCommand(config, 'https://conexizan.org/commands#find-users', { query: [search] }));
}

async function exportAccount(config: Config, target: string, output: string | undefined): Promise<number> {
  const username = accountJid(target, config.domain).split('@')[0]!;
  let document: string;
  const response = await controlRequest(config, 'GET', `/control/export?user=${encodeURIComponent(username)}`);
  if (response) {
    if (response.status !== 200) throw new CommandRefused((JSON.parse(response.body) as { text?: string }).text ?? `the server answered ${response.status}`);
    document = response.body;
  } else {
    const server = await openOfflineServer(config);
    try {
      const transfer = server.core.services.find('transfer');
      if (!transfer) throw new CommandRefused('account export is not loaded');
      document = await transfer.exportAccount(username).catch((error: unknown) => {
        throw new CommandRefused((error as { text?: string }).text ?? (error as Error).message);
      });
    } finally {
      await server.close();
    }
  }
  if (output) {
    // The file holds what the password can be checked against: the owner's eyes only.
    writeFileSync(output, document, { mode: 0o600 });
    process.stderr.write(`exported ${username}@${config.domain} to ${output}\n`);
  } else process.stdout.write(document);
  return 0;
}

async function importAccount(config: Config, file: string, options: UserOptions): Promise<number> {
  let document: string;
  try {
    document = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CommandRefused(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const query = new URLSearchParams({ ...(options.as ? { as: options.as } : {}), ...(options.from ? { from: options.from } : {}), announce: options.quietMove ? '0' : '1' });
  const response = await controlRequest(config, 'POST', `/control/import?${query}`, document, 'application/xml');
  if (!response) throw new CommandRefused('importing an account needs the running server (it tells the contacts where the account went), and no server is running with this configuration');
  const answer = JSON.parse(response.body) as ImportSummary & { error?: string; text?: string };
  if (response.status !== 200) throw new CommandRefused(answer.text ?? answer.error ?? `the server answered ${response.status}`);
  process.stdout.write(
    `imported ${answer.from} as ${answer.account}: ${answer.contacts} contacts, ${answer.pepNodes} PEP nodes, ${answer.privateItems} private items, ` +
      `${answer.vcard ? 'a vCard' : 'no vCard'}, ${answer.archived} archived and ${answer.offline} offline messages\n`,
  );
  process.stdout.write(answer.password ? 'the old password works\n' : `no password came with the file: set one with conexizan user passwd ${answer.account}\n`);
  if (answer.notified > 0) process.stdout.write(`${answer.notified} contacts were asked to follow the move (XEP-0283)\n`);
  return 0;
}
