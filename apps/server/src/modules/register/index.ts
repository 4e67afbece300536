import { iqResult, NS, StanzaError, xml, type Element } from '@conexizan/protocol';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { UnauthenticatedStream } from '../../core/events.ts';
import { AccountError } from '../../accounts/account-service.ts';
import { iqErrorReply, NO_REPLY } from '../../core/iq.ts';
import { runPeriodically } from '../../core/periodic.ts';
import type { Invitations, RegistrationRefusal } from './api.ts';
import type { Origin } from '../../core/router.ts';
import { CurrentPasswordGuesses, needsCurrentPassword, parsePasswordChange, passwordFormError } from './password-change.ts';
import { registrationInstructions } from './instructions.ts';
import { sendRegistrationDigest } from './digest.ts';
import { Refused, registerAccount, type RegistrationRules } from './registration.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/**
 * XEP-0077 In-Band Registration with nothing but a username and a password:
 * register before authentication, change the password (browsers must give
 * the current one, see password-change.ts) and cancel the account after it.
 * Honours `registration` (open / invite / closed); in 'invite' mode a stream
 * needs an invitation first: the module that hands them out plugs in through
 * the 'register' service (api.ts; XEP-0445, modules/invites). The website's
 * form registers through the same service, under the same rules
 * (registration.ts).
 *
 * The operator's policy (`registration_policy`): names reserved for the
 * service (admin, abuse, support… and the operator's own) cannot be taken
 * in-band (operators may still create them); open registration may be
 * slowed down (delay_seconds: the answer waits until that long after the
 * stream first asked to register, so every account costs a bot that much
 * time on one of the few connections its address may hold: a delay, no
 * proof of being human); and the admins get a digest of new accounts
 * (digest.ts).
 */
export const BUILT_IN_RESERVED_NAMES = ['admin', 'abuse', 'support', 'postmaster', 'hostmaster', 'webmaster', 'root', 'security', 'noc', 'info', 'abuse-reports'];
const HOUR_MS = 3_600_000;
const FIRST_ASKED = 'register:first-asked';
export const register: ServerModule = {
  name: 'register',
  implements: ['XEP-0077'],
  depends: ['operators'],
  provides: ['register'],
  setup(ctx) {
    const policy = ctx.config.registration_policy;
    const reserved = new Set([...BUILT_IN_RESERVED_NAMES, ...policy.reserved_names].map((name) => safePrep(ctx, name)).filter((name): name is string => !!name));
    // The answer must come before the stream's authentication time runs out.
    const delayMs = Math.min(policy.delay_seconds, Math.max(0, ctx.config.limits.unauthenticated_seconds - 5)) * 1000;
    if (delayMs < policy.delay_seconds * 1000) ctx.log.warn({ delay_seconds: delayMs / 1000 }, 'registration_policy.delay_seconds is cut to fit within limits.unauthenticated_seconds');
    // Registrations per source address and hour, counted where the login throttle counts
    // (ctx.counters: shared by every node of a cluster): a burst of that many, then one more every hour / N.
    const perHour = ctx.config.limits.registrations_per_hour;
    const allow = async (sourceKey: string) => perHour > 0 && (await ctx.counters.take(`register:${sourceKey}`, { capacity: perHour, refillMs: 3_600_000 / perHour })) === 0;
    const rules: RegistrationRules = { reserved, delayMs, allow };
    if (policy.digest_hours > 0) {
      runPeriodically(ctx, 'sending the registration digest', HOUR_MS / 4, () => sendRegistrationDigest(ctx, ctx.require('operators'), policy.digest_hours * HOUR_MS));
    }
    let invitations: Invitations | null = null;
    ctx.provide('register', {
      useInvitations: (plugged) => void (invitations = plugged),
      async registerFromWeb({ username, password, sourceKey, askedAt, invitation }) {
        try {
          const created = await registerAccount(ctx, invitations, rules, { username, password, sourceKey, askedAt, invitation: invitation ? { token: invitation } : null, via: 'website' });
          return { ok: true, username: created };
        } catch (error) {
          if (error instanceof Refused) return { ok: false, reason: error.reason };
          if (error instanceof AccountError && isRefusal(error.reason)) return { ok: false, reason: error.reason };
          throw error;
        }
      },
    });
    const mode = ctx.config.registration;
    ctx.features.addFeature('server', NS.REGISTER);
    if (mode !== 'closed') {
      ctx.features.addStreamFeature(({ stage }) => (stage === 'pre-auth' ? xml('register', { xmlns: NS.REGISTER_FEATURE }) : null));
    }

    ctx.hooks.on('c2s/pre-auth-iq', async ({ stanza, stream }) => {
      const query = stanza.getChild('query', NS.REGISTER);
      if (!query) return undefined;
      try {
        const payload = await preAuthRegistration(ctx, invitations, stanza, query, stream, rules);
        stream.send(iqResult(stanza, payload ?? undefined));
      } catch (error) {
        const stanzaError = error instanceof AccountError || error instanceof Refused ? error.toStanzaError() : error;
        if (!(stanzaError instanceof StanzaError)) throw error;
        stream.send(iqErrorReply(stanza, stanzaError));
      }
      return true;
    });

    ctx.iq.on('get', ['self', 'host'], NS.REGISTER, 'query', ({ from }) =>
      xml('query', { xmlns: NS.REGISTER }, xml('registered'), xml('username', {}, from.local), xml('password')),
    );
    const guesses = new CurrentPasswordGuesses(ctx.counters, ctx.config.limits.failed_logins_per_account);
    ctx.iq.on('set', ['self', 'host'], NS.REGISTER, 'query', async ({ from, payload, stanza, origin }) => {
      if (payload.getChild('remove')) {
        // Contacts are told (account/deleting) before the account goes, so no roster
        // elsewhere keeps a subscription to a name someone else may own once its reservation ends.
        await ctx.accounts.remove(from.local);
        ctx.log.info('account deleted by its owner');
        // XEP-0077 §3.2: answer, then end every stream of the deleted account.
        const reply = iqResult(stanza);
        reply.attrs.to = from.toString();
        for (const session of await ctx.sessions.resourcesOf(from.bare())) {
          if (session.jid.equals(from)) session.send(reply);
          session.closeWithError('not-authorized', 'the account was deleted');
        }
        // The reply went out already; tell the dispatcher so it does not answer twice.
        return ALREADY_ANSWERED;
      }
      const { username, password, oldPassword } = parsePasswordChange(payload);
      if (!password) throw new StanzaError('bad-request', { text: 'a new password is required' });
      if (username && safePrep(ctx, username) !== from.local) throw new StanzaError('not-allowed', { text: 'you can only change your own password' });
      const transport = origin.kind === 'c2s' ? origin.session.transport : undefined;
      if (oldPassword === null && needsCurrentPassword(ctx.config.accounts.password_change_needs_current, transport)) {
        sendReply(origin, passwordFormError(stanza, from, 'give your current password to change it'));
        return ALREADY_ANSWERED;
      }
      if (oldPassword !== null) {
        if (!(await guesses.take(from.local))) throw new StanzaError('policy-violation', { type: 'wait', text: 'too many wrong passwords; try again later' });
        if (!(await ctx.accounts.verifyPassword(from.local, oldPassword))) {
          sendReply(origin, passwordFormError(stanza, from, 'the current password is wrong'));
          return ALREADY_ANSWERED;
        }
        await guesses.succeeded(from.local);
      }
      try {
        await ctx.accounts.changePassword(from.local, password);
      } catch (error) {
        if (error instanceof AccountError) throw error.toStanzaError();
        throw error;
      }
      ctx.log.info('password changed');
    });
  },
};

/** What of the account rules a registration may be told (AccountService.create refuses with these). */
const ACCOUNT_REFUSALS: readonly string[] = ['invalid-username', 'weak-password', 'exists', 'reserved'] satisfies RegistrationRefusal[];
function isRefusal(reason: string): reason is RegistrationRefusal {
  return ACCOUNT_REFUSALS.includes(reason);
}

/** The reply already went out (see core/iq.ts). */
const ALREADY_ANSWERED = xml(NO_REPLY);

function sendReply(origin: Origin, reply: Element): void {
  if (origin.kind === 'c2s') origin.session.send(reply);
}

function safePrep(ctx: ModuleContext, username: string): string | null {
  try {
    return ctx.accounts.prepareUsername(username);
  } catch {
    return null;
  }
}

async function preAuthRegistration(
  ctx: ModuleContext,
  invitations: Invitations | null,
  stanza: Element,
  query: Element,
  stream: UnauthenticatedStream,
  rules: RegistrationRules,
): Promise<Element | null> {
  const mode = ctx.config.registration;
  if (mode === 'closed') throw new Refused('closed');
  if (!stream.state.has(FIRST_ASKED)) stream.state.set(FIRST_ASKED, Date.now());
  if (stanza.attrs.type === 'get') {
    const invited = invitations?.accepted(stream) === true;
    const lang = typeof stanza.attrs['xml:lang'] === 'string' ? stanza.attrs['xml:lang'] : stream.lang;
    const instructions = registrationInstructions(ctx.config, ctx.domain, lang, mode === 'invite' && !invited);
    return xml('query', { xmlns: NS.REGISTER }, xml('instructions', {}, instructions), xml('username'), xml('password'));
  }
  if (stanza.attrs.type !== 'set') throw new StanzaError('bad-request');
  if (query.getChild('remove')) throw new StanzaError('registration-required', { text: 'log in to delete your account' });
  const request = {
    username: query.getChildText('username') ?? '',
    password: query.getChildText('password') ?? '',
    sourceKey: stream.sourceKey,
    askedAt: stream.state.get(FIRST_ASKED) as number,
    invitation: { stream },
    via: 'in-band',
  } as const;
  await registerAccount(ctx, invitations, rules, request);
  return null;
}
