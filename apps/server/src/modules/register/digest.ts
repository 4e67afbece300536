import type { ModuleContext } from '../../core/module.ts';
import type { Operators } from '../operators/api.ts';

/**
 * The admins' digest of new accounts: at most every `everyMs`, the accounts
 * created since the last digest, in one notice (none when there were
 * none). When it last went out is a shared setting changed with
 * compare-and-set, so with several server processes exactly one sends it.
 */
const KEY = 'registration-digest';
const MAX_LISTED = 200;

export async function sendRegistrationDigest(ctx: Pick<ModuleContext, 'storage' | 'domain' | 'log'>, operators: Operators, everyMs: number, now = new Date()): Promise<void> {
  const last = await ctx.storage.settings.get(KEY);
  if (last === null) {
    // The first start: nothing before now is news.
    await ctx.storage.settings.compareAndSet(KEY, null, now.toISOString());
    return;
  }
  const since = new Date(last);
  if (now.getTime() - since.getTime() < everyMs) return;
  if (!(await ctx.storage.settings.compareAndSet(KEY, last, now.toISOString()))) return;
  const accounts = (await ctx.storage.accounts.createdSince(since, MAX_LISTED + 1)).filter((account) => account.createdAt < now);
  if (accounts.length === 0) return;
  const lines = accounts.slice(0, MAX_LISTED).map((account) => `${account.username}@${ctx.domain} (${account.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC)`);
  const more = accounts.length > MAX_LISTED ? `\n… and more; see the admin area.` : '';
  await operators.notify('New accounts', `${accounts.length > MAX_LISTED ? `More than ${MAX_LISTED}` : accounts.length} new account${accounts.length === 1 ? '' : 's'} since ${since.toISOString().slice(0, 16).replace('T', ' ')} UTC:\n${lines.join('\n')}${more}`);
  ctx.log.info({ accounts: Math.min(accounts.length, MAX_LISTED) }, 'registration digest sent to the admins');
}
