import { NS, xml, type Element } from '@conexizan/protocol';

/**
 * Bookmarks in their two shapes: XEP-0402 (one PEP item per room, the id
 * is the room's JID) and XEP-0048 (one `<storage/>` listing every room,
 * kept in private XML storage or the legacy PEP node). XEP-0402 §5.3 maps
 * them field by field.
 */

export interface Bookmark {
  jid: string;
  /** `<conference xmlns='urn:xmpp:bookmarks:1'>` */
  conference: Element;
}

const truthy = (value: unknown) => value === 'true' || value === '1';

/** XEP-0048 `<storage/>` → XEP-0402 conferences (rooms without a JID are skipped). */
export function fromLegacy(storage: Element): Bookmark[] {
  const seen = new Set<string>();
  const out: Bookmark[] = [];
  for (const conference of storage.getChildren('conference')) {
    const jid = conference.attrs.jid as string | undefined;
    if (!jid || seen.has(jid)) continue;
    seen.add(jid);
    const nick = conference.getChildText('nick');
    const password = conference.getChildText('password');
    out.push({
      jid,
      conference: xml(
        'conference',
        { xmlns: NS.BOOKMARKS, name: conference.attrs.name, autojoin: truthy(conference.attrs.autojoin) ? 'true' : 'false' },
        nick ? xml('nick', {}, nick) : undefined,
        password ? xml('password', {}, password) : undefined,
      ),
    });
  }
  return out;
}

/** XEP-0402 conferences → XEP-0048 `<storage/>` (extensions have no legacy form). */
export function toLegacy(bookmarks: Bookmark[]): Element {
  return xml(
    'storage',
    { xmlns: NS.BOOKMARKS_LEGACY },
    ...bookmarks.map(({ jid, conference }) => {
      const nick = conference.getChildText('nick');
      const password = conference.getChildText('password');
      return xml(
        'conference',
        { jid, name: conference.attrs.name, autojoin: truthy(conference.attrs.autojoin) ? 'true' : 'false' },
        nick ? xml('nick', {}, nick) : undefined,
        password ? xml('password', {}, password) : undefined,
      );
    }),
  );
}

/** Same room settings (name, autojoin, nick, password)? */
export function sameBookmark(a: Element, b: Element): boolean {
  return (
    (a.attrs.name ?? '') === (b.attrs.name ?? '') &&
    truthy(a.attrs.autojoin) === truthy(b.attrs.autojoin) &&
    (a.getChildText('nick') ?? '') === (b.getChildText('nick') ?? '') &&
    (a.getChildText('password') ?? '') === (b.getChildText('password') ?? '')
  );
}
