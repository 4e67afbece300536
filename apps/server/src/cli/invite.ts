import type { Config } from '../config/schema.ts';
import { openOfflineServer } from './offline-server.ts';

export const DEFAULT_INVITE_DAYS = 7;
const MAX_INVITE_DAYS = 366;

/**
 * `conexizan invite create [--days N]` prints a registration link
 * (XEP-0401 `xmpp:DOMAIN?register;preauth=TOKEN`), its token, which the
 * server does not keep (only its hash), and the invitation page on the
 * website that explains it to someone without an app yet; `conexizan invite list` counts the
 * open invitations. Both purge expired ones first.
 */
export async function runInvite(config: Config, args: string[], options: { days?: string | undefined } = {}): Promise<number> {
  const [action, ...extra] = args;
  if (!['create', 'list'].includes(action ?? '') || extra.length > 0 || (action === 'list' && options.days !== undefined)) {
    process.stderr.write('usage: conexizan invite create [--days N], or conexizan invite list\n');
    return 2;
  }
  let days = DEFAULT_INVITE_DAYS;
  if (options.days !== undefined) {
    days = Number(options.days);
    if (!/^\d+(\.\d+)?$/.test(options.days) || !(days > 0) || days > MAX_INVITE_DAYS) {
      process.stderr.write(`conexizan: --days must be a number of days above 0 and at most ${MAX_INVITE_DAYS}\n`);
      return 2;
    }
  }
  const server = await openOfflineServer(config);
  try {
    const invites = server.core.services.find('invites');
    if (!invites) throw new Error('the invites module is not loaded');
    const now = new Date();
    await invites.purgeExpired(now);
    if (action === 'list') {
      const open = await invites.count(now);
      process.stdout.write(`${open} open invitation${open === 1 ? '' : 's'}\n`);
      return 0;
    }
    const invite = await invites.create(days * 86_400_000, now);
    const page = server.core.services.find('website')?.invitationPage(invite.token) ?? null;
    process.stdout.write(`${invite.uri}\ntoken: ${invite.token}\nexpires: ${invite.expiresAt.toISOString()}\n${page ? `page: ${page}\n` : ''}`);
    if (config.registration === 'closed') {
      process.stderr.write("note: registration is 'closed', so this invitation cannot be used until it is 'invite' (or 'open')\n");
    } else if (config.registration === 'open') {
      process.stderr.write("note: registration is 'open': anyone can register without an invitation\n");
    }
    return 0;
  } finally {
    await server.close();
  }
}
