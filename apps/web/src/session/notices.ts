import type { Element } from '@conexizan/protocol/xml';
import { Emitter } from './events.ts';

/**
 * Notices from our own server rather than from a person: announcements,
 * the message of the day (XEP-0133) and, for operators, notices about new
 * abuse reports and accounts. They come as messages from the bare domain
 * and are shown apart from the chats, newest first, until dismissed.
 */
export interface ServiceNotice {
  id: string;
  subject: string;
  body: string;
  /** milliseconds since the epoch */
  at: number;
}

const MAX_NOTICES = 50;

export class NoticeStore extends Emitter<{ change: [] }> {
  #notices: ServiceNotice[] = [];

  get notices(): readonly ServiceNotice[] {
    return this.#notices;
  }

  /** A message from `domain` itself (no local part) is a notice: returns it, or null for any other message. */
  static parse(stanza: Element, domain: string, now = Date.now()): ServiceNotice | null {
    const from = stanza.attrs.from;
    if (stanza.name !== 'message' || from !== domain || stanza.attrs.type === 'error' || stanza.attrs.type === 'groupchat') return null;
    const body = stanza.getChildText('body');
    if (!body) return null;
    const stamp = stanza.getChild('delay', 'urn:xmpp:delay')?.attrs.stamp;
    const at = stamp && !Number.isNaN(Date.parse(stamp)) ? Date.parse(stamp) : now;
    return { id: stanza.attrs.id || `${at}-${body.length}`, subject: stanza.getChildText('subject') ?? '', body, at };
  }

  add(notice: ServiceNotice): void {
    if (this.#notices.some((n) => n.id === notice.id)) return;
    this.#notices = [notice, ...this.#notices].sort((a, b) => b.at - a.at).slice(0, MAX_NOTICES);
    this.emit('change');
  }

  setAll(notices: ServiceNotice[]): void {
    this.#notices = [...notices].sort((a, b) => b.at - a.at).slice(0, MAX_NOTICES);
    this.emit('change');
  }

  dismiss(id: string): void {
    this.#notices = this.#notices.filter((n) => n.id !== id);
    this.emit('change');
  }
}
