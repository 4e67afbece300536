import { randomBytes } from 'node:crypto';
import { worthArchiving, mamAnswer, mamMetadata, mamPrefs, mamQueryForm, NS, parseMamPrefs, parseMamQuery, StanzaError, tryParseJid, xml, type Element, type Jid } from '@conexizan/protocol';
import type { ArchiveEntry, ArchivePrefs } from '@conexizan/storage';
import type { IqRequest } from '../../core/iq.ts';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { StanzaEvent } from '../../core/router.ts';
import { wantsArchived } from './prefs.ts';

/**
 * XEP-0313 Message Archive Management for user archives (with the
 * #extended features), XEP-0359 stanza ids, XEP-0441 preferences.
 *
 * Each side of a conversation keeps its own copy: the sender's when a
 * client sends (pre-message/*), the recipient's on delivery (message/bare,
 * message/full), before the message module delivers or stores it offline,
 * so the copy that reaches the recipient carries the archive's
 * <stanza-id/>. One insert per copy; preferences are read per message, so
 * a change applies to the very next one. Messages older than
 * archive.retention_days are deleted hourly and never returned.
 */
const PURGE_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;

const PREFS_CACHE_MAX = 50_000;

export const mam: ServerModule = {
  name: 'mam',
  implements: ['XEP-0313', 'XEP-0059', 'XEP-0359', 'XEP-0441'],
  setup(ctx) {
    ctx.features.addFeature('account', NS.MAM, NS.MAM_EXTENDED, NS.SID);
    const retentionMs = ctx.config.archive.retention_days * DAY_MS;
    const defaults: ArchivePrefs = { default: ctx.config.archive.default_preference, always: [], never: [] };
    // Read on every archived message, changed rarely: kept in memory (bounded),
    // replaced when this server sets them, forgotten with the account; a change
    // on another node of a cluster makes this one read them again ('mam-prefs').
    const prefsCache = new Map<string, ArchivePrefs>();
    // Counts what was forgotten: a read that began before (old prefs) must not go into the cache after.
    let forgotten = 0;
    const forget = (username: string | null) => {
      forgotten++;
      if (username === null) prefsCache.clear();
      else prefsCache.delete(username);
    };
    ctx.cluster.onBroadcast('mam-prefs', forget);
    const prefsOf = async (user: Jid): Promise<ArchivePrefs> => {
      const cached = prefsCache.get(user.local);
      if (cached) return cached;
      const before = forgotten;
      const prefs = (await ctx.storage.archive.getPrefs(user.local)) ?? defaults;
      if (forgotten !== before) return prefs;
      if (prefsCache.size >= PREFS_CACHE_MAX) prefsCache.delete(prefsCache.keys().next().value!);
      prefsCache.set(user.local, prefs);
      return prefs;
    };
    ctx.hooks.on('account/deleting', ({ user }) => {
      forget(user.local);
      ctx.cluster.broadcast('mam-prefs', user.local);
    });

    /** Stores one copy in `owner`'s archive if it is worth it and wanted; returns its id. */
    const archive = async (owner: Jid, other: Jid, stanza: Element): Promise<string | null> => {
      const wanted = await wantsArchived(await prefsOf(owner), other, async () => (await ctx.storage.roster.get(owner.local, other.bare().toString())) !== null);
      if (!wanted) return null;
      const entry: ArchiveEntry = {
        id: randomBytes(16).toString('base64url'),
        peer: other.bare().toString(),
        peerResource: other.resource || null,
        stanza: stanza.toString(),
        storedAt: new Date(),
      };
      return (await ctx.storage.archive.append(owner.local, entry)) ? entry.id : null;
    };

    // The sender's copy, as the client sent it. A message to oneself is kept once, as received.
    const outbound = async (event: StanzaEvent): Promise<undefined> => {
      if (event.origin.kind !== 'c2s' || !worthArchiving(event.stanza, event.type)) return undefined;
      const owner = event.from.bare();
      if (event.to.bare().equals(owner)) return undefined;
      removeStanzaIds(event.stanza, owner);
      await archive(owner, event.to, event.stanza);
      return undefined;
    };
    for (const to of ['bare', 'full', 'remote'] as const) ctx.hooks.on(`pre-message/${to}`, outbound, 'archive');

    // The recipient's copy, before delivery, so the recipient learns its archive id.
    const inbound = async (event: StanzaEvent): Promise<undefined> => {
      const owner = event.to.bare();
      // XEP-0359 §4: nobody else may claim an id in this archive.
      removeStanzaIds(event.stanza, owner);
      if (!worthArchiving(event.stanza, event.type)) return undefined;
      const id = await archive(owner, event.from, event.stanza);
      if (id) event.stanza.append(xml('stanza-id', { xmlns: NS.SID, by: owner.toString(), id }));
      return undefined;
    };
    ctx.hooks.on('message/bare', inbound, 'archive');
    ctx.hooks.on('message/full', inbound, 'archive');

    ctx.iq.on('get', 'self', NS.MAM, 'query', () => mamQueryForm());
    ctx.iq.on('set', 'self', NS.MAM, 'query', (request) => runQuery(ctx, request, retentionMs));
    ctx.iq.on('get', 'self', NS.MAM, 'metadata', async ({ from }) => mamMetadata(await ctx.storage.archive.bounds(from.local)));
    ctx.iq.on('get', 'self', NS.MAM, 'prefs', async ({ from }) => mamPrefs(await prefsOf(from.bare())));
    ctx.iq.on('set', 'self', NS.MAM, 'prefs', async ({ from, payload }) => {
      const prefs = parseMamPrefs(payload);
      await ctx.storage.archive.setPrefs(from.local, prefs);
      forget(from.local);
      // Only once every node has forgotten the old ones does the client hear they are set.
      await ctx.cluster.broadcastAndWait('mam-prefs', from.local);
      return mamPrefs(prefs);
    });
    // §7.1: an archive is its owner's alone.
    for (const [type, name] of [['get', 'query'], ['set', 'query'], ['get', 'metadata'], ['get', 'prefs'], ['set', 'prefs']] as const) {
      ctx.iq.on(type, 'bare', NS.MAM, name, () => {
        throw new StanzaError('forbidden', { type: 'auth', text: 'only its owner can use an archive' });
      });
    }

    const purge = async () => {
      try {
        const purged = await ctx.storage.archive.purgeOlderThan(new Date(Date.now() - retentionMs));
        if (purged > 0) ctx.log.info({ purged }, 'expired archived messages deleted');
      } catch (error) {
        ctx.log.warn({ err: error }, 'could not delete expired archived messages');
      }
    };
    const timer = setInterval(() => void purge(), PURGE_EVERY_MS);
    timer.unref();
    ctx.onStop(() => clearInterval(timer));
    ctx.hooks.on('server/started', () => void purge());
  },
};

/** Removes <stanza-id/> elements that claim to come from `archive` (XEP-0359 §4). */
function removeStanzaIds(stanza: Element, archive: Jid): void {
  if (!stanza.getChild('stanza-id', NS.SID)) return; // the usual case: nothing to look at
  const owner = archive.toString();
  stanza.children = stanza.children.filter(
    (child) => typeof child === 'string' || child.name !== 'stanza-id' || child.attrs.xmlns !== NS.SID || tryParseJid(child.attrs.by as string)?.toString() !== owner,
  );
}

/** §4: the matching messages to the querying resource, then <fin/> as the iq result. */
async function runQuery(ctx: ModuleContext, { from, payload, origin }: IqRequest, retentionMs: number): Promise<Element> {
  const query = parseMamQuery(payload);
  // Expired messages the hourly purge has not reached yet are already gone.
  const cutoff = new Date(Date.now() - retentionMs);
  if (!query.filter.start || query.filter.start < cutoff) query.filter.start = cutoff;
  const result = await ctx.storage.archive.query(from.local, query.filter, query.page);
  // §4.1.3, §4.3.2: an id that is not in this archive.
  if (!result) throw new StanzaError('item-not-found', { type: 'cancel', text: 'no such message in the archive' });
  const { messages, fin } = mamAnswer(result, query, { from: from.bare().toString(), to: from.toString() });
  for (const message of messages) {
    if (origin.kind === 'c2s') origin.session.send(message);
    else await ctx.router.route(message);
  }
  return fin;
}
