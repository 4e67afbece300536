import type { Jid } from '@conexizan/protocol';
import type { SessionEvent } from '../../core/events.ts';

/**
 * What other modules may use of presence (RFC 6121 §4): the 'presence'
 * service, and `presence/initial` (fireAll) after a resource's initial
 * presence went out (§4.2), e.g. for offline messages to follow it.
 */
export interface Presence {
  /** Sends the current presence of each available resource of `user` to `contact` (e.g. once it may see it again). */
  sendCurrent(user: Jid, contact: string): Promise<void>;
}

declare module '../../core/events.ts' {
  interface HookEvents {
    'presence/initial': SessionEvent;
  }
}

declare module '../../core/services.ts' {
  interface Services {
    presence: Presence;
  }
}
