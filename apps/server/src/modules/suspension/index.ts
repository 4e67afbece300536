import { formBoolean, formTable, formValue, formValues, NS, StanzaError, tryParseJid, type DataFormField, type Jid } from '@conexizan/protocol';
import { AccountError, suspensionNotice } from '../../accounts/account-service.ts';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import { runPeriodically } from '../../core/periodic.ts';
import type { StanzaEvent } from '../../core/router.ts';
import type { CommandNote, CommandResponse } from '../adhoc/api.ts';

/**
 * Suspended accounts (AccountService.suspend): the account keeps everything
 * it stored, but
 * - its sessions end on `account/suspended`, on every server process (the
 *   SessionRegistry reaches them), with the stream error policy-violation
 *   and the notice the operator chose;
 * - logins are refused (SASL account-disabled, c2s/client-stream.ts);
 * - whatever is sent to it is refused: messages and IQs with
 *   recipient-unavailable (RFC 6120 §8.3.3.13: "temporarily unavailable",
 *   type wait, since the suspension may be lifted) and the text "this
 *   account is suspended", never the operator's reason; presence is
 *   dropped. Nothing is stored for it offline or in its archive meanwhile.
 * - after `accounts.suspended_keep_days` it is deleted, like any deletion
 *   (AccountService.remove).
 * The XEP-0133 commands disable-user, reenable-user, get-disabled-users-num,
 * get-disabled-users-list and end-user-session are for the operators.
 */
export const ADMIN_NODE = (command: string) => `${NS.ADMIN}#${command}`;
const DAY_MS = 86_400_000;
const LIST_SIZES = ['25', '50', '75', '100', '150', '200', 'none'];
const formType: DataFormField = { var: 'FORM_TYPE', type: 'hidden', values: [NS.ADMIN] };

export const suspension: ServerModule = {
  name: 'suspension',
  implements: ['XEP-0133 (disable-user, reenable-user, end-user-session)'],
  depends: ['adhoc', 'operators', 'audit'],
  setup(ctx) {
    const refuse = async (event: StanzaEvent): Promise<true | undefined> => {
      const { to } = event;
      if (!to.local || to.domain !== ctx.domain || !(await ctx.accounts.isSuspended(to.local))) return undefined;
      if (event.kind === 'presence' || event.type === 'error' || event.type === 'result') return true;
      throw new StanzaError('recipient-unavailable', { type: 'wait', text: 'this account is suspended' });
    };
    for (const kind of ['message', 'iq', 'presence'] as const) {
      ctx.hooks.on(`${kind}/bare`, refuse, 'policy');
      ctx.hooks.on(`${kind}/full`, refuse, 'policy');
    }

    ctx.hooks.on('account/suspended', async ({ user, reason, notice }) => {
      const text = suspensionNotice({ reason, notice });
      for (const session of await ctx.sessions.resourcesOf(user)) session.closeWithError('policy-violation', text);
    });

    runPeriodically(ctx, 'deleting accounts suspended long ago', DAY_MS / 4, async () => {
      const days = ctx.config.accounts.suspended_keep_days;
      if (days === 0) return;
      const cutoff = Date.now() - days * DAY_MS;
      for (const { username, at } of await ctx.storage.accounts.listSuspended()) {
        if (at.getTime() >= cutoff) break;
        await ctx.accounts.remove(username);
        await ctx.require('audit').record('server', 'delete-user', `${username}@${ctx.domain}`, `suspended for ${days} days`);
        ctx.log.info('a suspended account was deleted after its keeping time');
      }
    });

    registerCommands(ctx);
  },
};

function registerCommands(ctx: ModuleContext): void {
  const adhoc = ctx.require('adhoc');
  const operators = ctx.require('operators');
  const audit = ctx.require('audit');
  const allowed = (requester: Jid) => operators.isOperator(requester);
  const accountsField = (label: string): DataFormField => ({ var: 'accountjids', type: 'jid-multi', label, required: true, values: [] });
  const form = (title: string, fields: DataFormField[], instructions?: string): CommandResponse => ({
    status: 'executing',
    form: { type: 'form', title, ...(instructions ? { instructions: [instructions] } : {}), fields: [formType, ...fields] },
    actions: ['complete'],
  });
  /** The submitted accounts of this server, each as a username or the note saying what is wrong with it. */
  const accounts = (values: string[]): (string | CommandNote)[] =>
    values.map((value) => {
      const parsed = tryParseJid(value.trim());
      if (!parsed || !parsed.local || parsed.resource || parsed.domain !== ctx.domain) return { type: 'error', text: `"${value.slice(0, 100)}" is not an account of ${ctx.domain}` };
      return parsed.local;
    });
  const forEach = async (values: string[], act: (username: string) => Promise<string>): Promise<CommandResponse> => {
    const targets = accounts(values);
    if (targets.length === 0) return { status: 'completed', notes: [{ type: 'error', text: 'no account given' }] };
    const notes: CommandNote[] = [];
    for (const target of targets) {
      if (typeof target !== 'string') {
        notes.push(target);
        continue;
      }
      try {
        notes.push({ type: 'info', text: await act(target) });
      } catch (error) {
        if (!(error instanceof AccountError)) throw error;
        notes.push({ type: 'error', text: error.message });
      }
    }
    return { status: 'completed', notes };
  };

  adhoc.register({
    node: ADMIN_NODE('disable-user'),
    name: 'Suspend a user',
    allowed,
    async execute({ requester, form: submitted }) {
      if (!submitted) {
        return form('Suspending users', [
          accountsField('The Jabber ID(s) to suspend'),
          { var: 'reason', type: 'text-single', label: 'Reason (kept for the admins)', values: [] },
          { var: 'notify', type: 'boolean', label: 'Tell the user the reason when they try to log in', values: ['0'] },
        ], `They are logged out at once, cannot log in and receive nothing; everything they stored is kept${ctx.config.accounts.suspended_keep_days ? ` for ${ctx.config.accounts.suspended_keep_days} days, then deleted unless the suspension is lifted` : ' until the suspension is lifted or the account deleted'}.`);
      }
      const reason = (formValue(submitted, 'reason') ?? '').trim().slice(0, 500);
      const notice = formBoolean(submitted, 'notify') ?? false;
      return forEach(formValues(submitted, 'accountjids'), async (username) => {
        const name = await ctx.accounts.suspend(username, { reason, notice });
        await audit.record(requester, 'suspend', `${name}@${ctx.domain}`, reason);
        return `${name}@${ctx.domain} is suspended`;
      });
    },
  });

  adhoc.register({
    node: ADMIN_NODE('reenable-user'),
    name: 'Lift a suspension',
    allowed,
    async execute({ requester, form: submitted }) {
      if (!submitted) return form('Lifting suspensions', [accountsField('The Jabber ID(s) to re-enable')]);
      return forEach(formValues(submitted, 'accountjids'), async (username) => {
        const name = await ctx.accounts.unsuspend(username);
        await audit.record(requester, 'unsuspend', `${name}@${ctx.domain}`);
        return `${name}@${ctx.domain} can log in again`;
      });
    },
  });

  adhoc.register({
    node: ADMIN_NODE('get-disabled-users-num'),
    name: 'Get number of suspended users',
    allowed,
    async execute() {
      const count = (await ctx.storage.accounts.listSuspended()).length;
      return { status: 'completed', form: { type: 'result', title: 'Number of suspended users', fields: [formType, { var: 'disabledusersnum', label: 'The number of suspended users', values: [String(count)] }] } };
    },
  });

  adhoc.register({
    node: ADMIN_NODE('get-disabled-users-list'),
    name: 'Get list of suspended users',
    allowed,
    async execute({ form: submitted }) {
      if (!submitted) {
        return form('Requesting the list of suspended users', [
          { var: 'max_items', type: 'list-single', label: 'Maximum number of items to show', values: ['100'], options: LIST_SIZES.map((value) => ({ value })) },
        ]);
      }
      const max = formValue(submitted, 'max_items') ?? '100';
      if (!LIST_SIZES.includes(max)) return { status: 'completed', notes: [{ type: 'error', text: 'max_items is not one of the choices' }] };
      const suspended = (await ctx.storage.accounts.listSuspended()).slice(0, max === 'none' ? undefined : Number(max));
      const jids = suspended.map((entry) => `${entry.username}@${ctx.domain}`);
      return {
        status: 'completed',
        form: {
          type: 'result',
          title: 'Suspended users',
          fields: [formType, { var: 'disableduserjids', type: 'jid-multi', label: 'The list of all suspended users', values: jids }],
          // Beside the XEP-0133 field, the same accounts with why and since when (XEP-0004 §3.4), for the admin area.
          ...formTable(
            [{ var: 'jid', label: 'Account' }, { var: 'since', label: 'Suspended since' }, { var: 'reason', label: 'Reason' }, { var: 'notice', label: 'Told the user' }],
            suspended.map((entry, i) => ({ jid: jids[i]!, since: entry.at.toISOString(), reason: entry.reason, notice: entry.notice ? '1' : '0' })),
          ),
        },
      };
    },
  });

  adhoc.register({
    node: ADMIN_NODE('end-user-session'),
    name: 'End user sessions',
    allowed,
    async execute({ requester, form: submitted }) {
      if (!submitted) return form('Ending user sessions', [{ var: 'accountjids', type: 'jid-multi', label: 'The Jabber ID(s) for which to end sessions', required: true, values: [] }], 'A bare JID ends all of its sessions, a full JID only that one. They may log in again.');
      const notes: CommandNote[] = [];
      for (const value of formValues(submitted, 'accountjids')) {
        const target = tryParseJid(value.trim());
        if (!target || !target.local || target.domain !== ctx.domain) {
          notes.push({ type: 'error', text: `"${value.slice(0, 100)}" is not an account of ${ctx.domain}` });
          continue;
        }
        const sessions = (await ctx.sessions.resourcesOf(target.bare())).filter((session) => !target.resource || session.jid.equals(target));
        for (const session of sessions) session.closeWithError('policy-violation', 'your session was ended by an administrator');
        await audit.record(requester, 'end-sessions', target.toString(), `${sessions.length} session(s)`);
        notes.push({ type: 'info', text: `${sessions.length} session(s) of ${target.toString()} ended` });
      }
      return { status: 'completed', notes };
    },
  });
}
