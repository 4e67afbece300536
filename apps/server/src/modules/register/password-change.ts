import { buildDataForm, errorReply, formType, formValue, NS, parseDataForm, StanzaError, xml, type Element, type Jid } from '@conexizan/protocol';
import type { Config } from '../../config/schema.ts';

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
 * cannot guess the password through this form faster than through a login.
 * In memory only; a success clears the count.
 */
const WINDOW_MS = 15 * 60_000;

export class CurrentPasswordGuesses {
  readonly #failures = new Map<string, number[]>();
  constructor(readonly allowed: number) {}

  blocked(user: string, now = Date.now()): boolean {
    return this.#recent(user, now).length >= this.allowed;
  }

  failed(user: string, now = Date.now()): void {
    const recent = this.#recent(user, now);
    recent.push(now);
    this.#failures.set(user, recent);
    if (this.#failures.size > 10_000) for (const [key, times] of this.#failures) if (times.every((t) => now - t >= WINDOW_MS)) this.#failures.delete(key);
  }

  succeeded(user: string): void {
    this.#failures.delete(user);
  }

  #recent(user: string, now: number): number[] {
    return (this.#failures.get(user) ?? []).filter((t) => now - t < WINDOW_MS);
  }
}
