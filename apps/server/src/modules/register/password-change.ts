import { buildDataForm, errorReply, formType, formValue, NS, parseDataForm, StanzaError, xml, type Element, type Jid } from '@conexizan/protocol';
import type { Config } from '../../config/schema.ts';
import type { Bucket, ThrottleStore } from '../../core/throttle-store.ts';

/**
 * Whether a password change must prove the current password, and the proof.
 *
 * XEP-0077 §3.3 changes a password with just the new one; a server that
 * wants more answers `not-authorized` (type modify) with a form of type
 * jabber:iq:register:changepassword asking for `old_password`, and the client
 * submits that form (Gajim does, as our web client does). Native apps that
 * keep the password (Conversations, Monal, Dino) send the plain request and
 * guard it with their own "current password" field, so by default only
 * browser sessions (WebSocket, BOSH) must prove it: a browser left open, or
 * one that stays logged in with only a SCRAM key saved, must not let
 * whoever sits at it lock the owner out.
 */
export const CHANGE_PASSWORD_FORM = 'jabber:iq:register:changepassword';
const BROWSER_TRANSPORTS = new Set(['ws', 'wss', 'bosh', 'boshs']);

export function needsCurrentPassword(policy: Config['accounts']['password_change_needs_current'], transport: string | undefined): boolean {
  if (policy === 'always') return true;
  if (policy === 'never') return false;
  return transport === undefined || BROWSER_TRANSPORTS.has(transport);
}

export interface PasswordChangeRequest {
  username: string | null;
  password: string | null;
  /** the current password, when the request is the XEP-0077 form that carries it */
  oldPassword: string | null;
}

/** The plain XEP-0077 request (username, password) or the submitted change-password form. */
export function parsePasswordChange(query: Element): PasswordChangeRequest {
  const x = query.getChild('x', NS.DATA_FORMS);
  if (x) {
    const form = parseDataForm(x);
    if (form.type !== 'submit' || formType(form) !== CHANGE_PASSWORD_FORM) throw new StanzaError('bad-request', { text: `expected a submitted ${CHANGE_PASSWORD_FORM} form` });
    return { username: formValue(form, 'username') ?? null, password: formValue(form, 'password') ?? null, oldPassword: formValue(form, 'old_password') ?? null };
  }
  return { username: query.getChildText('username'), password: query.getChildText('password'), oldPassword: null };
}

/** XEP-0077 §3.3 Example 18: not-authorized (modify) with the form that asks for the current password. */
export function passwordFormError(stanza: Element, user: Jid, text: string): Element {
  const form = buildDataForm({
    type: 'form',
    title: 'Password change',
    instructions: ['Enter your current password to change it.'],
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: [CHANGE_PASSWORD_FORM] },
      { var: 'username', type: 'text-single', label: 'Username', required: true, values: [user.local] },
      { var: 'old_password', type: 'text-private', label: 'Current password', required: true, values: [] },
      { var: 'password', type: 'text-private', label: 'New password', required: true, values: [] },
    ],
  });
  const request = xml('iq', { ...stanza.attrs }, xml('query', { xmlns: NS.REGISTER }, form));
  const reply = errorReply(request, 'not-authorized', { type: 'modify', text });
  reply.attrs.to = user.toString();
  return reply;
}

/**
 * Wrong current passwords per account, so that someone at an open session
 * cannot guess the password through this form faster than through a login:
 * `allowed` in a burst, one more every 15 minutes / `allowed`. Counted in
 * ctx.counters (in memory, or in Redis for every node of a cluster); each
 * guess is paid for before the check, a right one is given back.
 */
const WINDOW_MS = 15 * 60_000;

export class CurrentPasswordGuesses {
  readonly #counters: ThrottleStore;
  readonly #bucket: Bucket;

  constructor(counters: ThrottleStore, allowed: number) {
    this.#counters = counters;
    this.#bucket = { capacity: allowed, refillMs: WINDOW_MS / allowed };
  }

  /** false: too many wrong guesses lately, do not check this one. */
  async take(user: string): Promise<boolean> {
    return (await this.#counters.take(`password-guess:${user}`, this.#bucket)) === 0;
  }

  /** The guess was right: it does not count. */
  async succeeded(user: string): Promise<void> {
    await this.#counters.refund(`password-guess:${user}`, this.#bucket);
  }
}
