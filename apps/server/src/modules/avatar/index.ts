import { NS, parseXml, xml, type Element, type Jid } from '@conexizan/protocol';
import { IqDispatcher } from '../../core/iq.ts';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { NodeConfig, Pep } from '../pep/api.ts';
import { avatarFromBase64, dataPayload, metadataPayload, photoOf, withPhoto, type Avatar } from './photo.ts';

/**
 * XEP-0398: user avatars (XEP-0084, PEP) and vCard-based avatars
 * (XEP-0153) kept in step. Publishing avatar metadata updates the vCard's
 * PHOTO; setting a vCard with a PHOTO publishes the avatar; available
 * presence without a vcard-temp:x:update element gets one with the
 * current hash. vCards are public here, so the avatar nodes are open.
 */
const OPEN: Partial<NodeConfig> = { access_model: 'open' };
const MAX_VCARD_BYTES = 128 * 1024;

export const avatar: ServerModule = {
  name: 'avatar',
  implements: ['XEP-0398', 'XEP-0084', 'XEP-0153'],
  depends: ['pep'],
  setup(ctx) {
    const pep = ctx.require('pep');
    ctx.features.addFeature('account', NS.PEP_VCARD_CONVERSION);
    const converting = new Set<string>();
    const guarded = async (owner: Jid, work: () => Promise<void>) => {
      if (converting.has(owner.toString())) return;
      converting.add(owner.toString());
      try {
        await work();
      } finally {
        converting.delete(owner.toString());
      }
    };

    // PEP → vCard
    ctx.hooks.on('pep/item', async ({ owner, node, payload }) => {
      if (node !== NS.AVATAR_METADATA || !payload) return;
      await guarded(owner, () => metadataToVcard(ctx, owner, payload));
    });

    // vCard → PEP, before the vcard module stores it
    ctx.hooks.on(IqDispatcher.hookName('set', 'self', NS.VCARD, 'vCard'), async ({ to, payload }) => {
      if (Buffer.byteLength(payload.toString()) > MAX_VCARD_BYTES) return undefined; // the vcard module refuses it
      await guarded(to, () => vcardToPep(ctx, pep, to, photoOf(payload)));
      return undefined;
    }, 'intercept');

    // XEP-0153 §4.1 / XEP-0398 §4: presence carries the avatar hash
    ctx.hooks.on('presence/broadcast', async (event) => {
      if (event.type !== 'available' || event.stanza.getChild('x', NS.VCARD_UPDATE)) return undefined;
      const hash = await currentHash(ctx, pep, event.from.bare());
      if (hash !== undefined) event.stanza.append(xml('x', { xmlns: NS.VCARD_UPDATE }, xml('photo', {}, hash || undefined)));
      return undefined;
    }, 'enrich');
  },
};

/** The id of the newest metadata item: '' when the avatar was disabled, undefined when there is none. */
async function currentHash(ctx: ModuleContext, pep: Pep, owner: Jid): Promise<string | undefined> {
  if (!(await pep.config(owner, NS.AVATAR_METADATA))) return undefined;
  const [latest] = await ctx.storage.pubsub.items(owner.local, NS.AVATAR_METADATA, { max: 1 });
  if (!latest) return undefined;
  return parseXml(latest.payload).getChild('info') ? latest.id : '';
}

async function metadataToVcard(ctx: ModuleContext, owner: Jid, metadata: Element): Promise<void> {
  const info = metadata.getChildren('info').find((i) => !i.attrs.url) ?? null;
  let avatar: Avatar | null = null;
  if (info) {
    const [data] = await ctx.storage.pubsub.items(owner.local, NS.AVATAR_DATA, { ids: [String(info.attrs.id)] });
    if (!data) return; // the image is elsewhere (a URL): nothing to put in the vCard
    avatar = avatarFromBase64(parseXml(data.payload).getText(), String(info.attrs.type ?? ''));
    if (!avatar || avatar.id !== info.attrs.id) return;
  }
  const stored = await ctx.storage.vcards.get(owner.local);
  const vcard = withPhoto(stored ? parseXml(stored) : xml('vCard', { xmlns: NS.VCARD }), avatar);
  const serialised = vcard.toString();
  if (Buffer.byteLength(serialised) > MAX_VCARD_BYTES) return;
  await ctx.storage.vcards.set(owner.local, vcard.children.length ? serialised : null);
}

async function vcardToPep(ctx: ModuleContext, pep: Pep, owner: Jid, photo: Avatar | null): Promise<void> {
  const current = await currentHash(ctx, pep, owner);
  if ((photo?.id ?? '') === (current ?? '')) return;
  if (!photo && current === undefined) return;
  const options = async (node: string) => ((await pep.config(owner, node)) ? null : OPEN);
  if (photo) await pep.publish(owner, NS.AVATAR_DATA, { id: photo.id, payload: dataPayload(photo) }, await options(NS.AVATAR_DATA));
  await pep.publish(owner, NS.AVATAR_METADATA, { id: photo?.id ?? 'none', payload: metadataPayload(photo) }, await options(NS.AVATAR_METADATA));
}
