import { buildDataForm, NS, parseDataForm, parseStanzaError, StanzaError, tryParseJid, type Element, type Jid } from '@conexizan/protocol';
import type { PushRegistration } from '@conexizan/storage';
import type { ServerModule } from '../../core/module.ts';
import type { SessionHandle } from '../../core/sessions.ts';
import { isImportant, notificationIq, type PushTarget } from './notification.ts';

/**
 * XEP-0357 push notifications. A client enables an app server (JID, node,
 * optional publish-options) on its account; the server then publishes a
 * content-free notification to it when a message arrives that the client
 * cannot get right now:
 *
 *  - its session is hibernating (XEP-0198: socket gone, resumption pending):
 *    one push per hibernation, to the app servers enabled through that session;
 *  - no resource is available and the message goes to offline storage: a push
 *    to every app server of the account.
 *
 * At most one push per app server every MIN_INTERVAL_MS. An error answer
 * (other than a temporary `wait`) disables the registration (XEP-0357 §8).
 */
export const MAX_REGISTRATIONS = 5;
export const MIN_INTERVAL_MS = 10_000;
const MAX_OPTIONS_CHARS = 4096;
const ANSWER_TIMEOUT_MS = 30_000;

const keyOf = (target: { jid: string; node: string }) => `${target.jid}\u0000${target.node}`;

export const push: ServerModule = {
  name: 'push',
  implements: ['XEP-0357'],
  setup(ctx) {
    ctx.features.addFeature('account', NS.PUSH);

    /** the registrations each session enabled (keys), so a hibernating phone wakes only its own app server */
    const enabledBy = new Map<SessionHandle, Set<string>>();
    /** important messages that reached a session since it last started hibernating */
    const bursts = new Map<SessionHandle, number>();
    /** when each registration (user + key) was last pushed */
    const lastPush = new Map<string, number>();
    /** users whose notified session is ending: its queue goes offline and needs no second push */
    const rescuing = new Map<string, number>();

    ctx.iq.on('set', 'self', NS.PUSH, 'enable', async ({ payload, from, origin }): Promise<true> => {
      const target = parseTarget(payload, true);
      const form = payload.getChild('x', NS.DATA_FORMS);
      let options: string | null = null;
      if (form) {
        const parsed = parseDataForm(form);
        if (parsed.type !== 'submit') throw new StanzaError('bad-request', { type: 'modify', text: 'publish-options must be a submitted form' });
        options = buildDataForm(parsed).toString();
        if (options.length > MAX_OPTIONS_CHARS) throw new StanzaError('not-acceptable', { type: 'modify', text: 'publish-options too large' });
      }
      const registration = { jid: target.jid, node: target.node!, options };
      if (!(await ctx.storage.push.enable(from.local, registration, MAX_REGISTRATIONS))) {
        throw new StanzaError('resource-constraint', { type: 'cancel', text: `at most ${MAX_REGISTRATIONS} push registrations per account` });
      }
      if (origin.kind === 'c2s') {
        const keys = enabledBy.get(origin.session) ?? new Set<string>();
        keys.add(keyOf(registration));
        enabledBy.set(origin.session, keys);
      }
      ctx.log.debug('push enabled');
      return true;
    });

    ctx.iq.on('set', 'self', NS.PUSH, 'disable', async ({ payload, from }): Promise<true> => {
      const target = parseTarget(payload, false);
      await ctx.storage.push.disable(from.local, target.jid, target.node);
      await forget(from, target);
      return true;
    });

    /** Drops in-memory traces of registrations that are gone (node undefined: all of that app server). */
    async function forget(user: Jid, target: { jid: string; node?: string }): Promise<void> {
      const matches = (key: string) => (target.node === undefined ? key.startsWith(`${target.jid}\u0000`) : key === keyOf({ jid: target.jid, node: target.node }));
      for (const session of await ctx.sessions.resourcesOf(user.bare())) {
        const keys = enabledBy.get(session);
        if (keys) for (const key of [...keys]) if (matches(key)) keys.delete(key);
      }
      for (const key of [...lastPush.keys()]) if (key.startsWith(`${user.local}\u0000`) && matches(key.slice(user.local.length + 1))) lastPush.delete(key);
    }

    /** Publishes to each registration not pushed within the interval; answers decide whether it stays. */
    function notify(user: Jid, registrations: PushRegistration[], messageCount: number): void {
      const now = Date.now();
      for (const registration of registrations) {
        const key = `${user.local}\u0000${keyOf(registration)}`;
        const last = lastPush.get(key);
        if (last !== undefined && now - last < MIN_INTERVAL_MS) continue;
        lastPush.set(key, now);
        void publish(user, registration, messageCount);
      }
      if (lastPush.size > 10_000) for (const [key, at] of lastPush) if (now - at >= MIN_INTERVAL_MS) lastPush.delete(key);
    }

    async function publish(user: Jid, target: PushTarget, messageCount: number): Promise<void> {
      let answer: Element;
      try {
        answer = await ctx.iq.request(notificationIq(user, target, messageCount), ANSWER_TIMEOUT_MS);
      } catch (error) {
        ctx.log.debug({ err: error }, 'push: no answer from the app server');
        return;
      }
      if (answer.attrs.type !== 'error') return;
      const error = parseStanzaError(answer);
      if (error?.type === 'wait') return;
      // XEP-0357 §8: the app server refused; stop publishing to it.
      ctx.log.info({ condition: error?.condition }, 'push: app server answered with an error, registration disabled');
      try {
        await ctx.storage.push.disable(user.local, target.jid, target.node);
        await forget(user, target);
      } catch (failure) {
        ctx.log.warn({ err: failure }, 'push: could not disable a registration');
      }
    }

    // A session that loses its socket starts a new hibernation: the next important message pushes again.
    ctx.hooks.on('c2s/transport-lost', ({ session }) => {
      bursts.delete(session);
      return undefined;
    }, 'observe');

    ctx.outbound.add((stanza, session, next) => {
      next(stanza);
      if (!session.hibernating || !isImportant(stanza)) return;
      const keys = enabledBy.get(session);
      if (!keys || keys.size === 0) return;
      const count = (bursts.get(session) ?? 0) + 1;
      bursts.set(session, count);
      if (count > 1) return; // one push per hibernation
      const user = session.jid.bare();
      ctx.storage.push
        .list(user.local)
        .then((registrations) => notify(user, registrations.filter((r) => keys.has(keyOf(r))), count))
        .catch((error: unknown) => ctx.log.warn({ err: error }, 'push: could not read registrations'));
    }, 'notify');

    ctx.hooks.on('message/offline', async ({ event }) => {
      if (!isImportant(event.stanza)) return undefined;
      const user = event.to.bare();
      if (rescuing.has(user.toString())) return undefined;
      const registrations = await ctx.storage.push.list(user.local);
      if (registrations.length > 0) notify(user, registrations, (await ctx.storage.offline.count(user.local)) + 1);
      return undefined; // observe only: offline storage keeps the message
    }, 'observe');

    // A session that moves to another node (stream management) wakes the same app servers there.
    ctx.hooks.on('session/export', ({ session, state }) => {
      const keys = enabledBy.get(session);
      enabledBy.delete(session);
      bursts.delete(session);
      if (keys) state.push = [...keys];
    });
    ctx.hooks.on('session/import', ({ session, state }) => {
      if (Array.isArray(state.push)) enabledBy.set(session, new Set(state.push.map(String)));
    });

    // Around stream management's rescue ('intercept') of a session that ends in hibernation.
    ctx.hooks.on('session/closed', ({ session }) => {
      if ((bursts.get(session) ?? 0) === 0) return;
      const user = session.jid.bare().toString();
      rescuing.set(user, (rescuing.get(user) ?? 0) + 1);
    }, 'observe');
    ctx.hooks.on('session/closed', ({ session }) => {
      if ((bursts.get(session) ?? 0) > 0) {
        const user = session.jid.bare().toString();
        const left = (rescuing.get(user) ?? 1) - 1;
        if (left > 0) rescuing.set(user, left);
        else rescuing.delete(user);
      }
      bursts.delete(session);
      enabledBy.delete(session);
    });
  },
};

/** The app server (jid, required) and node (required to enable, optional to disable) of an enable/disable. */
function parseTarget(payload: Element, nodeRequired: boolean): { jid: string; node?: string } {
  const jid: Jid | null = tryParseJid(payload.attrs.jid as string | undefined);
  if (!jid) throw new StanzaError('bad-request', { type: 'modify', text: 'a valid app server jid is required' });
  const node = payload.attrs.node as string | undefined;
  if (node === '' || (nodeRequired && node === undefined)) throw new StanzaError('bad-request', { type: 'modify', text: 'a node is required' });
  return node === undefined ? { jid: jid.toString() } : { jid: jid.toString(), node };
}
