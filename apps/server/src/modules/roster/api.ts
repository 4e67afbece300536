import type { Jid } from '@conexizan/protocol';
import type { RosterItem } from '@conexizan/storage';

/**
 * What other modules may use of the roster (RFC 6121 §2): the presence
 * module changes subscription states and tells the user's interested
 * resources with a roster push, exactly as a roster set does.
 */
export interface Roster {
  /** RFC 6121 §2.1.6: a roster push of `item` (or its removal) at `version` to every interested resource of `user`. */
  push(user: Jid, item: RosterItem | { jid: string; removed: true }, version: string): Promise<void>;
}

declare module '../../core/services.ts' {
  interface Services {
    roster: Roster;
  }
}
