import type { MamDefault, MamFilter, MamPrefs } from '@conexizan/protocol/mam';
import type { RsmRequest } from '@conexizan/protocol/rsm';

/**
 * The storage contract the server codes against. Both backends (SQLite embedded,
 * PostgreSQL for scale) implement exactly this; nothing outside this package
 * sees Prisma.
 *
 * Usernames passed here are already prepared (PRECIS UsernameCaseMapped) by the
 * caller; JIDs are prepared bare JID strings ("user@domain"). Stanzas are
 * stored as serialised XML strings.
 */

export type ScramMechanism = 'SCRAM-SHA-1' | 'SCRAM-SHA-256';

/** What SCRAM needs to verify a password without ever knowing it (RFC 5802 §3). */
export interface StoredScramCredential {
  mechanism: ScramMechanism;
  /** base64 */
  salt: string;
  iterations: number;
  /** base64 of StoredKey = H(ClientKey) */
  storedKey: string;
  /** base64 of ServerKey = HMAC(SaltedPassword, "Server Key") */
  serverKey: string;
}

export interface Account {
  username: string;
  createdAt: Date;
  credentials: StoredScramCredential[];
}

/** Why and since when the operators keep an account out (its data stays). */
export interface Suspension {
  at: Date;
  /** for the operators; '' when none was given */
  reason: string;
  /** whether the owner is told the reason when a login is refused */
  notice: boolean;
}

export class AccountExistsError extends Error {
  constructor(username: string) {
    super(`account ${username} exists`);
    this.name = 'AccountExistsError';
  }
}

export interface AccountRepository {
  /** Throws AccountExistsError if the username is taken. */
  create(username: string, credentials: StoredScramCredential[]): Promise<void>;
  get(username: string): Promise<Account | null>;
  /** Replaces all credentials (password change). Returns false if no such account. */
  setCredentials(username: string, credentials: StoredScramCredential[]): Promise<boolean>;
  /**
   * Deletes the account and everything it owns (roster, pending subscription
   * requests, offline messages, private XML, vCard, blocklist, last
   * activity, message archive and archiving preferences, PEP nodes with their items) in one transaction, and
   * records a tombstone so that the name stays reserved. Returns false if no such account.
   */
  delete(username: string): Promise<boolean>;
  /** Sorted ascending. */
  list(): Promise<string[]>;
  count(): Promise<number>;
  /** When was this name last deleted (tombstone), or null. */
  deletedAt(username: string): Promise<Date | null>;
  /** Removes tombstones older than the given date; returns how many. */
  purgeTombstones(olderThan: Date): Promise<number>;
  /** Suspends the account (a second call replaces the reason and time). false if no such account. */
  suspend(username: string, suspension: Suspension): Promise<boolean>;
  /** Lifts a suspension; false if the account was not suspended (or does not exist). */
  unsuspend(username: string): Promise<boolean>;
  /** The account's suspension, or null (also for an unknown account). */
  suspension(username: string): Promise<Suspension | null>;
  /** Every suspended account, the longest suspended first. */
  listSuspended(): Promise<({ username: string } & Suspension)[]>;
  /** Accounts created at or after `since`, oldest first, at most `limit`. */
  createdSince(since: Date, limit: number): Promise<{ username: string; createdAt: Date }[]>;
  /** Usernames that contain `text` (taken literally; usernames are lower case), sorted, at most `limit`. */
  search(text: string, limit: number): Promise<string[]>;
  /** The id of the message of the day the account was last sent, or null. */
  motdSeen(username: string): Promise<string | null>;
  /** Does nothing for an unknown account. */
  setMotdSeen(username: string, id: string): Promise<void>;
}

export type Subscription = 'none' | 'to' | 'from' | 'both';

export interface RosterItem {
  /** bare JID of the contact */
  jid: string;
  name: string | null;
  subscription: Subscription;
  /** true while an outbound subscription request is pending ("ask='subscribe'") */
  askSubscribe: boolean;
  /** RFC 6121 §3.4 subscription pre-approval */
  approved: boolean;
  groups: string[];
}

export interface RosterRepository {
  /** Current roster version, a decimal string; "0" for an empty, never-changed roster. */
  version(username: string): Promise<string>;
  list(username: string): Promise<RosterItem[]>;
  /** The version and the items together (one query, so they agree): what a roster get (RFC 6121 §2.1.3) needs. */
  load(username: string): Promise<{ version: string; items: RosterItem[] }>;
  get(username: string, jid: string): Promise<RosterItem | null>;
  /** Insert or replace; bumps and returns the new roster version. */
  put(username: string, item: RosterItem): Promise<string>;
  /** Removes; bumps and returns the new version, or null if there was no such item. */
  remove(username: string, jid: string): Promise<string | null>;

  /** Inbound subscription requests awaiting the user's answer (RFC 6121 §3.1.3). */
  pendingIn(username: string): Promise<{ jid: string; stanza: string }[]>;
  /** Idempotent: a second request from the same jid replaces the first. */
  addPendingIn(username: string, jid: string, stanza: string): Promise<void>;
  removePendingIn(username: string, jid: string): Promise<boolean>;
}

export interface OfflineMessage {
  id: string;
  stanza: string;
  storedAt: Date;
}

export interface OfflineRepository {
  /** Appends; returns false (and stores nothing) if the user already holds `limit` messages. */
  store(username: string, stanza: string, limit: number): Promise<boolean>;
  /** Oldest first. */
  list(username: string): Promise<OfflineMessage[]>;
  count(username: string): Promise<number>;
  /** Deletes the given ids (after they were delivered). */
  remove(username: string, ids: string[]): Promise<void>;
}

export interface PrivateXmlRepository {
  /** key is "{namespace} elementName" as built by the caller */
  get(username: string, key: string): Promise<string | null>;
  set(username: string, key: string, xml: string): Promise<void>;
  /** Everything the user stored, sorted by key (an account export, XEP-0227). */
  list(username: string): Promise<{ key: string; xml: string }[]>;
}

export interface VCardRepository {
  get(username: string): Promise<string | null>;
  /** null removes it */
  set(username: string, xml: string | null): Promise<void>;
}

/**
 * Invitations to register (XEP-0401, XEP-0445), keyed by a hash of the token
 * (the caller hashes; SHA-256, hex), so the database never holds a token that
 * could be redeemed. An invite is valid while `now` is before its expiry.
 */
export interface InviteRepository {
  /** Stores a new invite; throws if one with this hash exists. */
  create(tokenHash: string, expiresAt: Date): Promise<void>;
  isValid(tokenHash: string, now: Date): Promise<boolean>;
  /** When the invite expires (even if that is past), or null if there is no such invite. */
  expiresAt(tokenHash: string): Promise<Date | null>;
  /**
   * Deletes the invite if it is valid at `now` and returns true; false
   * otherwise. Atomic: of concurrent consumers of one invite, exactly one wins.
   */
  consume(tokenHash: string, now: Date): Promise<boolean>;
  /** Deletes the invites no longer valid at `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
  /** How many invites are valid at `now`. */
  count(now: Date): Promise<number>;
}

/**
 * XEP-0191 blocklists: per user, a set of JIDs as the client gave them
 * (prepared: a domain, a bare JID or a full JID). Order is not meaningful;
 * lists come back sorted ascending.
 */
export interface BlocklistRepository {
  list(username: string): Promise<string[]>;
  /**
   * Adds the JIDs not yet blocked. Returns false and adds nothing if the list
   * would then hold more than `limit` entries; throws for an unknown account.
   */
  add(username: string, jids: string[], limit: number): Promise<boolean>;
  /** Removes those of the given JIDs that were blocked; returns them, sorted. */
  remove(username: string, jids: string[]): Promise<string[]>;
  /** Empties the list; returns what it held, sorted. */
  clear(username: string): Promise<string[]>;
}

/** XEP-0012: when the user's last session ended, with the status text it had. */
export interface LastActivity {
  at: Date;
  /** '' when there was none */
  status: string;
}

export interface LastActivityRepository {
  get(username: string): Promise<LastActivity | null>;
  /** Replaces the record; does nothing for an unknown account (it may have just been deleted). */
  set(username: string, activity: LastActivity): Promise<void>;
}

/** XEP-0441: what is archived for a JID in neither list. */
export type ArchiveDefault = MamDefault;

/** XEP-0441 preferences; a JID on both lists is never archived. */
export type ArchivePrefs = MamPrefs;

/** One archived copy of a message in one user's archive (XEP-0313). */
export interface ArchiveEntry {
  /** the XEP-0359 stanza id: unguessable, unique, never reused (the caller makes it) */
  id: string;
  /** bare JID of the other party */
  peer: string;
  /** the other party's resource, when the message named one */
  peerResource: string | null;
  stanza: string;
  storedAt: Date;
}

/** What a query selects; every field narrows it (XEP-0313's filter). */
export type ArchiveFilter = MamFilter;

/** XEP-0059 paging over the selection, in archive order; before '' is the last page. */
export type ArchivePageRequest = RsmRequest;

export interface ArchivePage {
  /** oldest first */
  items: ArchiveEntry[];
  /** how many entries the filter selects, regardless of paging */
  count: number;
  /** offset of items[0] in the selection, null when the page is empty */
  firstIndex: number | null;
  /** nothing more lies beyond the page in its direction (forward, or backward for `before`) */
  complete: boolean;
}

/**
 * Message archives (XEP-0313), one per account, and its owner's archiving
 * preferences (XEP-0441). Entries are kept in arrival order; ids from
 * another archive name nothing here.
 */
export interface ArchiveRepository {
  /**
   * Stores one copy; resolves once it is committed (written together with the
   * copies appended meanwhile). Returns false (and stores nothing) if there is no such account.
   */
  append(owner: string, entry: ArchiveEntry): Promise<boolean>;
  /** null if an id the filter or page names is not in this owner's archive */
  query(owner: string, filter: ArchiveFilter, page: ArchivePageRequest): Promise<ArchivePage | null>;
  /** The oldest and newest entries, or null for an empty archive. */
  bounds(owner: string): Promise<{ first: ArchiveEntry; last: ArchiveEntry } | null>;
  count(owner: string): Promise<number>;
  /** Deletes entries stored before `cutoff`, in every archive; returns how many. */
  purgeOlderThan(cutoff: Date): Promise<number>;
  /** null if the owner never set any */
  getPrefs(owner: string): Promise<ArchivePrefs | null>;
  /** Throws if there is no such account. */
  setPrefs(owner: string, prefs: ArchivePrefs): Promise<void>;
}

/** A node of a user's PEP service (XEP-0060, XEP-0163). */
export interface PubsubNodeRecord {
  node: string;
  /** the node configuration: JSON text the server owns */
  config: string;
  createdAt: Date;
}

export interface PubsubItemRecord {
  id: string;
  /** the payload element, serialised */
  payload: string;
  /** JID of the publisher */
  publisher: string;
  publishedAt: Date;
}

export type PubsubAffiliation = 'owner' | 'publisher' | 'member' | 'outcast';

/**
 * Publish-subscribe nodes per account (`owner` is a username), their items
 * (ordered by publication: a republished id counts as the newest), explicit
 * subscriptions and affiliations. Deleting a node or its account deletes all of it.
 */
export interface PubsubRepository {
  getNode(owner: string, node: string): Promise<PubsubNodeRecord | null>;
  /** Sorted by node name. */
  listNodes(owner: string): Promise<PubsubNodeRecord[]>;
  /**
   * Creates the node unless it exists ('exists') or the owner already has
   * `maxNodes` nodes ('limit'); exact under concurrent creates. Throws for an unknown account.
   */
  createNode(owner: string, node: string, config: string, maxNodes: number): Promise<'created' | 'exists' | 'limit'>;
  /** false if there is no such node */
  setConfig(owner: string, node: string, config: string): Promise<boolean>;
  /** Deletes the node with its items, subscriptions and affiliations; false if there was no such node. */
  deleteNode(owner: string, node: string): Promise<boolean>;
  /**
   * Stores the item, replacing one with the same id (it then counts as the
   * newest), then deletes the oldest items beyond `maxItems`. Returns the ids
   * deleted that way, or null (storing nothing) if there is no such node.
   */
  publish(owner: string, node: string, item: { id: string; payload: string; publisher: string }, maxItems: number): Promise<string[] | null>;
  /** Newest first. `ids`: only these (missing ones are left out); `max`: the newest `max`. */
  items(owner: string, node: string, options?: { ids?: string[]; max?: number }): Promise<PubsubItemRecord[]>;
  /** false if there was no such item */
  retract(owner: string, node: string, id: string): Promise<boolean>;
  /** Deletes every item of the node; returns how many. */
  purge(owner: string, node: string): Promise<number>;
  /** Deletes the oldest items beyond `maxItems`; returns their ids. */
  trim(owner: string, node: string, maxItems: number): Promise<string[]>;
  /** JIDs (bare or full) explicitly subscribed to the node, sorted. */
  subscribers(owner: string, node: string): Promise<string[]>;
  /** The owner's nodes this exact JID is subscribed to, sorted. */
  subscriptionsOf(owner: string, jid: string): Promise<string[]>;
  /** Idempotent; false if there is no such node. */
  subscribe(owner: string, node: string, jid: string): Promise<boolean>;
  /** false if there was no such subscription */
  unsubscribe(owner: string, node: string, jid: string): Promise<boolean>;
  /** Sorted by JID. */
  affiliations(owner: string, node: string): Promise<{ jid: string; affiliation: PubsubAffiliation }[]>;
  /** 'none' removes the affiliation; false if there is no such node. */
  setAffiliation(owner: string, node: string, jid: string, affiliation: PubsubAffiliation | 'none'): Promise<boolean>;
  /** Drops every subscription and affiliation of this bare JID (and its full JIDs) at every node: its account is gone. */
  forgetJid(bareJid: string): Promise<void>;
}

/**
 * XEP-0357 push registrations of an account: an app server JID and node,
 * with the publish-options form the client sent (XML), or null without one.
 */
export interface PushRegistration {
  jid: string;
  node: string;
  options: string | null;
  createdAt: Date;
}

export interface PushRepository {
  /** The account's registrations, oldest first. */
  list(username: string): Promise<PushRegistration[]>;
  /**
   * Adds a registration, or replaces the options of the one with the same jid
   * and node. Returns false and changes nothing if the account would then hold
   * more than `limit`; throws for an unknown account.
   */
  enable(username: string, registration: { jid: string; node: string; options: string | null }, limit: number): Promise<boolean>;
  /** Removes the registrations for `jid` (only the one for `node` when given); returns how many went. */
  disable(username: string, jid: string, node?: string): Promise<number>;
}

/** A persistent group chat room (XEP-0045): its bare JID and the state the server owns, as JSON text. */
export interface MucRoomRecord {
  jid: string;
  state: string;
  createdAt: Date;
}

/**
 * Persistent group chat rooms and the archives of all rooms (XEP-0313 for
 * MUC). A room's archive is keyed by its bare JID; it goes with the room.
 */
export interface MucRepository {
  /** Every stored room, sorted by JID. */
  listRooms(): Promise<MucRoomRecord[]>;
  getRoom(jid: string): Promise<MucRoomRecord | null>;
  /** Insert or replace the room's state. */
  saveRoom(jid: string, state: string): Promise<void>;
  /** Deletes the room and its archive; false if no room was stored (its archive goes anyway). */
  deleteRoom(jid: string): Promise<boolean>;
  /** One insert into the room's archive (the room need not be stored: temporary rooms archive too). */
  append(room: string, entry: ArchiveEntry): Promise<void>;
  /** As ArchiveRepository.query, over one room's archive. */
  query(room: string, filter: ArchiveFilter, page: ArchivePageRequest): Promise<ArchivePage | null>;
  /** The entry with this id in this room's archive, or null. */
  entry(room: string, id: string): Promise<ArchiveEntry | null>;
  /** Replaces an entry's stanza (a moderator retracted it, XEP-0425); false if there is no such entry. */
  replaceEntry(room: string, id: string, stanza: string): Promise<boolean>;
  /** Deletes entries stored before `cutoff`, in every room; returns how many. */
  purgeOlderThan(cutoff: Date): Promise<number>;
}

export type ReportReason = 'spam' | 'abuse' | 'other';
export type ReportStatus = 'open' | 'resolved' | 'dismissed';

/** A message named in a report: its stanza id and, when the reporter's copy was readable, that copy. */
export interface ReportedMessage {
  /** XEP-0359 stanza id */
  id: string;
  /** the archive that gave the id ('by'): the reporter's account or a room */
  by: string;
  /** the stored stanza, null when it was not found or only ciphertext */
  stanza: string | null;
  at: Date | null;
}

/** An abuse report (XEP-0377) as the operators see it. */
export interface AbuseReport {
  /** unguessable, made by the caller */
  id: string;
  createdAt: Date;
  /** bare JID of who reported: a local user, or the remote server that forwarded it */
  reporter: string;
  /** the reported JID as given: an account, a room occupant's full JID, a room or a domain */
  offender: string;
  reason: ReportReason;
  /** what the reporter wrote; '' when nothing */
  text: string;
  messages: ReportedMessage[];
  origin: 'local' | 'remote';
  status: ReportStatus;
  resolvedAt: Date | null;
  /** what the operator did, in a few words */
  resolution: string | null;
}

export interface ReportRepository {
  create(report: Omit<AbuseReport, 'status' | 'resolvedAt' | 'resolution'>): Promise<void>;
  get(id: string): Promise<AbuseReport | null>;
  /** Newest first, at most `limit`; filters narrow it. */
  list(filter: { status?: ReportStatus; offender?: string; limit: number }): Promise<AbuseReport[]>;
  count(status: ReportStatus): Promise<number>;
  /** How many reports this reporter made at or after `since` (for rate limits). */
  countBy(reporter: string, since: Date): Promise<number>;
  /** Closes an open report; false if there is no such report or it is closed already. */
  close(id: string, status: 'resolved' | 'dismissed', resolution: string, at: Date): Promise<boolean>;
  /** Deletes reports closed before `cutoff`; returns how many. */
  purgeClosed(cutoff: Date): Promise<number>;
}

/** One thing an operator did: who, what, to what, when. Never an address or a message. */
export interface AuditEntry {
  /** increasing: a later entry has a larger id */
  id: number;
  at: Date;
  /** the operator's bare JID, or a name for the command line */
  actor: string;
  action: string;
  target: string;
  detail: string;
}

export interface AuditRepository {
  append(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  /** Newest first, at most `limit`; `before`: only entries with a smaller id (the next page). */
  list(options: { limit: number; before?: number }): Promise<AuditEntry[]>;
  /** Deletes entries from before `cutoff`; returns how many. */
  purgeOlderThan(cutoff: Date): Promise<number>;
}

/** Small named values every server process shares (the message of the day, when the last digest went out). */
export interface SettingsRepository {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** false if there was nothing under that key */
  delete(key: string): Promise<boolean>;
  /**
   * Stores `value` only if the stored value is `expected` (null: nothing
   * stored yet) and returns whether it did. Of concurrent callers with the
   * same `expected`, exactly one wins.
   */
  compareAndSet(key: string, expected: string | null, value: string): Promise<boolean>;
}

export interface Storage {
  readonly kind: 'sqlite' | 'postgresql';
  readonly accounts: AccountRepository;
  readonly roster: RosterRepository;
  readonly offline: OfflineRepository;
  readonly privateXml: PrivateXmlRepository;
  readonly vcards: VCardRepository;
  readonly invites: InviteRepository;
  readonly blocklist: BlocklistRepository;
  readonly lastActivity: LastActivityRepository;
  readonly archive: ArchiveRepository;
  readonly push: PushRepository;
  readonly pubsub: PubsubRepository;
  readonly muc: MucRepository;
  readonly reports: ReportRepository;
  readonly audit: AuditRepository;
  readonly settings: SettingsRepository;
  /** Round-trip to the database; throws if it is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStorageOptions {
  /**
   * postgres://… or postgresql://… selects PostgreSQL; file:… or undefined selects
   * SQLite (default file: `${dataDir}/conexizan.sqlite`).
   */
  url?: string;
  dataDir: string;
  /** Called with (operation, milliseconds) after each repository call, for metrics. */
  onQuery?: (operation: string, ms: number) => void;
}
