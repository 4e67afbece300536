import { NS } from '@conexizan/protocol';
import type { Config } from '../config/schema.ts';
import { operatorCommand, printAnswer, refused } from './operator-command.ts';

/**
 * `conexizan announce`, `motd`, `report` and `audit`: announcements, the
 * message of the day, abuse reports and the audit log, through the same
 * operator commands as everywhere (operator-command.ts). Announcing to who
 * is online needs the running server; the rest also works on stored data.
 */
const admin = (name: string) => `${NS.ADMIN}#${name}`;
const conexizan = (name: string) => `https://conexizan.org/commands#${name}`;

async function text(args: string[]): Promise<string> {
  if (args.length > 0) return args.join(' ');
  // From standard input, e.g. conexizan announce < notice.txt
  if (process.stdin.isTTY) return '';
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  return input.trim();
}

export async function runAnnounce(config: Config, args: string[], options: { all?: boolean | undefined; subject?: string | undefined }): Promise<number> {
  const body = await text(args);
  if (!body) {
    process.stderr.write('usage: conexizan announce [--all] [--subject TEXT] TEXT (or the text on standard input)\n');
    return 2;
  }
  const fields = { announcement: body.split('\n'), subject: [options.subject ?? 'Announcement'] };
  try {
    if (options.all) return printAnswer(await operatorCommand(config, conexizan('announce-all'), fields));
    return printAnswer(await operatorCommand(config, admin('announce'), fields, { needsRunningServer: 'an announcement to online users needs the running server (--all also reaches the others, at their next login)' }));
  } catch (error) {
    return refused(error);
  }
}

export async function runMotd(config: Config, args: string[]): Promise<number> {
  const [action, ...rest] = args;
  try {
    if (action === 'delete' && rest.length === 0) return printAnswer(await operatorCommand(config, admin('delete-motd'), {}));
    if (action === 'set') {
      const body = await text(rest);
      if (body) return printAnswer(await operatorCommand(config, admin('set-motd'), { motd: body.split('\n') }));
    }
  } catch (error) {
    return refused(error);
  }
  process.stderr.write('usage: conexizan motd set TEXT (or the text on standard input), or conexizan motd delete\n');
  return 2;
}

export async function runReport(config: Config, args: string[], options: { status?: string | undefined; dismiss?: boolean | undefined; note?: string | undefined }): Promise<number> {
  const [action, id, ...extra] = args;
  const usage = () => (process.stderr.write('usage: conexizan report list [--status open|resolved|dismissed|all], report show ID, report close ID [--dismiss] [--note TEXT]\n'), 2);
  if (extra.length > 0) return usage();
  try {
    if (action === 'list' && !id) return printAnswer(await operatorCommand(config, conexizan('reports-list'), { status: [options.status ?? 'open'] }));
    if (action === 'show' && id) return printAnswer(await operatorCommand(config, conexizan('reports-show'), { id: [id] }));
    if (action === 'close' && id) {
      return printAnswer(await operatorCommand(config, conexizan('reports-close'), { id: [id], status: [options.dismiss ? 'dismissed' : 'resolved'], resolution: [options.note ?? ''] }));
    }
  } catch (error) {
    return refused(error);
  }
  return usage();
}

export async function runAudit(config: Config, args: string[], options: { before?: string | undefined }): Promise<number> {
  if (args.length > 0) {
    process.stderr.write('usage: conexizan audit [--before NUMBER]\n');
    return 2;
  }
  try {
    return printAnswer(await operatorCommand(config, conexizan('audit-log'), { before: [options.before ?? ''] }));
  } catch (error) {
    return refused(error);
  }
}
