import { NS, xml, type Jid } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';
import { IqDispatcher, type IqRequest } from '../../core/iq.ts';
import type { NodeConfig, Pep } from '../pep/api.ts';
import { fromLegacy, sameBookmark, toLegacy, type Bookmark } from './convert.ts';

/**
 * Bookmarks kept in step across their three homes: the XEP-0402 PEP node
 * (the source of truth once it exists), the legacy PEP node
 * 'storage:bookmarks' (XEP-0048 over XEP-0223, "#compat-pep") and private
 * XML storage (XEP-0049, "#compat"; XEP-0411 conversion). A change in any
 * one of them shows in the others; all of them are the owner's alone.
 */
const BOOKMARKS2_OPTIONS: Partial<NodeConfig> = { persist_items: true, max_items: 'max', send_last_published_item: 'never', access_model: 'whitelist' };
const LEGACY_OPTIONS: Partial<NodeConfig> = { persist_items: true, access_model: 'whitelist' };

export const bookmarks: ServerModule = {
  name: 'bookmarks',
  implements: ['XEP-0402 (#compat, #compat-pep)', 'XEP-0411', 'XEP-0048'],
  depends: ['pep'],
  setup(ctx) {
    const pep = ctx.require('pep');
    ctx.features.addFeature('account', `${NS.BOOKMARKS}#compat`, `${NS.BOOKMARKS}#compat-pep`, NS.BOOKMARKS_CONVERSION);
    const syncing = new Set<string>(); // owners whose bookmarks this module is rewriting right now

    const guarded = async (owner: Jid, work: () => Promise<void>) => {
      const key = owner.toString();
      if (syncing.has(key)) return;
      syncing.add(key);
      try {
        await work();
      } finally {
        syncing.delete(key);
      }
    };

    ctx.hooks.on('pep/item', async ({ owner, node, payload }) => {
      if (node === NS.BOOKMARKS) await guarded(owner, () => writeLegacyPep(pep, owner));
      else if (node === NS.BOOKMARKS_LEGACY && payload?.is('storage', NS.BOOKMARKS_LEGACY)) await guarded(owner, () => writeBookmarks2(pep, owner, fromLegacy(payload)));
    });

    // Private XML storage of <storage xmlns='storage:bookmarks'/>: seen before the private-storage module stores it.
    const legacyChild = ({ payload }: IqRequest) => payload.getChildElements().find((child) => child.is('storage', NS.BOOKMARKS_LEGACY));
    ctx.hooks.on(IqDispatcher.hookName('set', 'self', NS.PRIVATE, 'query'), async (request) => {
      const storage = legacyChild(request);
      if (storage && request.payload.getChildElements().length === 1) {
        await guarded(request.to, async () => {
          await writeBookmarks2(pep, request.to, fromLegacy(storage));
          await writeLegacyPep(pep, request.to);
        });
      }
      return undefined; // the private-storage module stores it as well
    }, 'intercept');
    ctx.hooks.on(IqDispatcher.hookName('get', 'self', NS.PRIVATE, 'query'), async (request) => {
      if (!legacyChild(request) || !(await pep.config(request.to, NS.BOOKMARKS))) return undefined;
      return xml('query', { xmlns: NS.PRIVATE }, toLegacy(await readBookmarks2(pep, request.to)));
    }, 'intercept');
  },
};

async function readBookmarks2(pep: Pep, owner: Jid): Promise<Bookmark[]> {
  if (!(await pep.config(owner, NS.BOOKMARKS))) return [];
  const items = await pep.items(owner, owner, NS.BOOKMARKS);
  return items
    .map((item) => ({ jid: item.attrs.id as string, conference: item.getChild('conference', NS.BOOKMARKS) }))
    .filter((b): b is Bookmark => !!b.conference)
    .reverse(); // oldest first, as a list would be kept
}

/** Makes the XEP-0402 node hold exactly these bookmarks (publishing only what changed). */
async function writeBookmarks2(pep: Pep, owner: Jid, wanted: Bookmark[]): Promise<void> {
  const current = await readBookmarks2(pep, owner);
  const exists = (await pep.config(owner, NS.BOOKMARKS)) !== null;
  for (const bookmark of wanted) {
    const before = current.find((b) => b.jid === bookmark.jid);
    if (before && sameBookmark(before.conference, bookmark.conference)) continue;
    await pep.publish(owner, NS.BOOKMARKS, { id: bookmark.jid, payload: bookmark.conference }, exists ? null : BOOKMARKS2_OPTIONS);
  }
  for (const gone of current.filter((b) => !wanted.some((w) => w.jid === b.jid))) await pep.retract(owner, NS.BOOKMARKS, gone.jid, true);
}

/** The legacy PEP node mirrors the XEP-0402 node. */
async function writeLegacyPep(pep: Pep, owner: Jid): Promise<void> {
  const exists = (await pep.config(owner, NS.BOOKMARKS_LEGACY)) !== null;
  await pep.publish(owner, NS.BOOKMARKS_LEGACY, { id: 'current', payload: toLegacy(await readBookmarks2(pep, owner)) }, exists ? null : LEGACY_OPTIONS);
}
