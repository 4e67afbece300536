import { parseJid, parseXml, type Element, type Jid, type StreamErrorCondition } from '@conexizan/protocol';
import { snapshotOf, type SessionHandle, type SessionSnapshot, type SessionState } from '../core/sessions.ts';

/** A session as Redis holds it and every node mirrors it: its snapshot, and where it is. */
export interface SessionRecord extends SessionSnapshot {
  node: string;
  transport?: string;
}

export function recordOf(session: SessionHandle, node: string): SessionRecord {
  return { ...snapshotOf(session), node, transport: session.transport };
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
    this.id = record.id;
    this.jid = parseJid(record.jid);
    this.node = record.node;
    this.#link = link;
    this.apply(record);
  }

  /** Takes the state of a newer record of the same session. */
  apply(record: SessionRecord): void {
    this.available = record.available;
    this.priority = record.priority;
    this.presence = record.presence === null ? null : parseXml(record.presence);
    this.interested = record.interested;
    this.flags = new Set(record.flags);
    this.transport = record.transport;
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
