import { NS, parseXml, StanzaError, xml } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

/**
 * XEP-0054: vcard-temp. Anyone may read an account's vCard (it is the
 * public profile); only the owner may change it.
 */
const MAX_VCARD_BYTES = 128 * 1024;

export const vcard: ServerModule = {
  name: 'vcard',
  implements: ['XEP-0054'],
  setup(ctx) {
    ctx.features.addFeature('server', NS.VCARD);
    ctx.features.addFeature('account', NS.VCARD);
    ctx.iq.on('get', ['self', 'bare'], NS.VCARD, 'vCard', async ({ to }) => {
      if (!(await ctx.accounts.exists(to.local))) throw new StanzaError('service-unavailable', { type: 'cancel' });
      const stored = await ctx.storage.vcards.get(to.local);
      return stored ? parseXml(stored) : xml('vCard', { xmlns: NS.VCARD });
    });
    ctx.iq.on('get', 'host', NS.VCARD, 'vCard', () => xml('vCard', { xmlns: NS.VCARD }));
    ctx.iq.on('set', 'self', NS.VCARD, 'vCard', async ({ from, payload }) => {
      const serialised = payload.toString();
      if (Buffer.byteLength(serialised) > MAX_VCARD_BYTES) throw new StanzaError('not-acceptable', { type: 'modify', text: 'the vCard is too large' });
      payload.attrs.xmlns = NS.VCARD;
      await ctx.storage.vcards.set(from.local, payload.children.length ? payload.toString() : null);
    });
    ctx.iq.on('set', 'bare', NS.VCARD, 'vCard', () => {
      throw new StanzaError('forbidden', { type: 'auth', text: "you may only change your own vCard" });
    });
  },
};
