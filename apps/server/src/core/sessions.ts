import type { Element, Jid, StreamErrorCondition } from '@conexizan/protocol';

/**
 * What the router needs to know about a connected, bound client resource.
 * A handle may stand for a session in this process or, once several server
 * processes share one domain, in another one: so modules only ever reach a
 * session through the registry and only ever talk to it through `send`.
 */
export interface SessionHandle {
  readonly id: string;
  /** full JID */
  readonly jid: Jid;
  /** true after initial presence, false again after unavailable presence */
  readonly available: boolean;
  readonly priority: number;
  /** the last broadcast presence (without to/from), null while unavailable */
  readonly presence: Element | null;
  /** RFC 6121 §2.1.6: only "interested resources" (that asked for the roster) get roster pushes */
  readonly interested: boolean;
  /**
   * What the client turned on for this session that code on any node may
   * need to know: each module names its own (carbons: 'carbons', XEP-0191
   * pushes: 'blocklist'). Changed only through update().
   */
  readonly flags: ReadonlySet<string>;
  /** how the client is connected ('tcp', 'tls', 'ws', 'wss', 'bosh', 'boshs'), where a module's answer depends on it */
  readonly transport?: string;
  /** the node of a cluster that holds the session; undefined: this process */
  readonly node?: string;
  send(stanza: Element): void;
  /** Ends the session with a stream error (RFC 6120 §4.9), e.g. after the account was deleted. */
  closeWithError(condition: StreamErrorCondition, text?: string): void;
  /**
   * Presence, roster interest and flags change only through here, on the
   * node that holds the session: the registry then tells the other nodes.
   */
  update(state: Partial<SessionState>): void;
}

/** The part of a session every node sees. */
export type SessionState = Pick<SessionHandle, 'available' | 'priority' | 'presence' | 'interested' | 'flags'>;

/** A copy of `flags` with `flag` turned on or off. */
export function withFlag(flags: ReadonlySet<string>, flag: string, on: boolean): ReadonlySet<string> {
  const next = new Set(flags);
  if (on) next.add(flag);
  else next.delete(flag);
  return next;
}

/**
 * A session whose stream is in this process: what stream management
 * (XEP-0198) and the outbound filters need beyond a handle. The c2s events
 * (core/events.ts) carry this, never the stream class itself.
 */
export interface LocalSession extends SessionHandle {
  /** Writes to the socket directly, past the outbound filters: stream-level elements (SM acks) and what filters release. Nothing while hibernating. */
  writeElement(element: Element): void;
  /** stanzas received from the client and handled, for stream management's 'h' */
  readonly stanzasReceived: number;
  /** the socket is gone and the session waits to be resumed (or ended) */
  readonly hibernating: boolean;
  /** Ends a hibernating session for good (its resumption window is over). */
  end(): Promise<void>;
  /**
   * Continues this session on the connection of `stream` (which resumes
   * it and ends without a session of its own); a connection this session
   * still had is closed with a conflict.
   */
  resumeOn(stream: AuthenticatedStream): void;
  /**
   * The session continues on another node of the cluster (stream
   * management resumed it there with what session/export gave): it is let
   * go of here without ending (no session/closed); a connection it still
   * had is closed with a conflict.
   */
  handOver(): void;
}

/**
 * A session's state as another node sees it: mirrored in a cluster's
 * registry, or handed over when the session moves (stream management
 * resumption on another node). Plain JSON.
 */
export interface SessionSnapshot {
  id: string;
  /** full JID */
  jid: string;
  available: boolean;
  priority: number;
  /** the last broadcast presence (XML), null while unavailable */
  presence: string | null;
  interested: boolean;
  flags: string[];
}

export function snapshotOf(session: SessionHandle): SessionSnapshot {
  return {
    id: session.id,
    jid: session.jid.toString(),
    available: session.available,
    priority: session.priority,
    presence: session.presence ? session.presence.toString() : null,
    interested: session.interested,
    flags: [...session.flags],
  };
}

/** A stream that authenticated but has not bound a resource: stream management's <resume/> arrives there. */
export interface AuthenticatedStream {
  /** the authenticated account */
  readonly username: string | null;
  /** Writes to this stream's socket (a <failed/> answer; the client may then bind afresh). */
  writeElement(element: Element): void;
  /**
   * Binds this stream to a session that another node handed over (same id,
   * full JID and state): it goes on here, without session/bound.
   */
  adopt(moved: SessionSnapshot): Promise<LocalSession>;
}

/**
 * Every bound resource of the domain. In one process that is this
 * process's sessions; in a cluster (src/cluster/session-registry.ts) it is
 * every node's, and a handle of a session on another node sends through
 * that node. Local sessions are added, changed and removed here by their
 * stream; what the registry returns is the same object for as long as the
 * session lives, so handles may be compared with ===.
 */
export interface SessionRegistry {
  /**
   * Adds a bound resource. If the full JID is taken, the older session is
   * returned so that the caller can end it with a `conflict` stream error.
   */
  add(session: SessionHandle): Promise<SessionHandle | null>;
  remove(session: SessionHandle): Promise<void>;
  /** A local session's state changed (SessionHandle.update): the other nodes hear of it. */
  changed(session: SessionHandle): void;
  /** A local session went on on another node (LocalSession.handOver): forgotten here, its record left to that node. */
  handedOver(session: SessionHandle): void;
  find(fullJid: Jid): Promise<SessionHandle | null>;
  /** Every bound resource of a local user (bare JID), in any state. */
  resourcesOf(bareJid: Jid): Promise<SessionHandle[]>;
  /** sessions bound to this process (node) */
  count(): number;
  /** every bound resource, on every node */
  all(): Iterable<SessionHandle>;
}

/** The registry of a server that runs as one process (src/cluster/ has the one for several). */
export class InProcessSessionRegistry implements SessionRegistry {
  readonly #byUser = new Map<string, Map<string, SessionHandle>>();
  #count = 0;

  async add(session: SessionHandle): Promise<SessionHandle | null> {
    const bare = session.jid.bare().toString();
    let resources = this.#byUser.get(bare);
    if (!resources) {
      resources = new Map();
      this.#byUser.set(bare, resources);
    }
    const previous = resources.get(session.jid.resource) ?? null;
    if (!previous) this.#count++;
    resources.set(session.jid.resource, session);
    return previous;
  }

  async remove(session: SessionHandle): Promise<void> {
    const bare = session.jid.bare().toString();
    const resources = this.#byUser.get(bare);
    if (!resources || resources.get(session.jid.resource) !== session) return;
    resources.delete(session.jid.resource);
    this.#count--;
    if (resources.size === 0) this.#byUser.delete(bare);
  }

  changed(): void {}

  handedOver(session: SessionHandle): void {
    void this.remove(session);
  }

  async find(fullJid: Jid): Promise<SessionHandle | null> {
    return this.#byUser.get(fullJid.bare().toString())?.get(fullJid.resource) ?? null;
  }

  async resourcesOf(bareJid: Jid): Promise<SessionHandle[]> {
    const resources = this.#byUser.get(bareJid.bare().toString());
    return resources ? [...resources.values()] : [];
  }

  count(): number {
    return this.#count;
  }

  *all(): Iterable<SessionHandle> {
    for (const resources of this.#byUser.values()) yield* resources.values();
  }
}
