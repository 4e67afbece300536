import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { ArchiveQueries, type ArchiveRequest } from './archive.ts';
import { capsPresenceChild, discoInfoReply } from './caps.ts';
import { ChatStore } from './chats.ts';
import { Connection, type ConnectionStatus, type LoginOptions } from './client.ts';
import { ContactActions, fetchVcardAvatar } from './contacts.ts';
import { isAccountPassword } from './credentials.ts';
import { GroupChats } from './groupchat/groupchat.ts';
import { Emitter } from './events.ts';
import { archivePage, getArchivePreference, messagesOf, setArchivePreference, type ArchivePage, type ArchivePreference } from './mam.ts';
import type { ChatMessage } from './model.ts';
import { LocalStore } from './persistence.ts';
import { RosterStore, parseRosterItem, rosterGet } from './roster.ts';
import { Outbox } from './outbox.ts';
import { IdbOmemoStore, omemoDbName } from './omemo/idb-store.ts';
import { forgetThisBrowser } from './forget.ts';
import { Vault } from './vault.ts';
import { createBackup } from './backup.ts';
import { OmemoLayer } from './omemo/layer.ts';
import { OpenPgpLayer } from './openpgp/layer.ts';
import { bare, chatStateMessage, markerMessage, parseMessage, receiptMessage, unwrapCarbon } from './stanzas.ts';
import { changePassword, deleteAccount } from './register.ts';
import { NoticeStore } from './notices.ts';
import type { Admin } from './admin.ts';
import { uploadFile } from './upload.ts';
import type { ScramSaltedPassword } from '@conexizan/crypto/scram';
import type { Session as SessionApi, SessionEvents } from './index.ts';

const EXPORT_COMMAND = 'https://conexizan.org/commands#export-account';
const MOVE_COMMAND = 'https://conexizan.org/commands#announce-move';

/** Pages of archive fetched on a fresh session before we stop catching up (the rest loads on scroll). */
const CATCH_UP_PAGES = 10;
const PAGE = 50;

/**
 * One logged-in account: the connection, the stores the views read, local
 * persistence and archive sync. Plain TypeScript; React only subscribes.
 * Views see it through the Session interface of index.ts, which leaves out
 * the connection and the stores' write side; tests of the session layer
 * hand in a connection of their own.
 */
export class Session extends Emitter<SessionEvents> implements SessionApi {
  readonly #connection: Connection;
  readonly chats = new ChatStore();
  readonly roster = new RosterStore();
  readonly contacts: ContactActions;
  readonly #archive: ArchiveQueries;
  readonly #outbox: Outbox;
  readonly groupchats: GroupChats;
  /** announcements and other notices from our server, apart from the chats */
  readonly notices = new NoticeStore();
  #admin: Promise<Admin | null> | null = null;
  readonly #local: LocalStore;
  /** OMEMO for one-to-one chats: decides what is encrypted, not the views */
  readonly omemo: OmemoLayer;
  readonly openpgp: OpenPgpLayer;
  readonly #omemoStore: IdbOmemoStore;
  readonly #vault: Vault;
  #version = 0;
  #avatarHashes = new Map<string, string>();
  #metaTimer: ReturnType<typeof setTimeout> | null = null;
  #synced = false;
  #ended = false;
  #deleting = false;

  get ended(): boolean {
    return this.#ended;
  }

  /** `dbName` names this device's stores (tests use a fresh one each); `connection` is the network (a test's own, or the real one). */
  constructor(readonly jid: string, readonly domain: string, dbName?: string, connection = new Connection()) {
    super();
    this.#connection = connection;
    this.contacts = new ContactActions(connection, this.roster);
    this.#local = new LocalStore(jid, dbName);
    this.#outbox = new Outbox(connection, this.chats);
    this.#archive = new ArchiveQueries(connection, jid);
    this.groupchats = new GroupChats(connection, jid, domain, this.#archive);
    const changed = () => {
      this.#version++;
      this.emit('change');
    };
    this.chats.on('change', changed);
    this.#vault = new Vault(jid);
    this.#omemoStore = new IdbOmemoStore(dbName ? `${dbName}-omemo` : omemoDbName(jid), this.#vault);
    this.omemo = new OmemoLayer({
      connection: this.#connection,
      jid,
      store: this.#omemoStore,
      onSent: (peer, id, security) => this.chats.setSecurity(peer, id, security),
      onRoomSent: (room, id, security) => this.groupchats.store.setSecurity(room, id, security),
    });
    this.openpgp = new OpenPgpLayer({
      jid,
      pep: this.omemo.pep,
      store: this.#omemoStore,
      onSent: (peer, id, security) => this.chats.setSecurity(peer, id, security, 'openpgp'),
    });
    this.omemo.useOpenPgp(this.openpgp);
    this.#connection.addTransform(this.omemo);
    this.groupchats.useEncryption(this.omemo.rooms);
    this.omemo.on('change', changed);
    this.openpgp.on('change', changed);
    this.openpgp.on('key', () => void this.#openSealed().catch(() => {}));
    this.roster.on('change', changed);
    this.groupchats.on('change', changed);
    this.#connection.on('status', (status) => {
      if (status !== 'online') this.chats.conversations.forEach((c) => c.typing && this.chats.setTyping(c.peer, false));
      changed();
    });
    this.chats.on('saved', (messages) => void this.#local.saveMessages(messages).catch(() => {}));
    this.chats.on('change', () => this.#scheduleMetaSave());
    this.chats.on('draft', () => this.#local.saveDrafts(Object.fromEntries(this.chats.conversations.filter((c) => c.draft).map((c) => [c.peer, c.draft]))));
    this.chats.on('incoming', (m) => this.emit('incoming', m));
    this.#connection.on('stanza', (stanza) => void this.#route(stanza));
    this.#registerIqHandlers();
    this.#connection.on('session', () => void this.#freshSession());
    this.#connection.on('resumed', () => {
      void this.#outbox.flush(true);
      void this.groupchats.selfPing();
    });
    this.#connection.on('saltedPassword', (salted) => this.emit('saltedPassword', salted));
    this.#connection.on('rejected', (why) => {
      // After our own account deletion the server ends the stream (XEP-0077 §3.2): expected, not a refusal.
      if (this.#deleting) return;
      void this.logout(false).then(() => this.emit('ended', why.suspended ? { suspended: true, reason: why.reason } : { suspended: false, reason: null }));
    });
    this.notices.on('change', () => {
      changed();
      void this.#local.setMeta('notices', [...this.notices.notices]).catch(() => {});
    });
    if (typeof window !== 'undefined') {
      const lost = () => this.#connection.networkLost();
      const back = () => this.#connection.networkBack();
      window.addEventListener('offline', lost);
      window.addEventListener('online', back);
      this.#detach = () => {
        window.removeEventListener('offline', lost);
        window.removeEventListener('online', back);
      };
    }
  }

  #detach = () => {};

  #registerIqHandlers(): void {
    const c = this.#connection;
    c.onIqGet(NS.DISCO_INFO, 'query', (iq) => discoInfoReply(iq.getChild('query')?.attrs.node));
    c.onIqSet(NS.ROSTER, 'query', (iq) => {
      // RFC 6121 §2.1.6: only our own server (no from, or our bare JID) may push.
      if (iq.attrs.from && bare(iq.attrs.from) !== this.jid) throw new Error('forbidden');
      this.roster.applyPush(iq.getChild('query', NS.ROSTER)!);
      void this.#saveRoster();
      return {};
    });
    for (const name of ['block', 'unblock']) {
      c.onIqSet(NS.BLOCKING, name, (iq) => {
        if (iq.attrs.from && bare(iq.attrs.from) !== this.jid) throw new Error('forbidden');
        this.contacts.applyBlockingPush(iq.getChild(name, NS.BLOCKING)!);
        return {};
      });
    }
  }

  /** Increments on every change: React's useSyncExternalStore snapshot. */
  get version(): number {
    return this.#version;
  }

  get status(): ConnectionStatus {
    return this.#connection.status;
  }

  /** Shows what this device already knows before the network answers. */
  async loadLocal(): Promise<void> {
    const [roster, peers, unread, notices] = await Promise.all([this.#local.getMeta('roster'), this.#local.listPeers(), this.#local.getMeta('unread'), this.#local.getMeta('notices')]);
    if (notices) this.notices.setAll(notices);
    const drafts = this.#local.loadDrafts();
    if (roster) this.roster.setAll(roster.items, roster.version);
    for (const peer of peers) {
      this.chats.addMessages(await this.#local.loadMessages(peer), { persist: false });
      if (unread?.[peer]) this.chats.setUnread(peer, unread[peer]!);
    }
    for (const [peer, draft] of Object.entries(drafts)) if (typeof draft === 'string') this.chats.setDraft(peer, draft);
  }

  async start(login: Omit<LoginOptions, 'resource'>): Promise<void> {
    this.#ended = false;
    await this.#connection.login({ ...login, resource: `web-${crypto.randomUUID().slice(0, 8)}` });
  }

  #scheduleMetaSave(): void {
    if (this.#metaTimer) return;
    this.#metaTimer = setTimeout(() => {
      this.#metaTimer = null;
      const conversations = this.chats.conversations;
      void Promise.all([
        this.#local.setMeta('unread', Object.fromEntries(conversations.filter((c) => c.unread).map((c) => [c.peer, c.unread]))),
      ]).catch(() => {});
    }, 300);
  }

  async #freshSession(): Promise<void> {
    const c = this.#connection;
    this.roster.clearPresence();
    try {
      await this.#syncRoster();
      await c.send(xml('presence', {}, await capsPresenceChild()));
      // Rooms need our available presence first; they sync on their own while the rest goes on.
      void this.groupchats.rejoinAll();
      // Announcing our OMEMO device runs beside the sync: catching up decrypts with the same keys meanwhile.
      void this.omemo.start().catch((error: Error) => console.warn('OMEMO device not published:', error.message));
      void this.openpgp.start().catch((error: Error) => console.warn('OpenPGP key not announced:', error.message));
      await c.iq('set', xml('enable', { xmlns: NS.CARBONS })).catch(() => {});
      await this.contacts.loadBlocklist().catch(() => {});
      await this.#outbox.flush();
      await this.#catchUp();
    } catch (error) {
      // The connection dropped while syncing; the next session tries again.
      console.warn('sync after login stopped:', (error as Error).message);
    }
  }

  async #syncRoster(): Promise<void> {
    const result = (await this.#connection.iq('get', rosterGet(this.roster.version ?? ''))).getChild('query', NS.ROSTER);
    // RFC 6121 §2.6.3: an empty result means our cached version is current.
    if (result) {
      const items = result.getChildren('item').map(parseRosterItem).filter((i) => i !== null);
      this.roster.setAll(items, result.attrs.ver ?? null);
      await this.#saveRoster();
    }
  }

  async #saveRoster(): Promise<void> {
    await this.#local.setMeta('roster', { items: this.roster.items, version: this.roster.version });
  }

  /** Fetches what arrived while we were away: forward from the newest archive id we know. */
  async #catchUp(): Promise<void> {
    let after = await this.#local.getMeta('lastArchiveId');
    if (!after) {
      // First time on this device: the newest page, older ones load as the user scrolls.
      const page = await this.#archivePage({ before: '', max: PAGE });
      this.#applyPage(page, false);
      if (page.last) await this.#local.setMeta('lastArchiveId', page.last);
      this.#synced = true;
      return;
    }
    for (let i = 0; i < CATCH_UP_PAGES; i++) {
      let page: ArchivePage;
      try {
        page = await this.#archivePage({ after, max: PAGE });
      } catch (error) {
        // item-not-found: our id is older than the archive keeps; start over from the newest page.
        if ((error as { condition?: string }).condition === 'item-not-found') {
          await this.#local.setMeta('lastArchiveId', undefined);
          return this.#catchUp();
        }
        throw error;
      }
      this.#applyPage(page, true);
      if (page.last) {
        after = page.last;
        await this.#local.setMeta('lastArchiveId', after);
      }
      if (page.complete || !page.last) break;
    }
    this.#synced = true;
  }

  async #archivePage(request: ArchiveRequest): Promise<ArchivePage> {
    return archivePage(await this.#archive.query(this.jid, request), this.jid, this.#connection);
  }

  #applyPage(page: ArchivePage, countUnread: boolean): void {
    // Notices from our server reached us live (or from offline storage) and are not a chat.
    const messages = messagesOf(page.events).filter((m) => m.peer !== this.domain);
    const known = new Set(this.chats.conversations.flatMap((c) => c.messages.map((m) => m.id)));
    this.chats.addMessages(messages);
    if (countUnread) {
      for (const m of messages) {
        if (!m.outgoing && !known.has(m.id) && this.chats.activePeer !== m.peer) {
          this.chats.setUnread(m.peer, (this.chats.get(m.peer)?.unread ?? 0) + 1);
        }
      }
    }
    for (const event of page.events) if (event.kind !== 'message' && event.kind !== 'chatstate') this.chats.apply(event, false);
  }

  /** Older messages of one chat: from this device first, then from the archive. Returns how many were added. */
  async loadOlder(peer: string): Promise<number> {
    const conversation = this.chats.get(peer);
    const oldest = conversation?.messages[0];
    const stored = await this.#local.loadMessages(peer, 50, oldest?.timestamp ?? Number.MAX_SAFE_INTEGER);
    if (stored.length > 0) {
      this.chats.addMessages(stored, { persist: false });
      return stored.length;
    }
    if (this.status !== 'online' || conversation?.historyComplete) return 0;
    const before = conversation?.messages.find((m) => m.archiveId)?.archiveId ?? '';
    const page = await this.#archivePage({ with: peer, before, max: 30 });
    const added = messagesOf(page.events).length;
    this.#applyPage(page, false);
    if (page.complete || added === 0) this.chats.setHistoryComplete(peer);
    return added;
  }

  async #route(stanza: Element): Promise<void> {
    // Archive results (ours and rooms') belong to the query that asked; never shown as live messages.
    if (stanza.name === 'message' && this.#archive.collect(stanza)) return;
    if (this.groupchats.handle(stanza)) return;
    if (stanza.name === 'presence') {
      this.roster.applyPresence(stanza);
      this.#maybeFetchAvatar(stanza);
      this.#maybeNick(stanza);
      return;
    }
    if (stanza.name !== 'message') return;
    if (stanza.getChild('event', NS.PUBSUB_EVENT)) return this.omemo.onPepEvent(stanza) || this.openpgp.onPepEvent(stanza) ? undefined : this.#nickFromPep(stanza);
    // One at a time, in arrival order, even when a transform (decryption) takes a while.
    this.#messages = this.#messages.then(() => this.#routeMessage(stanza)).catch(() => {});
  }

  #messages: Promise<void> = Promise.resolve();

  /** The account's OpenPGP key came to this browser (restored): the OpenPGP messages it could not read yet are opened. */
  async #openSealed(): Promise<void> {
    for (const conversation of this.chats.conversations) {
      for (const message of conversation.messages) {
        if (!message.sealed) continue;
        const opened = await this.openpgp.reopen(message);
        if (opened) this.chats.reopened(conversation.peer, message.id, { ...opened, method: 'openpgp' });
      }
    }
  }

  async #routeMessage(stanza: Element): Promise<void> {
    const notice = NoticeStore.parse(stanza, this.domain);
    if (notice) return this.notices.add(notice);
    const unwrapped = unwrapCarbon(stanza, this.jid);
    if (!unwrapped) return;
    const message = await this.#connection.transformIncoming(unwrapped.message, { stamp: unwrapped.stamp });
    for (const event of parseMessage(message, { self: this.jid, stamp: unwrapped.stamp })) {
      if (event.kind === 'message' && !event.message.outgoing && this.roster.isBlocked(event.message.peer)) continue;
      this.chats.apply(event, true);
      if (event.kind !== 'message') continue;
      if (event.message.archiveId && this.#synced) void this.#local.setMeta('lastArchiveId', event.message.archiveId);
      // Receipts and markers answer what reached this device directly; a carbon's sender was answered by our other device.
      if (!event.message.outgoing && unwrapped.message === stanza) this.#acknowledge(message, event.message);
    }
  }

  /** XEP-0184 receipts only to contacts allowed to see our presence (§8: it would reveal that we are online). */
  #acknowledge(stanza: Element, message: ChatMessage): void {
    const item = this.roster.item(message.peer);
    const trusted = item && (item.subscription === 'from' || item.subscription === 'both');
    if (trusted && stanza.getChild('request', NS.RECEIPTS) && stanza.attrs.from && stanza.attrs.id) {
      void this.#connection.send(receiptMessage(stanza.attrs.from, stanza.attrs.id)).catch(() => {});
    }
    if (this.chats.activePeer === message.peer && typeof document !== 'undefined' && document.visibilityState === 'visible') {
      this.markDisplayed(message.peer);
    }
  }

  /** XEP-0333: tell the sender we have seen their newest markable message. */
  markDisplayed(peer: string): void {
    const item = this.roster.item(peer);
    if (!item || (item.subscription !== 'from' && item.subscription !== 'both') || this.status !== 'online') return;
    const last = [...(this.chats.get(peer)?.messages ?? [])].reverse().find((m) => !m.outgoing);
    if (last?.markable && !last.retracted) void this.#connection.send(markerMessage(peer, last.id)).catch(() => {});
  }

  // -- sending in one-to-one chats (shown at once, sent when online, see Outbox) -----

  send(peer: string, text: string, options: { replyTo?: ChatMessage } = {}): Promise<ChatMessage> {
    return this.#outbox.send(peer, text, options);
  }

  correct(peer: string, id: string, text: string): Promise<void> {
    return this.#outbox.correct(peer, id, text);
  }

  retract(peer: string, id: string): Promise<void> {
    return this.#outbox.retract(peer, id);
  }

  react(peer: string, id: string, emojis: string[]): Promise<void> {
    return this.#outbox.react(peer, this.jid, id, emojis);
  }

  /** Uploads a file (sealed when the chat is end-to-end encrypted and the page is https) and sends its link. */
  async sendFile(peer: string, file: File, options: { onProgress?(fraction: number): void; signal?: AbortSignal } = {}): Promise<void> {
    // The aesgcm:// link of a sealed file needs an https:// download URL; its key travels inside the encrypted message.
    const encrypt = this.omemo.peer(peer).mode !== 'plain' && globalThis.location?.protocol === 'https:';
    const ref = await uploadFile(this.#connection, this.domain, file, { encrypt, ...options });
    await this.#outbox.send(peer, ref.url, { file: ref });
  }

  /** XEP-0085 typing notifications: they tell someone we are here, so only to contacts who may see our presence. */
  setTyping(peer: string, composing: boolean): void {
    const item = this.roster.item(peer);
    const trusted = item && (item.subscription === 'from' || item.subscription === 'both');
    if (this.status !== 'online' || this.roster.isBlocked(peer) || !trusted) return;
    void this.#connection.send(chatStateMessage(peer, composing ? 'composing' : 'paused')).catch(() => {});
  }

  // -- the account ------------------------------------------------------------------

  /** The SaltedPassword of the last accepted login (SCRAM), what "stay logged in" keeps instead of the password. */
  get saltedPassword(): ScramSaltedPassword | null {
    return this.#connection.saltedPassword;
  }

  /** Whether `typed` is this account's password, checked on this device against the SaltedPassword (never sent). */
  isPassword(typed: string): Promise<boolean> {
    return isAccountPassword(typed, { password: null, saltedPassword: this.saltedPassword });
  }

  /** XEP-0077: a new password; reconnections use it (the old SaltedPassword is void, a new one follows with the next login). */
  changePassword(currentPassword: string, password: string): Promise<void> {
    return changePassword(this.#connection, this.jid.split('@')[0]!, currentPassword, password);
  }

  /** XEP-0077: deletes the account on the server; the server then closes the stream. */
  async deleteAccount(): Promise<void> {
    this.#deleting = true;
    try {
      await deleteAccount(this.#connection);
    } catch (error) {
      this.#deleting = false;
      throw error;
    }
  }

  /** The admin area's API if our server lists its operator commands to us (loaded on demand), else null. */
  loadAdmin(): Promise<Admin | null> {
    this.#admin ??= import('./admin.ts').then(({ Admin }) => Admin.open(this.#connection, this.domain)).catch((error: unknown) => {
      this.#admin = null;
      throw error;
    });
    return this.#admin;
  }

  /**
   * The account as a XEP-0227 file (contacts, profile, bookmarks, published
   * keys, the archive as stored), through the server's one-time download
   * link on the same host as our WebSocket endpoint.
   */
  async downloadAccount(): Promise<{ file: Blob; name: string }> {
    const reply = await this.#connection.iq('set', xml('command', { xmlns: NS.COMMANDS, node: EXPORT_COMMAND, action: 'execute' }), this.domain);
    const x = reply.getChild('command', NS.COMMANDS)?.getChild('x', NS.DATA_FORMS);
    const path = x?.getChildren('field').find((field) => field.attrs.var === 'path')?.getChildText('value');
    if (!path || !path.startsWith('/')) throw new Error('the server offers no account download');
    const origin = new URL(this.#connection.service.replace(/^ws/, 'http')).origin;
    const response = await fetch(new URL(path, origin), { cache: 'no-store' });
    if (!response.ok) throw new Error(`the download failed (${response.status})`);
    return { file: await response.blob(), name: `${this.jid}.xml` };
  }

  /** XEP-0283: says on this account that it moved to `newJid`, so contacts can trust requests from there. */
  async announceMove(newJid: string): Promise<void> {
    const form = xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'new-jid' }, xml('value', {}, newJid)));
    const first = (await this.#connection.iq('set', xml('command', { xmlns: NS.COMMANDS, node: MOVE_COMMAND, action: 'execute' }), this.domain)).getChild('command', NS.COMMANDS);
    const done = (await this.#connection.iq('set', xml('command', { xmlns: NS.COMMANDS, node: MOVE_COMMAND, action: 'complete', sessionid: first?.attrs.sessionid ?? '' }, form), this.domain)).getChild('command', NS.COMMANDS);
    const error = done?.getChildren('note').find((note) => note.attrs.type === 'error');
    if (error) throw new Error(error.getText());
  }

  /** XEP-0441: what the server archives for this account. */
  getArchivePreference(): Promise<ArchivePreference> {
    return getArchivePreference(this.#connection);
  }

  setArchivePreference(value: ArchivePreference): Promise<void> {
    return setArchivePreference(this.#connection, value);
  }

  #maybeFetchAvatar(presence: Element): void {
    const photo = presence.getChild('x', NS.VCARD_UPDATE)?.getChildText('photo');
    const jid = presence.attrs.from ? bare(presence.attrs.from) : null;
    if (!jid || photo === null || photo === undefined) return;
    if (this.#avatarHashes.get(jid) === photo) return;
    this.#avatarHashes.set(jid, photo);
    if (photo === '') return this.roster.setAvatar(jid, undefined);
    void fetchVcardAvatar(this.#connection, jid)
      .then((url) => this.roster.setAvatar(jid, url))
      .catch(() => {});
  }

  #maybeNick(presence: Element): void {
    const nick = presence.getChild('nick', NS.NICK)?.getText();
    if (presence.attrs.type === 'subscribe' && nick && presence.attrs.from) this.roster.setNick(bare(presence.attrs.from), nick);
  }

  /** XEP-0172 nicknames from PEP notifications (we announce +notify in caps). */
  #nickFromPep(stanza: Element): void {
    const items = stanza.getChild('event', NS.PUBSUB_EVENT)?.getChild('items');
    if (items?.attrs.node !== NS.NICK || !stanza.attrs.from) return;
    const nick = items.getChild('item')?.getChild('nick', NS.NICK)?.getText();
    this.roster.setNick(bare(stanza.attrs.from), nick || undefined);
  }

  /**
   * Logs out. `forget` (the user's "Log out") deletes what this browser
   * keeps: messages, drafts, the OMEMO device (taken off the device list
   * first, so nobody encrypts for it any more), the saved login and the key
   * that sealed them; an encrypted backup (backup.ts) is the way to keep them.
   * Without it (the server refused the saved login) only the connection ends.
   */
  async logout(forget: boolean): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#detach();
    // A deleted account took its device list with it, and the server is closing the stream: nothing to tell it.
    const talk = this.#connection.status === 'online' && !this.#deleting;
    if (forget && talk) await this.omemo.retire().catch(() => {});
    if (talk) await this.#connection.send(xml('presence', { type: 'unavailable' })).catch(() => {});
    await this.#connection.logout();
    if (forget) {
      await this.#local.wipe().catch(() => {});
      await this.#omemoStore.destroy().catch(() => {});
      await this.#vault.destroy().catch(() => {});
      await this.#local.close().catch(() => {});
      await forgetThisBrowser();
      return;
    }
    await this.#omemoStore.close().catch(() => {});
    await this.#local.close().catch(() => {});
  }

  /** The encrypted backup of this browser's keys and history (backup.ts), sealed with `code`. */
  createBackup(code: string): Promise<Blob> {
    return createBackup({ jid: this.jid, omemo: this.#omemoStore, local: this.#local }, code);
  }
}
