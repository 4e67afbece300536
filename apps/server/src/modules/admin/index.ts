import { formTable, formValue, formValues, NS, tryParseJid, type DataForm, type DataFormField } from '@conexizan/protocol';
import { AccountError } from '../../accounts/account-service.ts';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { CommandNote, CommandRequest, CommandResponse } from '../adhoc/api.ts';

/**
 * XEP-0133 Service Administration for the operators listed in `admins`, as
 * ad-hoc commands (XEP-0050) on the domain: add, delete and re-password
 * users, count registered and online users, list them, and a Conexizan
 * command that makes an invitation link (like `conexizan invite create`).
 * Nobody else sees these commands, and running one gives `forbidden`.
 * Passwords are read from the submitted form and go to the account service
 * only; neither they nor the names of the accounts touched are logged.
 */
export const ADMIN_NODE = (command: string) => `${NS.ADMIN}#${command}`;
/** Conexizan's own command (XEP-0401's invite command is about a user inviting a contact, not this). */
export const CREATE_INVITATION_NODE = 'https://conexizan.org/commands#create-invitation';
/** Conexizan's own: accounts by part of the name, with whether they are suspended or online (the admin area's user list). */
export const FIND_USERS_NODE = 'https://conexizan.org/commands#find-users';
const MAX_FOUND = 100;

const DEFAULT_INVITE_DAYS = 7;
const MAX_INVITE_DAYS = 366;
const LIST_SIZES = ['25', '50', '75', '100', '150', '200', 'none'];

const formTypeField: DataFormField = { var: 'FORM_TYPE', type: 'hidden', values: [NS.ADMIN] };

/** The stage of a one-form command: the form first, then the result. */
function oneForm(title: string, fields: DataFormField[], instructions?: string): CommandResponse {
  return { status: 'executing', form: { type: 'form', title, ...(instructions ? { instructions: [instructions] } : {}), fields: [formTypeField, ...fields] }, actions: ['complete'] };
}

const done = (type: CommandNote['type'], text: string): CommandResponse => ({ status: 'completed', notes: [{ type, text }] });

const result = (title: string, fields: DataFormField[]): CommandResponse => ({ status: 'completed', form: { type: 'result', title, fields: [formTypeField, ...fields] } });

export const admin: ServerModule = {
  name: 'admin',
  implements: ['XEP-0133'],
  depends: ['adhoc', 'invites', 'website', 'operators', 'audit'],
  setup(ctx) {
    const adhoc = ctx.require('adhoc');
    const invites = ctx.require('invites');
    const website = ctx.require('website');
    const operators = ctx.require('operators');
    const audit = ctx.require('audit');
    const allowed = operators.isOperator;
    /** a local account's username from a submitted JID field, or an error note */
    const localUser = (value: string | undefined): string | CommandNote => {
      const parsed = tryParseJid(value);
      if (!parsed || !parsed.local || parsed.resource || parsed.domain !== ctx.domain) return { type: 'error', text: `expected an account of ${ctx.domain} such as name@${ctx.domain}` };
      return parsed.local;
    };
    const command = (node: string, name: string, execute: (request: CommandRequest) => CommandResponse | Promise<CommandResponse>) =>
      adhoc.register({ node, name, allowed, execute });

    command(ADMIN_NODE('add-user'), 'Add a user', async ({ requester, form }) => {
      if (!form) {
        return oneForm('Adding a user', [
          { var: 'accountjid', type: 'jid-single', label: 'The Jabber ID for the account to be added', required: true, values: [] },
          { var: 'password', type: 'text-private', label: 'The password for this account', required: true, values: [] },
          { var: 'password-verify', type: 'text-private', label: 'Retype password', required: true, values: [] },
        ]);
      }
      const user = localUser(formValue(form, 'accountjid'));
      if (typeof user !== 'string') return { status: 'completed', notes: [user] };
      const password = formValue(form, 'password') ?? '';
      if (password !== (formValue(form, 'password-verify') ?? '')) return done('error', 'the passwords do not match');
      const name = await accountCall(() => ctx.accounts.create(user, password));
      if (typeof name !== 'string') return { status: 'completed', notes: [name] };
      ctx.log.info('account added by an admin');
      await audit.record(requester, 'add-user', `${name}@${ctx.domain}`);
      return done('info', `${name}@${ctx.domain} has been created`);
    });

    command(ADMIN_NODE('delete-user'), 'Delete a user', async ({ requester, form }) => {
      if (!form) {
        return oneForm('Deleting a user', [
          { var: 'accountjids', type: 'jid-multi', label: 'The Jabber ID(s) to delete', required: true, values: [] },
        ], 'Everything the account keeps (roster, messages, files) is deleted with it.');
      }
      const notes: CommandNote[] = [];
      const targets = formValues(form, 'accountjids').map(localUser);
      if (targets.length === 0) return done('error', 'no account given');
      for (const target of targets) {
        if (typeof target !== 'string') notes.push(target);
        else {
          const note = await deleteAccount(ctx, target);
          if (note.type === 'info') await audit.record(requester, 'delete-user', `${target}@${ctx.domain}`);
          notes.push(note);
        }
      }
      return { status: 'completed', notes };
    });

    command(ADMIN_NODE('change-user-password'), 'Change user password', async ({ requester, form }) => {
      if (!form) {
        return oneForm('Changing a user password', [
          { var: 'accountjid', type: 'jid-single', label: 'The Jabber ID for this account', required: true, values: [] },
          { var: 'password', type: 'text-private', label: 'The password for this account', required: true, values: [] },
        ]);
      }
      const user = localUser(formValue(form, 'accountjid'));
      if (typeof user !== 'string') return { status: 'completed', notes: [user] };
      const outcome = await accountCall(() => ctx.accounts.changePassword(user, formValue(form, 'password') ?? ''));
      if (outcome !== undefined && typeof outcome !== 'string') return { status: 'completed', notes: [outcome] };
      ctx.log.info('password changed by an admin');
      await audit.record(requester, 'change-password', `${user}@${ctx.domain}`);
      return done('info', `the password of ${user}@${ctx.domain} has been changed`);
    });

    command(ADMIN_NODE('get-registered-users-num'), 'Get number of registered users', async () =>
      result('Number of registered users', [{ var: 'registeredusersnum', label: 'The number of registered users', values: [String((await ctx.accounts.list()).length)] }]),
    );

    command(ADMIN_NODE('get-online-users-num'), 'Get number of online users', () => {
      const online = new Set<string>();
      for (const session of ctx.sessions.all()) online.add(session.jid.bare().toString());
      return result('Number of online users', [{ var: 'onlineusersnum', label: 'The number of online users', values: [String(online.size)] }]);
    });

    command(ADMIN_NODE('get-registered-users-list'), 'Get list of registered users', async ({ form }) => {
      if (!form) {
        return oneForm('Requesting list of registered users', [
          { var: 'max_items', type: 'list-single', label: 'Maximum number of items to show', values: ['25'], options: LIST_SIZES.map((value) => ({ value })) },
        ]);
      }
      const max = formValue(form, 'max_items') ?? '25';
      const limit = max === 'none' ? Infinity : Number(max);
      if (!LIST_SIZES.includes(max)) return done('error', 'max_items is not one of the choices');
      const names = (await ctx.accounts.list()).slice(0, limit);
      return result('List of registered users', [{ var: 'registereduserjids', type: 'jid-multi', label: 'The list of all users', values: names.map((name) => `${name}@${ctx.domain}`) }]);
    });

    command(FIND_USERS_NODE, 'Find users', async ({ form }) => {
      if (!form) {
        return oneForm('Finding users', [{ var: 'query', type: 'text-single', label: 'Part of the name (empty: the first ones)', values: [] }]);
      }
      const query = (formValue(form, 'query') ?? '').trim().toLowerCase().replace(/@.*$/, '');
      const names = query ? await ctx.storage.accounts.search(query, MAX_FOUND + 1) : (await ctx.accounts.list()).slice(0, MAX_FOUND + 1);
      const suspended = new Map((await ctx.storage.accounts.listSuspended()).map((entry) => [entry.username, entry]));
      const online = new Map<string, number>();
      for (const session of ctx.sessions.all()) online.set(session.jid.local, (online.get(session.jid.local) ?? 0) + 1);
      const rows = names.slice(0, MAX_FOUND).map((name) => ({
        jid: `${name}@${ctx.domain}`,
        suspended: suspended.has(name) ? '1' : '0',
        reason: suspended.get(name)?.reason ?? '',
        sessions: String(online.get(name) ?? 0),
      }));
      return {
        status: 'completed',
        form: {
          type: 'result',
          title: 'Users',
          instructions: [names.length > MAX_FOUND ? `The first ${MAX_FOUND}; type more of the name to narrow it.` : `${rows.length} found.`],
          fields: [formTypeField],
          ...formTable([{ var: 'jid', label: 'Account' }, { var: 'suspended', label: 'Suspended' }, { var: 'reason', label: 'Reason' }, { var: 'sessions', label: 'Connected devices' }], rows),
        },
      };
    });

    command(CREATE_INVITATION_NODE, 'Create an invitation', async ({ requester, form }) => {
      if (!form) {
        return {
          status: 'executing',
          form: {
            type: 'form',
            title: 'Creating an invitation',
            instructions: ['A one-time link that lets one person register an account. Hand it over by a private channel: it cannot be shown again.'],
            fields: [{ var: 'days', type: 'text-single', label: `Valid for how many days (at most ${MAX_INVITE_DAYS})`, values: [String(DEFAULT_INVITE_DAYS)] }],
          },
          actions: ['complete'],
        };
      }
      const text = formValue(form, 'days') || String(DEFAULT_INVITE_DAYS);
      const days = Number(text);
      if (!/^\d+(\.\d+)?$/.test(text) || !(days > 0) || days > MAX_INVITE_DAYS) return done('error', `days must be a number above 0 and at most ${MAX_INVITE_DAYS}`);
      const invite = await invites.create(days * 86_400_000);
      ctx.log.info('invitation created by an admin');
      await audit.record(requester, 'create-invitation', ctx.domain, `valid ${days} day(s)`);
      const notes: CommandNote[] = [];
      if (ctx.config.registration === 'closed') notes.push({ type: 'warn', text: "registration is 'closed': this invitation works only once it is 'invite' or 'open'" });
      const page = website.invitationPage(invite.token);
      const form2: DataForm = {
        type: 'result',
        title: 'Invitation',
        fields: [
          { var: 'uri', type: 'text-single', label: 'Invitation link', values: [invite.uri] },
          ...(page ? [{ var: 'page', type: 'text-single' as const, label: 'Invitation page (for people without an app yet)', values: [page] }] : []),
          { var: 'token', type: 'text-single', label: 'Token', values: [invite.token] },
          { var: 'expires', type: 'text-single', label: 'Expires', values: [invite.expiresAt.toISOString()] },
        ],
      };
      return { status: 'completed', form: form2, notes };
    });
  },
};

/** Runs an account-service call; its AccountError becomes an error note. */
async function accountCall<T>(call: () => Promise<T>): Promise<T | CommandNote> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AccountError) return { type: 'error', text: error.message };
    throw error;
  }
}

/** Like deleting one's own account in-band: contacts are told, the data goes, every stream ends. */
async function deleteAccount(ctx: ModuleContext, username: string): Promise<CommandNote> {
  if (!(await ctx.accounts.exists(username))) return { type: 'error', text: `no account ${username}@${ctx.domain}` };
  const user = tryParseJid(`${username}@${ctx.domain}`)!;
  const outcome = await accountCall(() => ctx.accounts.remove(username));
  if (typeof outcome !== 'string') return outcome;
  ctx.log.info('account deleted by an admin');
  for (const session of await ctx.sessions.resourcesOf(user)) session.closeWithError('not-authorized', 'the account was deleted');
  return { type: 'info', text: `${username}@${ctx.domain} has been deleted` };
}
