/**
 * The group chat service as its operators reach it outside XMPP
 * (`conexizan room …`): the same actions as the operators' ad-hoc commands
 * (operator.ts). Operators see names, settings and who owns a room, never
 * messages.
 */
/** What other code may ask the group chat service (abuse reports name rooms and occupants). */
export interface RoomOperations {
  /** the service's domain, e.g. conference.example.org */
  readonly service: string;
  /**
   * The account behind an occupant's address (room@service/nick) while it
   * is in the room, or the one that registered the nick; null if neither is known.
   */
  whoIs(occupant: string): string | null;
}

declare module '../../core/services.ts' {
  interface Services {
    muc: RoomOperations;
  }
}
