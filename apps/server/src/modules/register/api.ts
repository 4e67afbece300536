import type { UnauthenticatedStream } from '../../core/events.ts';

/**
 * The registration module's extension point: with `registration = "invite"`
 * nobody registers without an invitation, and what an invitation is belongs
 * to the module that hands them out (modules/invites, XEP-0445). That module
 * depends on 'register' and plugs its Invitations in; without it, invite
 * mode lets nobody register.
 */
export interface Registration {
  useInvitations(invitations: Invitations): void;
  /**
   * Creates an account asked for outside XMPP (the website's form, for
   * browsers without JavaScript) under the same rules as in-band
   * registration: the mode, an invitation's token where one is needed, the
   * reserved names, the per-address limit, the delay, the account rules.
   */
  registerFromWeb(request: WebRegistration): Promise<{ ok: true; username: string } | { ok: false; reason: RegistrationRefusal }>;
}

export interface WebRegistration {
  username: string;
  password: string;
  /** the per-address limits' key of the browser's address (HttpRequest.sourceKey) */
  sourceKey: string;
  /** when the form was given out (ms since the epoch): the delay of open registration counts from then */
  askedAt: number;
  /** an invitation's token, if the form came from an invitation */
  invitation: string | null;
}

/** Why a registration was refused: the rules of registration, then the account rules (AccountService). */
export type RegistrationRefusal =
  | 'closed' | 'invitation-needed' | 'invitation-invalid' | 'missing' | 'reserved-name' | 'rate-limited'
  | 'invalid-username' | 'weak-password' | 'exists' | 'reserved';

export interface Invitations {
  /** The stream presented an invitation that the server accepted. */
  accepted(stream: UnauthenticatedStream): boolean;
  /**
   * Creates the account with the stream's invitation, using it up; a
   * refused username or password leaves it usable. Throws a StanzaError
   * (not-allowed) when there is no invitation (any more).
   */
  registerWith<T>(stream: UnauthenticatedStream, create: () => Promise<T>): Promise<T>;
  /** After an open registration: a presented invitation is used up too, so it cannot make another account. */
  useUp(stream: UnauthenticatedStream): Promise<void>;
  /**
   * Creates the account with the invitation of this token, using it up (the
   * website's form); null when the token is unknown, used or expired. A
   * refused username or password leaves it usable.
   */
  registerWithToken<T>(token: string, create: () => Promise<T>): Promise<T | null>;
}

declare module '../../core/services.ts' {
  interface Services {
    register: Registration;
  }
}
