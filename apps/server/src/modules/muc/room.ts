import { createHmac, randomBytes } from 'node:crypto';
import type { Affiliation, Element, Jid, Role } from '@conexizan/protocol';

/**
 * One XEP-0045 room: what is stored (configuration, affiliations, subject,
 * avatar) and what lives only while people are in it (occupants, roles,
 * recent history). The room knows its rules; sending stanzas is left to
 * the handlers in presence.ts, messages.ts and admin.ts.
 */
export type { Affiliation, Role };
export type Whois = 'moderators' | 'anyone';
export type AllowPm = 'anyone' | 'participants' | 'moderators' | 'none';

const AFFILIATION_RANK: Record<Affiliation, number> = { owner: 4, admin: 3, member: 2, none: 1, outcast: 0 };

export interface RoomConfig {
  name: string;
  description: string;
  language: string;
  persistent: boolean;
  public: boolean;
  membersOnly: boolean;
  moderated: boolean;
  /** '' when the room has no password */
  password: string;
  whois: Whois;
  maxUsers: number;
  changeSubject: boolean;
  allowInvites: boolean;
  allowPm: AllowPm;
  archiving: boolean;
  /** muc#roomconfig_presencebroadcast: whose presence the others see (everyone always sees their own) */
  presenceBroadcast: Exclude<Role, 'none'>[];
  /** muc#roomconfig_getmemberlist: occupants in these roles may read who belongs (owners and admins always may) */
  getMemberList: Exclude<Role, 'none'>[];
}

export interface AffiliationEntry {
  affiliation: Exclude<Affiliation, 'none'>;
  reason?: string;
  /** the nick this person registered in the room (§7.10); nobody else may use it */
  nick?: string;
}

/** What a persistent room keeps across restarts (stored as JSON). */
export interface StoredRoomState {
  config: RoomConfig;
  /** bare JID → affiliation other than 'none' */
  affiliations: Record<string, AffiliationEntry>;
  subject: { text: string; nick: string } | null;
  /** the room's vCard (XEP-0054, with its avatar) and the SHA-1 of the photo, if any */
  vcard: { xml: string; photoHash: string | null } | null;
  /** bare JID of whoever created the room (counts against their room limit) */
  creator: string;
  /** keys XEP-0421 occupant ids, so they stay stable for a person but mean nothing elsewhere */
  occupantIdSecret: string;
  /** an operator closed it: nobody but operators may enter */
  closed?: boolean;
}

export interface OccupantSession {
  jid: Jid;
  /** the last available presence this session sent to the room */
  presence: Element;
  /** XEP-0045 §7.2.16: whether the client said <x xmlns='…/muc'/> when it joined (MUC-aware) */
  joinedAt: number;
}

export class Occupant {
  readonly sessions = new Map<string, OccupantSession>();
  /** token bucket for the message rate limit */
  tokens: number;
  refilledAt = Date.now();

  constructor(
    public nick: string,
    readonly realBare: Jid,
    public role: Role,
    burst: number,
  ) {
    this.tokens = burst;
  }

  /** the session whose presence the room shows (the most recent to join or update) */
  primary(): OccupantSession {
    let best: OccupantSession | undefined;
    for (const session of this.sessions.values()) if (!best || session.joinedAt >= best.joinedAt) best = session;
    return best!;
  }
}

export interface HistoryEntry {
  /** the message as broadcast, without 'to' */
  stanza: Element;
  at: Date;
  /** characters in the serialised stanza, for <history maxchars/> */
  chars: number;
}

export class Room {
  readonly occupants = new Map<string, Occupant>();
  /** full real JID → nick */
  readonly nickOf = new Map<string, string>();
  history: HistoryEntry[] = [];
  /** §10.1.2: a new room stays locked until its owner configures it (or accepts the defaults). */
  locked = false;

  constructor(
    readonly jid: Jid,
    public state: StoredRoomState,
  ) {}

  static fresh(jid: Jid, config: RoomConfig, creator: Jid): Room {
    const bare = creator.bare().toString();
    return new Room(jid, { config, affiliations: { [bare]: { affiliation: 'owner' } }, subject: null, vcard: null, creator: bare, occupantIdSecret: randomBytes(32).toString('base64') });
  }

  get config(): RoomConfig {
    return this.state.config;
  }

  affiliationOf(jid: Jid | string): Affiliation {
    const bare = typeof jid === 'string' ? jid : jid.bare().toString();
    return this.state.affiliations[bare]?.affiliation ?? 'none';
  }

  setAffiliation(bare: string, affiliation: Affiliation, reason?: string): void {
    // A registered nick stays with the person while they keep an affiliation.
    const nick = this.state.affiliations[bare]?.nick;
    if (affiliation === 'none') delete this.state.affiliations[bare];
    else this.state.affiliations[bare] = { affiliation, ...(reason ? { reason } : {}), ...(nick && affiliation !== 'outcast' ? { nick } : {}) };
  }

  /** The bare JID that registered this nick, if anyone did. */
  nickOwner(nick: string): string | undefined {
    for (const [jid, entry] of Object.entries(this.state.affiliations)) if (entry.nick === nick) return jid;
    return undefined;
  }

  owners(): string[] {
    return Object.entries(this.state.affiliations)
      .filter(([, entry]) => entry.affiliation === 'owner')
      .map(([jid]) => jid);
  }

  withAffiliation(affiliation: Affiliation): { jid: string; reason?: string }[] {
    return Object.entries(this.state.affiliations)
      .filter(([, entry]) => entry.affiliation === affiliation)
      .map(([jid, entry]) => ({ jid, ...(entry.reason ? { reason: entry.reason } : {}) }))
      .sort((a, b) => a.jid.localeCompare(b.jid));
  }

  /** §5.1.2: the role someone gets on entering, from their affiliation and the room's rules. */
  defaultRole(affiliation: Affiliation): Role {
    if (affiliation === 'owner' || affiliation === 'admin') return 'moderator';
    if (affiliation === 'member') return 'participant';
    return this.config.moderated ? 'visitor' : 'participant';
  }

  occupantOf(real: Jid): Occupant | undefined {
    const nick = this.nickOf.get(real.toString());
    return nick === undefined ? undefined : this.occupants.get(nick);
  }

  /** The occupant a person (any of their resources) already is, if any. */
  occupantOfBare(realBare: string): Occupant | undefined {
    for (const occupant of this.occupants.values()) if (occupant.realBare.toString() === realBare) return occupant;
    return undefined;
  }

  occupantJid(nick: string): Jid {
    return this.jid.withResource(nick);
  }

  /** Do the others see the presence of an occupant in this role? */
  presenceShown(role: Role): boolean {
    return role !== 'none' && this.config.presenceBroadcast.includes(role);
  }

  /** May `viewer` see occupants' real JIDs? (§7.2.3: non-anonymous rooms to all, semi-anonymous to moderators) */
  showsRealJidsTo(viewer: Occupant | undefined): boolean {
    return this.config.whois === 'anyone' || viewer?.role === 'moderator';
  }

  /** XEP-0421: an id stable for one person in this room, unlinkable across rooms and to the JID. */
  occupantId(realBare: Jid): string {
    return createHmac('sha256', this.state.occupantIdSecret).update(realBare.toString()).digest('base64');
  }

  isEmpty(): boolean {
    return this.occupants.size === 0;
  }
}

export function outranks(a: Affiliation, b: Affiliation): boolean {
  return AFFILIATION_RANK[a] > AFFILIATION_RANK[b];
}
