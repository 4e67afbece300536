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
}

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
}

declare module '../../core/services.ts' {
  interface Services {
    register: Registration;
  }
}
