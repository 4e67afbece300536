import { randomBytes } from 'node:crypto';
import { parseXml } from '@conexizan/protocol';
import type { SessionHandle, SessionSnapshot } from '../../core/sessions.ts';
import { UnackedQueue } from '../../core/unacked-queue.ts';

/**
 * Resumption on another node of a cluster. A resumption id starts with the
 * session's id, which a session keeps when it moves, so the node a client
 * resumes on finds in the registry which node holds the session and asks
 * it ('sm/take'). That node answers with everything the session is (its
 * state, the unacknowledged stanzas and counters, and what the other
 * modules keep about it: session/export) and lets it go without ending it;
 * the asking node adopts it on the resuming stream and goes on as after a
 * local resumption. A node that died took its sessions with it: they are
 * gone from the registry, so the client gets item-not-found and catches up
 * from its archive.
 */
export const TAKE = 'sm/take';

export interface TakeRequest {
  previd: string;
  username: string;
  h: number;
}

export interface QueueSnapshot {
  /** unacknowledged stanzas (XML) and when each was sent (ms) */
  items: { x: string; t: number }[];
  sent: number;
  acked: number;
  /** stanzas handled from the client ('h' of the server) */
  handled: number;
  resumeSeconds: number;
}

export interface HandedOver {
  session: SessionSnapshot;
  sm: QueueSnapshot;
  /** what the other modules keep about the session (session/export) */
  modules: Record<string, unknown>;
}

/** null: no such session (unknown, someone else's, expired); failed: the client's 'h' is impossible. */
export type TakeAnswer = HandedOver | { failed: number } | null;

/** The session's id, then 18 random bytes: unguessable, and it says which session it resumes. */
export function newResumeId(session: SessionHandle): string {
  return `${session.id}.${randomBytes(18).toString('base64url')}`;
}

export function sessionIdOf(previd: string): string {
  return previd.split('.')[0] ?? '';
}

export function queueSnapshot(queue: UnackedQueue, handled: number, resumeSeconds: number): QueueSnapshot {
  return {
    items: queue.items.map(({ stanza, queuedAt }) => ({ x: stanza.toString(), t: queuedAt.getTime() })),
    sent: queue.sent,
    acked: queue.acked,
    handled,
    resumeSeconds,
  };
}

export function queueFrom(snapshot: QueueSnapshot): UnackedQueue {
  const queue = new UnackedQueue();
  queue.items.push(...snapshot.items.map(({ x, t }) => ({ stanza: parseXml(x), queuedAt: new Date(t) })));
  queue.sent = snapshot.sent;
  queue.acked = snapshot.acked;
  return queue;
}
