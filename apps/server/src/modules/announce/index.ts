import { randomBytes } from 'node:crypto';
import { formValue, formValues, NS, xml, type DataFormField, type Jid } from '@conexizan/protocol';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { CommandResponse } from '../adhoc/api.ts';

/**
 * Announcements and the message of the day (XEP-0133 §4.23–4.26), for the
 * operators:
 * - announce: a message to every online session now;
 * - announce-all (Conexizan's): to every account, kept offline (XEP-0160)
 *   for those who are away;
 * - set-motd / edit-motd: the message of the day goes to everyone online
 *   at once and to each other account at its next login, once per account
 *   and version (kept in storage, so every server process agrees);
 *   delete-motd: no more of it.
 * Each is a normal message from the domain with a subject, which clients
 * show as a notice (the web client: in its announcements area).
 */
const node = (name: string) => `${NS.ADMIN}#${name}`;
export const ANNOUNCE_ALL_NODE = 'https://conexizan.org/commands#announce-all';
const MOTD_KEY = 'motd';
const MAX_TEXT = 10_000;
const formType: DataFormField = { var: 'FORM_TYPE', type: 'hidden', values: [NS.ADMIN] };

interface Motd {
  id: string;
  text: string;
}

export const announce: ServerModule = {
  name: 'announce',
  implements: ['XEP-0133 (announce, set-motd, edit-motd, delete-motd)'],
  depends: ['adhoc', 'operators', 'audit'],
  setup(ctx) {
    const adhoc = ctx.require('adhoc');
    const operators = ctx.require('operators');
    const audit = ctx.require('audit');
    const allowed = (requester: Jid) => operators.isOperator(requester);
    const notice = (to: string, subject: string, text: string) => noticeMessage(ctx.domain, to, subject, text);
    const readMotd = async (): Promise<Motd | null> => {
      const stored = await ctx.storage.settings.get(MOTD_KEY);
      return stored ? (JSON.parse(stored) as Motd) : null;
    };
    /** The submitted text, or the note saying why there is none. */
    const textOf = (values: string[]): string | null => {
      const text = values.join('\n').trim();
      return text && text.length <= MAX_TEXT ? text : null;
    };
    const ask = (title: string, fields: DataFormField[], instructions: string): CommandResponse => ({
      status: 'executing',
      form: { type: 'form', title, instructions: [instructions], fields: [formType, ...fields] },
      actions: ['complete'],
    });
    const textField = (name: string, label: string, values: string[] = []): DataFormField => ({ var: name, type: 'text-multi', label, required: true, values });
    const empty: CommandResponse = { status: 'completed', notes: [{ type: 'error', text: `the text is empty or longer than ${MAX_TEXT} characters` }] };

    /** Sends a message to every session online now; returns to how many accounts. */
    const toOnline = async (subject: string, text: string, also?: (user: string) => Promise<void>): Promise<number> => {
      const users = new Set<string>();
      for (const session of [...ctx.sessions.all()]) {
        users.add(session.jid.local);
        await ctx.router.route(notice(session.jid.toString(), subject, text));
      }
      if (also) for (const user of users) await also(user);
      return users.size;
    };

    /** An announcement command: the form (subject, text), then `send` to whom it goes; returns how many accounts. */
    const announcement = (command: string, label: string, title: string, instructions: string, action: string, target: string, send: (subject: string, text: string) => Promise<number>, reach: (count: number) => string) =>
      adhoc.register({
        node: command,
        name: label,
        allowed,
        async execute({ requester, form }) {
          if (!form) return ask(title, [{ var: 'subject', type: 'text-single', label: 'Subject', values: ['Announcement'] }, textField('announcement', 'Announcement')], instructions);
          const text = textOf(formValues(form, 'announcement'));
          if (!text) return empty;
          const reached = await send(formValue(form, 'subject')?.trim() || 'Announcement', text);
          await audit.record(requester, action, target, `${reached} account(s)`);
          return { status: 'completed', notes: [{ type: 'info', text: reach(reached) }] };
        },
      });
    announcement(node('announce'), 'Send an announcement to online users', 'Making an announcement', 'Every device connected now gets it.', 'announce', 'online users', (subject, text) => toOnline(subject, text), (n) => `sent to ${n} online account${n === 1 ? '' : 's'}`);
    announcement(ANNOUNCE_ALL_NODE, 'Send an announcement to all users', 'Announcing to everyone', 'Every account gets it: at once if online, otherwise at its next login.', 'announce-all', 'all users', async (subject, text) => {
      const users = await ctx.accounts.list();
      // To the bare JID: the available resources get it now, the others from offline storage.
      for (const user of users) await ctx.router.route(notice(`${user}@${ctx.domain}`, subject, text));
      return users.length;
    }, (n) => `sent to ${n} account${n === 1 ? '' : 's'}`);

    const setMotd = (name: 'set-motd' | 'edit-motd', label: string) =>
      adhoc.register({
        node: node(name),
        name: label,
        allowed,
        async execute({ requester, form }) {
          if (!form) {
            const current = await readMotd();
            return ask(name === 'set-motd' ? 'Setting the message of the day' : 'Editing the message of the day', [textField('motd', 'Message of the day', name === 'edit-motd' && current ? current.text.split('\n') : [])], 'Everyone online gets it now, everyone else once at their next login.');
          }
          const text = textOf(formValues(form, 'motd'));
          if (!text) return empty;
          const motd: Motd = { id: randomBytes(9).toString('base64url'), text };
          await ctx.storage.settings.set(MOTD_KEY, JSON.stringify(motd));
          const reached = await toOnline('Message of the day', text, (user) => ctx.storage.accounts.setMotdSeen(user, motd.id));
          await audit.record(requester, name, 'message of the day', text.slice(0, 100));
          return { status: 'completed', notes: [{ type: 'info', text: `the message of the day is set; sent to ${reached} online account${reached === 1 ? '' : 's'}` }] };
        },
      });
    setMotd('set-motd', 'Set the message of the day');
    setMotd('edit-motd', 'Edit the message of the day');

    adhoc.register({
      node: node('delete-motd'),
      name: 'Delete the message of the day',
      allowed,
      async execute({ requester }) {
        const deleted = await ctx.storage.settings.delete(MOTD_KEY);
        if (deleted) await audit.record(requester, 'delete-motd', 'message of the day');
        return { status: 'completed', notes: [{ type: 'info', text: deleted ? 'the message of the day is deleted' : 'there was no message of the day' }] };
      },
    });

    ctx.hooks.on('session/bound', ({ session }) => void sendMotd(ctx, session.jid, readMotd));
  },
};

/** A notice from the service: a normal message from the domain, with a subject. */
function noticeMessage(domain: string, to: string, subject: string, text: string) {
  return xml('message', { from: domain, to, type: 'normal', id: randomBytes(9).toString('base64url') }, xml('subject', {}, subject), xml('body', {}, text));
}

/** The message of the day, once per account and version, to the session that just logged in. */
async function sendMotd(ctx: ModuleContext, user: Jid, readMotd: () => Promise<Motd | null>): Promise<void> {
  try {
    const motd = await readMotd();
    if (!motd || (await ctx.storage.accounts.motdSeen(user.local)) === motd.id) return;
    await ctx.storage.accounts.setMotdSeen(user.local, motd.id);
    await ctx.router.route(noticeMessage(ctx.domain, user.toString(), 'Message of the day', motd.text));
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not send the message of the day');
  }
}
