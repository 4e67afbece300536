import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { Emitter } from './events.ts';
import type { Availability, RosterItem } from './model.ts';
import { bare } from './stanzas.ts';

export type RosterEvents = { change: [] };

const SUBSCRIPTIONS = ['none', 'to', 'from', 'both'] as const;

export function parseRosterItem(item: Element): RosterItem | null {
  const jid = item.attrs.jid;
  if (!jid || jid.includes('/')) return null;
  const subscription = (SUBSCRIPTIONS as readonly string[]).includes(item.attrs.subscription ?? '') ? (item.attrs.subscription as RosterItem['subscription']) : 'none';
  return {
    jid: jid.toLowerCase(),
    name: item.attrs.name || undefined,
    subscription,
    pending: item.attrs.ask === 'subscribe',
    groups: item.getChildren('group').map((g) => g.getText()).filter(Boolean),
  };
}

function availabilityOf(presence: Element): Availability {
  if (presence.attrs.type === 'unavailable') return 'offline';
  const show = presence.getChildText('show');
  if (show === 'away' || show === 'xa') return 'away';
  if (show === 'dnd') return 'busy';
  return 'online';
}

const RANK: Record<Availability, number> = { online: 3, busy: 2, away: 1, offline: 0 };

/** The roster (RFC 6121 §2), presence of contacts, and subscription requests waiting for an answer. */
export class RosterStore extends Emitter<RosterEvents> {
  #items = new Map<string, RosterItem>();
  /** bare JID -> resource -> availability */
  #presence = new Map<string, Map<string, Availability>>();
  #requests = new Set<string>();
  #blocked = new Set<string>();
  #avatars = new Map<string, string>();
  #nicks = new Map<string, string>();
  version: string | null = null;

  get items(): RosterItem[] {
    return [...this.#items.values()].sort((a, b) => this.displayName(a.jid).localeCompare(this.displayName(b.jid)));
  }

  get requests(): string[] {
    return [...this.#requests];
  }

  get blocked(): string[] {
    return [...this.#blocked].sort();
  }

  item(jid: string): RosterItem | undefined {
    return this.#items.get(jid);
  }

  isBlocked(jid: string): boolean {
    return this.#blocked.has(jid);
  }

  avatar(jid: string): string | undefined {
    return this.#avatars.get(jid);
  }

  displayName(jid: string): string {
    return this.#items.get(jid)?.name || this.#nicks.get(jid) || jid;
  }

  availability(jid: string): Availability {
    let best: Availability = 'offline';
    for (const a of this.#presence.get(jid)?.values() ?? []) if (RANK[a] > RANK[best]) best = a;
    return best;
  }

  #changed(): void {
    this.emit('change');
  }

  /** A full roster result (or the cached copy when the server says our version is current). */
  setAll(items: RosterItem[], version: string | null): void {
    this.#items = new Map(items.map((i) => [i.jid, i]));
    this.version = version;
    for (const i of items) if (i.subscription === 'from' || i.subscription === 'both') this.#requests.delete(i.jid);
    this.#changed();
  }

  /** RFC 6121 §2.1.6 roster push. */
  applyPush(query: Element): void {
    for (const el of query.getChildren('item')) {
      const item = parseRosterItem(el);
      if (!item) continue;
      if (el.attrs.subscription === 'remove') this.#items.delete(item.jid);
      else this.#items.set(item.jid, item);
      if (item.subscription === 'from' || item.subscription === 'both') this.#requests.delete(item.jid);
    }
    if (query.attrs.ver !== undefined) this.version = query.attrs.ver;
    this.#changed();
  }

  applyPresence(presence: Element): void {
    const from = presence.attrs.from;
    if (!from) return;
    const jid = bare(from);
    const type = presence.attrs.type;
    if (type === 'subscribe') {
      const item = this.#items.get(jid);
      if (!this.#blocked.has(jid) && !(item && (item.subscription === 'from' || item.subscription === 'both'))) this.#requests.add(jid);
    } else if (type === 'unsubscribe' || type === 'unsubscribed') {
      this.#requests.delete(jid);
    } else if (type === undefined || type === 'unavailable') {
      const resource = from.includes('/') ? from.slice(from.indexOf('/') + 1) : '';
      const resources = this.#presence.get(jid) ?? new Map<string, Availability>();
      if (type === 'unavailable') resources.delete(resource);
      else resources.set(resource, availabilityOf(presence));
      this.#presence.set(jid, resources);
    } else {
      return;
    }
    this.#changed();
  }

  clearPresence(): void {
    this.#presence.clear();
    this.#changed();
  }

  dropRequest(jid: string): void {
    this.#requests.delete(jid);
    this.#changed();
  }

  setBlocked(jids: string[], blocked: boolean, replaceAll = false): void {
    if (replaceAll) this.#blocked.clear();
    for (const j of jids) {
      if (blocked) {
        this.#blocked.add(j);
        this.#requests.delete(j);
      } else this.#blocked.delete(j);
    }
    this.#changed();
  }

  setAvatar(jid: string, url: string | undefined): void {
    if (url) this.#avatars.set(jid, url);
    else this.#avatars.delete(jid);
    this.#changed();
  }

  setNick(jid: string, nick: string | undefined): void {
    if (nick) this.#nicks.set(jid, nick.slice(0, 100));
    else this.#nicks.delete(jid);
    this.#changed();
  }

  clear(): void {
    this.#items.clear();
    this.#presence.clear();
    this.#requests.clear();
    this.#blocked.clear();
    this.version = null;
    this.#changed();
  }
}

// -- stanzas ------------------------------------------------------------------

export function rosterGet(version: string | null): Element {
  return xml('query', version === null ? { xmlns: NS.ROSTER } : { xmlns: NS.ROSTER, ver: version });
}

export function rosterSet(jid: string, name: string | undefined, groups: string[]): Element {
  return xml('query', { xmlns: NS.ROSTER }, xml('item', name ? { jid, name } : { jid }, ...groups.map((g) => xml('group', {}, g))));
}

export function rosterRemove(jid: string): Element {
  return xml('query', { xmlns: NS.ROSTER }, xml('item', { jid, subscription: 'remove' }));
}

export function presenceTo(to: string, type: 'subscribe' | 'subscribed' | 'unsubscribed' | 'unsubscribe'): Element {
  return xml('presence', { to, type });
}
