import { parseJid, parseXml, type Element, type Jid, type StreamErrorCondition } from '@conexizan/protocol';
import type { SessionHandle, SessionState } from '../core/sessions.ts';

/**
 * A session as Redis holds it: what every node may know of a bound
 * resource on any node (core/sessions.ts SessionHandle, minus behaviour).
 * Short keys: one of these goes over pub/sub for every change.
 */
export interface SessionRecord {
  /** session id */
  i: string;
  /** node */
  n: string;
  /** full JID */
  j: string;
  /** available */
  a: boolean;
  /** priority */
  p: number;
  /** the last broadcast presence (XML), null while unavailable */
  x: string | null;
  /** interested in roster pushes */
  r: boolean;
  /** flags */
  f: string[];
  /** transport */
  t?: string;
}

export function recordOf(session: SessionHandle, node: string): SessionRecord {
  return {
    i: session.id,
    n: node,
    j: session.jid.toString(),
    a: session.available,
    p: session.priority,
    x: session.presence ? session.presence.toString() : null,
    r: session.interested,
    f: [...session.flags],
    t: session.transport,
  };
}

/** What a remote session does when it is sent to or closed: through its node (session-registry.ts). */
export interface RemoteLink {
  deliver(session: RemoteSession, stanza: Element): void;
  close(session: RemoteSession, condition: StreamErrorCondition, text?: string): void;
}

/** A bound resource on another node. Its state follows the records that node publishes. */
export class RemoteSession implements SessionHandle {
  readonly id: string;
  readonly jid: Jid;
  readonly node: string;
  available = false;
  priority = 0;
  presence: Element | null = null;
  interested = false;
  flags: ReadonlySet<string> = new Set();
  transport?: string;
  readonly #link: RemoteLink;

  constructor(record: SessionRecord, link: RemoteLink) {
    this.id = record.i;
    this.jid = parseJid(record.j);
    this.node = record.n;
    this.#link = link;
    this.apply(record);
  }

  /** Takes the state of a newer record of the same session. */
  apply(record: SessionRecord): void {
    this.available = record.a;
    this.priority = record.p;
    this.presence = record.x === null ? null : parseXml(record.x);
    this.interested = record.r;
    this.flags = new Set(record.f);
    this.transport = record.t;
  }

  send(stanza: Element): void {
    this.#link.deliver(this, stanza);
  }

  closeWithError(condition: StreamErrorCondition, text?: string): void {
    this.#link.close(this, condition, text);
  }

  update(_state: Partial<SessionState>): void {
    throw new Error(`session ${this.id} lives on node ${this.node}: only that node changes it`);
  }
}
