/**
 * The group chat service as its operators reach it outside XMPP
 * (`conexizan room …`): the same actions as the operators' ad-hoc commands
 * (operator.ts). Operators see names, settings and who owns a room, never
 * messages.
 */
export interface RoomOperations {
  /** the service's domain, e.g. conference.example.org */
  readonly service: string;
  /** one line per room, by name: its address, how many are in it, its kind */
  list(): string[];
  /** the room a JID names, or why there is none */
  find(address: string): OperatorRoom | string;
  /**
   * For abuse reports: the account behind an occupant's address
   * (room@service/nick) while it is in the room, or the one that registered
   * the nick; null if neither is known.
   */
  whoIs(occupant: string): string | null;
}

export interface OperatorRoom {
  readonly jid: string;
  /** its settings, owners and admins, how many members and bans: one line each */
  details(): string[];
  /** Closing puts everyone out (status 307) and keeps everyone but operators out; reopening lifts that. */
  setClosed(closed: boolean): Promise<void>;
  /** Destroys the room and its archive, telling anyone in it why and where to go (XEP-0045 §10.9). */
  destroy(reason?: string, venue?: string): Promise<void>;
}

declare module '../../core/services.ts' {
  interface Services {
    muc: RoomOperations;
  }
}
