/**
 * The session layer's public API: the one module the views (src/views/**, App.tsx, notifications.ts)
 * import from the session layer. Everything else under src/session is its inside; the XMPP connection,
 * the stanzas and this device's storage never reach a view.
 *
 * Getting a session:
 * - `openSession({ address, password, register, … })` logs in (or registers) and returns a running session;
 * - `await createSession(jid, domain)` makes one for a saved login; `loadLocal()` shows what this device knows,
 *   then `start({ service, domain, username, saltedPassword })` connects.
 * - `savedLogin()` / `saveLogin(login, session.saltedPassword)`: "stay logged in" (never the password).
 *
 * A `Session` (interface below) is plain TypeScript; React re-renders on its `change` event and reads
 * `version` (useSyncExternalStore). What it holds is immutable snapshots, replaced on each change:
 * - who and how: `jid`, `domain`, `status` ('online' | 'connecting' | 'offline'), `ended`;
 * - events (`on` returns the unsubscribe): `change`, `incoming` (a live message from someone else, for
 *   notifications), `ended` (the server refused us for good: back to the login screen), `saltedPassword`
 *   (a login was accepted: what "stay logged in" keeps);
 * - one-to-one chats: `chats` (conversations, unread counts, drafts; `setActive` tells which chat is on
 *   screen), `send`, `correct`, `retract`, `react`, `sendFile`, `setTyping`, `markDisplayed`, and
 *   `loadOlder` (from this device, then the archive);
 * - contacts: `roster` (read: items, requests, presence, names, avatars, blocked) and `contacts`
 *   (add, accept, refuse, rename, remove, block, unblock);
 * - group chats: `groupchats` (join/leave/send…, `store` of rooms, `directory`, `moderation`, invitations);
 * - end-to-end encryption: `omemo` (per chat: `peer(jid)` state, `setMode` ('omemo' | 'openpgp' | 'plain'),
 *   `checkPeer`, trust; own devices) and `openpgp` (the account's OpenPGP key, contacts' keys);
 * - the account: `changePassword`, `deleteAccount`, `isPassword` (checked on this device),
 *   `get/setArchivePreference`, `logout(forget)` (forget: everything this browser keeps is deleted);
 *   `createBackup(code)` seals this browser's keys and history, `restoreBackup(file, code)` (before
 *   logging in) brings them into a new browser; moving it: `downloadAccount` (XEP-0227), `announceMove` (XEP-0283);
 * - notices from our server (announcements, the message of the day): `notices` (read, `dismiss`);
 * - reporting abuse (XEP-0377): `contacts.report` (a contact, a room, an occupant; with messages);
 * - operators only: `loadAdmin()` resolves to the admin area's API (admin.ts: users, reports,
 *   federation, rooms, announcements, audit log; every action the server's ad-hoc commands), or null.
 * Every network action returns a promise that rejects with an Error (with `.condition` for an XMPP
 * error) or one of the error classes exported here; none of them throws for a view to catch synchronously.
 */
import type { ScramSaltedPassword } from '@conexizan/crypto/scram';
import type { ChatStore } from './chats.ts';
import type { ConnectionStatus, LoginOptions } from './client.ts';
import type { ContactActions } from './contacts.ts';
import type { Admin } from './admin.ts';
import type { NoticeStore } from './notices.ts';
import type { GroupChats } from './groupchat/groupchat.ts';
import type { RoomDirectory } from './groupchat/directory.ts';
import type { RoomModeration } from './groupchat/moderation.ts';
import type { RoomStore } from './groupchat/rooms.ts';
import type { ArchivePreference } from './mam.ts';
import type { ChatMessage } from './model.ts';
import type { OmemoLayer } from './omemo/layer.ts';
import type { OpenPgpLayer } from './openpgp/layer.ts';
import type { RosterStore } from './roster.ts';

export type SessionEvents = {
  change: [];
  /** a message from someone else arrived live (for notifications) */
  incoming: [ChatMessage];
  /** the server ended the session for good (password changed or account deleted elsewhere, or suspended by the operators): back to the login screen */
  ended: [why: { suspended: boolean; reason: string | null }];
  /** a login was accepted: the SCRAM SaltedPassword that "stay logged in" keeps instead of the password */
  saltedPassword: [ScramSaltedPassword];
};

/** The conversations (read), and what the screen tells them: which chat is open, what is typed. */
export type Chats = Pick<ChatStore, 'conversations' | 'get' | 'activePeer' | 'totalUnread' | 'setActive' | 'setDraft'>;
/** The roster, presence, nicknames, avatars and the blocklist (read only; change them through `contacts`). */
export type Roster = Readonly<Pick<RosterStore, 'items' | 'requests' | 'blocked' | 'item' | 'isBlocked' | 'avatar' | 'displayName' | 'availability' | 'version'>>;
/** Roster and subscription actions (RFC 6121) and blocking (XEP-0191). */
export type Contacts = Pick<ContactActions, 'add' | 'accept' | 'refuse' | 'rename' | 'remove' | 'block' | 'unblock' | 'report'>;
/** Notices from our server, newest first (read), and dismissing one. */
export type Notices = Pick<NoticeStore, 'notices' | 'dismiss'>;
/** OMEMO as the screen sees it: what happens to messages in a chat, the devices and their trust. */
export type Encryption = Pick<OmemoLayer, 'peer' | 'checkPeer' | 'setMode' | 'setTrust' | 'ownDevices' | 'removeOwnDevice' | 'renameThisDevice' | 'removed' | 'useAgain' | 'deviceSince' | 'room' | 'setRoomMode' | 'on'>;
/**
 * OpenPGP for XMPP (XEP-0373/0374) as the screen sees it: the account's key (make, import, back up on the
 * server with a backup code shown once, restore), contacts' keys and their verification. A chat uses it when
 * `omemo.setMode(peer, 'openpgp')` chose it.
 */
export type OpenPgp = Pick<OpenPgpLayer, 'state' | 'load' | 'generate' | 'importKey' | 'backUp' | 'serverBackup' | 'restore' | 'peer' | 'checkPeer' | 'setVerified' | 'on'>;
/** Group chats (XEP-0045): rooms, their messages, settings, the service's directory and moderation. */
export interface GroupChatsApi
  extends Pick<
    GroupChats,
    'invitations' | 'dismissInvitation' | 'acceptInvitation' | 'join' | 'leave' | 'changeNick' | 'send' | 'sendFile' | 'sendPrivate' | 'correct' | 'retractOwn' | 'react' | 'loadOlder' | 'setSubject' | 'getSettings' | 'configure' | 'on'
  > {
  readonly store: Pick<RoomStore, 'rooms' | 'get' | 'totalUnread' | 'setActive' | 'on'>;
  readonly directory: Pick<RoomDirectory, 'service' | 'publicRooms'>;
  readonly moderation: Pick<RoomModeration, 'setRole' | 'setAffiliation' | 'retract' | 'invite'>;
}

/** What to connect with: the endpoint, and the password just typed or a saved SaltedPassword. */
export type StartOptions = Omit<LoginOptions, 'resource'>;

/** One logged-in account, as the views use it (see the header of this file). */
export interface Session {
  /** our bare JID */
  readonly jid: string;
  readonly domain: string;
  readonly status: ConnectionStatus;
  /** increments on every change: React's useSyncExternalStore snapshot */
  readonly version: number;
  /** logged out, or refused by the server for good */
  readonly ended: boolean;
  on<K extends keyof SessionEvents>(event: K, listener: (...args: SessionEvents[K]) => void): () => void;

  /** Shows what this device already knows before the network answers. */
  loadLocal(): Promise<void>;
  start(login: StartOptions): Promise<void>;
  /** Logs out; `forget` also clears what this device stored about the account (and retires its OMEMO device). */
  logout(forget: boolean): Promise<void>;

  readonly chats: Chats;
  readonly roster: Roster;
  readonly contacts: Contacts;
  readonly groupchats: GroupChatsApi;
  readonly omemo: Encryption;
  readonly openpgp: OpenPgp;

  /** Shown at once as pending; sent when online; a body over MAX_BODY_CHARS rejects with MessageTooLongError. */
  send(peer: string, text: string, options?: { replyTo?: ChatMessage }): Promise<ChatMessage>;
  correct(peer: string, id: string, text: string): Promise<void>;
  retract(peer: string, id: string): Promise<void>;
  /** XEP-0444: the full set of our reactions to a message (empty removes them). */
  react(peer: string, id: string, emojis: string[]): Promise<void>;
  /** Uploads (sealed in an OMEMO chat) and sends a file; rejects with UploadError. */
  sendFile(peer: string, file: File, options?: { onProgress?(fraction: number): void; signal?: AbortSignal }): Promise<void>;
  /** Typing notifications, sent only where they may be (online, to a contact who sees our presence). */
  setTyping(peer: string, composing: boolean): void;
  /** XEP-0333: tells the sender we have seen their newest message. */
  markDisplayed(peer: string): void;
  /** Older messages of one chat: from this device first, then from the archive. Resolves to how many were added. */
  loadOlder(peer: string): Promise<number>;

  /** The SaltedPassword of the last accepted login, for saveLogin. */
  readonly saltedPassword: ScramSaltedPassword | null;
  /** Whether `typed` is this account's password (checked on this device; nothing is sent). */
  isPassword(typed: string): Promise<boolean>;
  /** Rejects with PasswordChangeError ('wrong-current' when `currentPassword` is not the password). */
  changePassword(currentPassword: string, password: string): Promise<void>;
  deleteAccount(): Promise<void>;
  readonly notices: Notices;
  /** The admin area's API when our server lists its operator commands to us, else null (loaded on demand). */
  loadAdmin(): Promise<Admin | null>;
  /** Our account as a XEP-0227 file, for moving it to another server. */
  downloadAccount(): Promise<{ file: Blob; name: string }>;
  /** XEP-0283: announces on this account that it moved to `newJid`. */
  announceMove(newJid: string): Promise<void>;
  getArchivePreference(): Promise<ArchivePreference>;
  setArchivePreference(value: ArchivePreference): Promise<void>;
  /** The encrypted backup of this browser's keys and history, sealed with a backup code (newBackupCode). */
  createBackup(code: string): Promise<Blob>;
}

/**
 * A session for an account this device knows (a saved login): not connected until `start`. The session
 * code (OMEMO, groups, the archive…) is loaded here, on demand, so the login screen downloads without it.
 */
export { createSession, openSession, parseServerField, splitAddress, InvalidUsernameError } from './account.ts';
export { siteConfig, type SiteConfig } from './site-config.ts';
export { savedLogin, saveLogin, type SavedLogin } from './credentials.ts';
export { AccountSuspendedError, AuthError, type ConnectionStatus } from './client.ts';
// Types only: the admin API itself is loaded on demand (loadAdmin), so ordinary users never download it.
export type { Admin, AdminInvitation, AdminReport, AdminReportDetails, AdminRoom, AdminUser, AuditEntry, FederationLists, ReportStatus, SuspendedUser } from './admin.ts';
export type { ServiceNotice } from './notices.ts';
export type { ReportReason } from '@conexizan/protocol/reporting';
export { DiscoveryError, discoverWebSocket } from './discovery.ts';
export { PasswordChangeError, RegisterError, fetchRegistrationForm, type RegistrationForm } from './register.ts';
export { normaliseAddress } from './contacts.ts';
export { MAX_BODY_CHARS, MessageTooLongError } from './outbox.ts';
export { MAX_UPLOAD_BYTES, UploadError } from './upload.ts';
export { openEncryptedFile } from './omemo/media.ts';
export { predatingMessages } from './omemo/predates.ts';
export type { OwnDevice, RoomEncryption } from './omemo/layer.ts';
export { BackupError, backupFileName, restoreBackup, type BackupSummary } from './backup.ts';
export { generateBackupCode as newBackupCode } from '@conexizan/crypto/backup';
export { MucJoinError, type CreateKind, type RoomInvitation } from './groupchat/groupchat.ts';
export { roomAddress } from './groupchat/directory.ts';
export type { ArchivePreference } from './mam.ts';
export type { Availability, ChatMessage, Conversation, DeliveryState, FileRef, RosterItem } from './model.ts';
export type { Occupant, Room, RoomMessage, RoomState } from './groupchat/rooms.ts';
export type { Affiliation, Invitation, Role, RoomSettings } from '@conexizan/protocol/muc';
export type { DeviceInfo } from '@conexizan/crypto/omemo';
