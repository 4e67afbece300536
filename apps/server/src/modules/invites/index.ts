import { iqResult, NS, StanzaError, xml, type Element } from '@conexizan/protocol';
import { iqErrorReply } from '../../core/iq.ts';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { UnauthenticatedStream } from '../../core/events.ts';
import type { Invites } from './api.ts';
import { createInvite, hashInviteToken, purgeCutoff } from './tokens.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/** XEP-0379's element, which XEP-0445 reuses to present the token. */
/** XEP-0445 §3 stream feature. */
/** The same feature under the name XEP-0401 0.3 used; some clients (Conversations) still look for it. */

const ACCEPTED = 'invites:accepted';
const PURGE_EVERY_MS = 3_600_000;
const MAX_TOKEN_LENGTH = 256;

/** An invitation this stream presented and the server accepted (kept in the stream's state). */
export interface AcceptedInvite {
  tokenHash: string;
  /** when it was presented: expiry is judged at that moment only (XEP-0445 §4) */
  acceptedAt: Date;
  expiresAt: Date;
}

/**
 * XEP-0445 Pre-Authenticated In-Band Registration: before registering, a
 * client presents an invitation token (`<preauth xmlns='urn:xmpp:pars:0'/>`);
 * if it is valid, XEP-0077 registration on that stream is allowed even when
 * `registration` is 'invite', and the invitation is used up when the account
 * is created (see registerWithInvite): this module plugs into the
 * registration module's extension point (register/api.ts). Invitations come
 * from the 'invites' service (`conexizan invite create`, the admin command)
 * as XEP-0401 `xmpp:DOMAIN?register;preauth=TOKEN` links; the XEP-0401
 * ad-hoc commands are not offered.
 */
export const invites: ServerModule = {
  name: 'invites',
  implements: ['XEP-0445'],
  depends: ['register'],
  provides: ['invites'],
  setup(ctx) {
    const service: Invites = {
      create: (validForMs, now) => createInvite(ctx.storage, ctx.domain, validForMs, now),
      count: (now = new Date()) => ctx.storage.invites.count(now),
      purgeExpired: (now = new Date()) => ctx.storage.invites.purgeExpired(purgeCutoff(now, ctx.config.limits.unauthenticated_seconds)),
      async expiresAt(token, now = new Date()) {
        if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
        const expiresAt = await ctx.storage.invites.expiresAt(hashInviteToken(token));
        return expiresAt && expiresAt > now ? expiresAt : null;
      },
    };
    ctx.provide('invites', service);
    const purge = async () => {
      try {
        const purged = await service.purgeExpired();
        if (purged > 0) ctx.log.info({ purged }, 'expired invitations purged');
      } catch (error) {
        ctx.log.warn({ err: error }, 'could not purge expired invitations');
      }
    };
    const timer = setInterval(() => void purge(), PURGE_EVERY_MS);
    timer.unref();
    ctx.onStop(() => clearInterval(timer));
    ctx.hooks.on('server/started', () => void purge());

    if (ctx.config.registration === 'closed') return;
    ctx.require('register').useInvitations({
      accepted: (stream) => acceptedInvite(stream) !== null,
      registerWith: (stream, create) => registerWithInvite(ctx, stream, create),
      registerWithToken: async (token, create) => {
        const invite = await validInvite(ctx, token, new Date());
        if (!invite) return null;
        try {
          return await useInvite(ctx, invite, create);
        } catch (error) {
          // The invitation is lost (logged); the caller hears why the account was not made, as over a stream.
          throw error instanceof InvitationNotRestored ? error.cause : error;
        }
      },
      useUp: (stream) => useUpInvite(ctx, stream),
    });

    ctx.features.addStreamFeature(({ stage }) => (stage === 'pre-auth' ? xml('register', { xmlns: NS.IBR_TOKEN }) : null));
    ctx.features.addStreamFeature(({ stage }) => (stage === 'pre-auth' ? xml('register', { xmlns: NS.INVITE_LEGACY }) : null));

    ctx.hooks.on('c2s/pre-auth-iq', async ({ stanza, stream }) => {
      const preauth = stanza.getChild('preauth', NS.PARS);
      if (!preauth) return undefined;
      try {
        await presentToken(ctx, stanza, preauth, stream);
        stream.send(iqResult(stanza));
      } catch (error) {
        if (!(error instanceof StanzaError)) throw error;
        stream.send(iqErrorReply(stanza, error));
      }
      return true;
    });
  },
};

async function presentToken(ctx: ModuleContext, stanza: Element, preauth: Element, stream: UnauthenticatedStream): Promise<void> {
  if (stanza.attrs.type !== 'set') throw new StanzaError('bad-request', { text: 'present an invitation with an iq of type set' });
  const token = preauth.attrs.token;
  if (typeof token !== 'string' || token === '') throw new StanzaError('bad-request', { text: 'the token is missing' });
  const accepted = await validInvite(ctx, token, new Date());
  // XEP-0445 §4: unknown, used and expired tokens all get item-not-found.
  if (!accepted) throw new StanzaError('item-not-found', { type: 'cancel', text: 'the invitation is invalid, used or expired' });
  stream.state.set(ACCEPTED, accepted);
  ctx.log.debug('invitation accepted for registration');
}

/** The invitation of this token, presented `now`, or null if it is unknown, used or expired. */
async function validInvite(ctx: ModuleContext, token: string, now: Date): Promise<AcceptedInvite | null> {
  const tokenHash = hashInviteToken(token);
  const expiresAt = token.length <= MAX_TOKEN_LENGTH ? await ctx.storage.invites.expiresAt(tokenHash) : null;
  return expiresAt && expiresAt > now ? { tokenHash, acceptedAt: now, expiresAt } : null;
}

/** The invitation this stream presented, if any. */
function acceptedInvite(stream: UnauthenticatedStream): AcceptedInvite | null {
  return (stream.state.get(ACCEPTED) as AcceptedInvite | undefined) ?? null;
}

/**
 * Creates an account with the stream's invitation, using the invitation up:
 * it is consumed first (of streams racing with one token, only one gets
 * here), and put back if creating the account fails, so a refused username
 * or password does not waste it. Throws not-allowed if the invitation is
 * gone meanwhile.
 */
async function registerWithInvite<T>(ctx: ModuleContext, stream: UnauthenticatedStream, create: () => Promise<T>): Promise<T> {
  const invite = acceptedInvite(stream);
  if (!invite) throw new StanzaError('not-allowed', { text: 'registration needs an invitation on this server' });
  let result: T | null;
  try {
    result = await useInvite(ctx, invite, create);
  } catch (error) {
    if (error instanceof InvitationNotRestored) stream.state.delete(ACCEPTED);
    throw error instanceof InvitationNotRestored ? error.cause : error;
  }
  stream.state.delete(ACCEPTED);
  if (result === null) throw new StanzaError('not-allowed', { text: 'the invitation has been used meanwhile' });
  return result;
}

/** Creating the account failed, and its invitation could not be put back. */
class InvitationNotRestored extends Error {}

/**
 * Uses the invitation up and creates the account: consumed first (of
 * requests racing with one token, only one gets here), put back if creating
 * the account fails, so a refused username or password does not waste it.
 * Null if the invitation is gone meanwhile.
 */
async function useInvite<T>(ctx: ModuleContext, invite: AcceptedInvite, create: () => Promise<T>): Promise<T | null> {
  if (!(await ctx.storage.invites.consume(invite.tokenHash, invite.acceptedAt))) return null;
  try {
    return await create();
  } catch (error) {
    try {
      await ctx.storage.invites.create(invite.tokenHash, invite.expiresAt);
    } catch (restoreError) {
      ctx.log.error({ err: restoreError }, 'could not put an unused invitation back');
      throw new InvitationNotRestored('the invitation could not be put back', { cause: error });
    }
    throw error;
  }
}

/** After an open registration: a presented invitation is used up too, so it cannot make another account. */
async function useUpInvite(ctx: ModuleContext, stream: UnauthenticatedStream): Promise<void> {
  const invite = acceptedInvite(stream);
  if (!invite) return;
  stream.state.delete(ACCEPTED);
  try {
    await ctx.storage.invites.consume(invite.tokenHash, invite.acceptedAt);
  } catch (error) {
    // The account exists: say so to the client, and leave the invitation to expire.
    ctx.log.warn({ err: error }, 'could not use up an invitation after an open registration');
  }
}
