import { StanzaError } from '@conexizan/protocol';
import { AccountError } from '../../accounts/account-service.ts';
import type { ModuleContext } from '../../core/module.ts';
import type { UnauthenticatedStream } from '../../core/events.ts';
import type { Invitations, RegistrationRefusal } from './api.ts';

/**
 * The rules every new account is made under, whichever way it is asked for
 * (in-band on an XMPP stream, or the website's form for browsers without
 * JavaScript): the registration mode, an invitation where one is needed
 * (and it is used up), the names reserved for the service, the per-address
 * limit, the delay of open registration, and the account rules of
 * AccountService.create (valid name, one script, not recently deleted,
 * password strength).
 */
export interface RegistrationRules {
  /** prepared names nobody registers (operators may still create them) */
  reserved: Set<string>;
  /** an open registration is answered no sooner than this after it was first asked for */
  delayMs: number;
  /** takes one registration from the source's hourly allowance; false when it is used up */
  allow(sourceKey: string): Promise<boolean>;
}

export interface RegistrationRequest {
  username: string;
  password: string;
  /** the per-address limits' key of where it comes from (never the address itself) */
  sourceKey: string;
  /** when it was first asked for (the stream's first register query, the form's page), in ms since the epoch */
  askedAt: number;
  /** the invitation: one the stream presented (XEP-0445), or a token sent with the website's form */
  invitation: { stream: UnauthenticatedStream } | { token: string } | null;
  /** for the log */
  via: 'in-band' | 'website';
}

/** A registration refused for a reason the asker can be told (the account rules refuse with AccountError). */
export class Refused extends Error {
  constructor(readonly reason: Exclude<RegistrationRefusal, AccountError['reason']>, readonly username = '') {
    super(reason);
    this.name = 'Refused';
  }

  /** XEP-0077's answer on a stream. */
  toStanzaError(): StanzaError {
    switch (this.reason) {
      case 'closed':
        return new StanzaError('service-unavailable', { text: 'registration is closed on this server' });
      case 'invitation-needed':
        return new StanzaError('not-allowed', { text: 'registration needs an invitation on this server' });
      case 'invitation-invalid':
        return new StanzaError('not-allowed', { text: 'the invitation is invalid, used or expired' });
      case 'missing':
        return new StanzaError('not-acceptable', { text: 'a username and a password are required' });
      case 'reserved-name':
        return new StanzaError('conflict', { type: 'cancel', text: `the name ${this.username} is reserved for the service` });
      case 'rate-limited':
        return new StanzaError('policy-violation', { type: 'wait', text: 'too many registrations from your address; try again later' });
    }
  }
}

/** Creates the account or throws Refused, AccountError (the account rules) or the invitations' StanzaError. Returns the prepared username. */
export async function registerAccount(ctx: ModuleContext, invitations: Invitations | null, rules: RegistrationRules, request: RegistrationRequest): Promise<string> {
  const mode = ctx.config.registration;
  if (mode === 'closed') throw new Refused('closed');
  const { username, password, invitation } = request;
  const presented = invitation !== null && ('token' in invitation || invitations?.accepted(invitation.stream) === true);
  if (mode === 'invite' && !presented) throw new Refused('invitation-needed');
  if (!username || !password) throw new Refused('missing');
  if (rules.reserved.has(ctx.accounts.prepareUsername(username))) throw new Refused('reserved-name', username);
  // A password the account rules refuse costs no allowance and no invitation (it gives nothing away to check first).
  ctx.accounts.checkPassword(password);
  const create = () => ctx.accounts.create(username, password);
  if (invitation && 'token' in invitation) {
    // The invitation is the operator's consent, so the per-source limit does
    // not apply: a group onboarded together often shares one address.
    const created = invitations ? await invitations.registerWithToken(invitation.token, create) : null;
    if (created === null) throw new Refused('invitation-invalid');
    ctx.log.info({ via: request.via }, 'account registered with an invitation');
    return created;
  }
  if (mode === 'invite') {
    const created = await invitations!.registerWith(invitation!.stream, create);
    ctx.log.info({ via: request.via }, 'account registered with an invitation');
    return created;
  }
  if (!(await rules.allow(request.sourceKey))) throw new Refused('rate-limited');
  const wait = request.askedAt + rules.delayMs - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const created = await create();
  if (invitation) await invitations?.useUp(invitation.stream);
  ctx.log.info({ via: request.via }, 'account registered');
  return created;
}
