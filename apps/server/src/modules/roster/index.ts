import { NS, StanzaError, tryParseJid, xml, type Element } from '@conexizan/protocol';
import type { RosterItem } from '@conexizan/storage';
import type { ServerModule } from '../../core/module.ts';
import { pushRosterItem, rosterItemElement } from './roster-push.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/**
 * RFC 6121 §2: roster get, set and remove with versioning (§2.6), pushes to
 * interested resources. Subscription states change only through presence
 * (modules/presence); a roster set never sets them directly.
 */
export const MAX_ROSTER_ITEMS = 2000;
const MAX_NAME = 1024;

export const roster: ServerModule = {
  name: 'roster',
  implements: ['RFC 6121 §2', 'RFC 6121 §2.6 (versioning)'],
  provides: ['roster'],
  setup(ctx) {
    ctx.provide('roster', { push: (user, item, version) => pushRosterItem(ctx, user, item, version) });
    ctx.features.addStreamFeature(({ stage }) => (stage === 'post-auth' ? xml('ver', { xmlns: NS.ROSTER_VER }) : null));

    ctx.iq.on('get', 'self', NS.ROSTER, 'query', async ({ from, payload, origin }) => {
      if (origin.kind === 'c2s') origin.session.update({ interested: true });
      const known = payload.attrs.ver as string | undefined;
      // §2.6.3: the client's copy is current; the result is empty and pushes follow.
      if (known !== undefined && known === (await ctx.storage.roster.version(from.local))) return true;
      // The version and the items in one query, so that they agree.
      const { version, items } = await ctx.storage.roster.load(from.local);
      return xml('query', { xmlns: NS.ROSTER, ver: version }, ...items.map(rosterItemElement));
    });

    ctx.iq.on('set', 'self', NS.ROSTER, 'query', async ({ from, payload }) => {
      const items = payload.getChildElements();
      if (items.length !== 1 || items[0]!.name !== 'item') throw new StanzaError('bad-request', { text: 'a roster set carries exactly one item' });
      const itemEl = items[0]!;
      const contact = tryParseJid(itemEl.attrs.jid as string | undefined);
      if (!contact) throw new StanzaError('bad-request', { text: 'the item needs a valid jid' });
      const contactJid = contact.bare().toString();
      if (itemEl.attrs.subscription === 'remove') {
        const existing = await ctx.storage.roster.get(from.local, contactJid);
        if (!existing) throw new StanzaError('item-not-found');
        // §2.5.2: removing a contact cancels the subscriptions both ways.
        const fromBare = from.bare().toString();
        if (existing.subscription === 'to' || existing.subscription === 'both' || existing.askSubscribe) {
          await ctx.router.route(xml('presence', { type: 'unsubscribe', from: fromBare, to: contactJid }));
        }
        if (existing.subscription === 'from' || existing.subscription === 'both') {
          await ctx.router.route(xml('presence', { type: 'unsubscribed', from: fromBare, to: contactJid }));
        }
        const version = await ctx.storage.roster.remove(from.local, contactJid);
        if (version) await pushRosterItem(ctx, from, { jid: contactJid, removed: true }, version);
        return;
      }
      // §2.1.5: a 'subscription' other than remove is ignored; only presence changes it.
      const groups = parseGroups(itemEl);
      const name = (itemEl.attrs.name as string | undefined) ?? null;
      if (name && name.length > MAX_NAME) throw new StanzaError('not-acceptable', { text: 'the name is too long' });
      const existing = await ctx.storage.roster.get(from.local, contactJid);
      if (!existing && (await ctx.storage.roster.list(from.local)).length >= MAX_ROSTER_ITEMS) {
        throw new StanzaError('not-allowed', { text: `a roster holds at most ${MAX_ROSTER_ITEMS} contacts` });
      }
      const item: RosterItem = existing
        ? { ...existing, name, groups }
        : { jid: contactJid, name, groups, subscription: 'none', askSubscribe: false, approved: false };
      const version = await ctx.storage.roster.put(from.local, item);
      await pushRosterItem(ctx, from, item, version);
    });

    for (const type of ['get', 'set'] as const) {
      ctx.iq.on(type, ['bare', 'host'], NS.ROSTER, 'query', () => {
        throw new StanzaError('forbidden', { text: "a roster belongs to its owner alone" });
      });
    }
  },
};

/** §2.1.2.2 / §2.3.3: groups are non-empty, unique, of bounded length. */
function parseGroups(item: Element): string[] {
  const groups = item.getChildren('group').map((group) => group.getText());
  if (groups.some((group) => group.length === 0)) throw new StanzaError('not-acceptable', { text: 'empty group name' });
  if (groups.some((group) => group.length > MAX_NAME)) throw new StanzaError('not-acceptable', { text: 'group name too long' });
  if (new Set(groups).size !== groups.length) throw new StanzaError('bad-request', { text: 'duplicate group' });
  return groups;
}
