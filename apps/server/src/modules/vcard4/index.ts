import { NS, StanzaError, xml } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

/**
 * XEP-0292 vCard4 over XMPP: the profile lives on the PEP node
 * urn:xmpp:vcard4 (item 'current'), so its access model decides who reads
 * it. The older iq get/set of <vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/>
 * on the account reads and writes that same node.
 */

export const vcard4: ServerModule = {
  name: 'vcard4',
  implements: ['XEP-0292'],
  depends: ['pep'],
  setup(ctx) {
    const pep = ctx.require('pep');
    ctx.features.addFeature('account', NS.VCARD4);
    ctx.iq.on('get', ['self', 'bare'], NS.VCARD4, 'vcard', async ({ from, to }) => {
      if (!(await ctx.accounts.exists(to.local))) throw new StanzaError('service-unavailable', { type: 'cancel' });
      if (!(await pep.config(to, NS.VCARD4_NODE))) return xml('vcard', { xmlns: NS.VCARD4 });
      const [current] = await pep.items(to, from, NS.VCARD4_NODE, { max: 1 });
      return current?.getChild('vcard', NS.VCARD4) ?? xml('vcard', { xmlns: NS.VCARD4 });
    });
    ctx.iq.on('set', 'self', NS.VCARD4, 'vcard', async ({ to, payload }) => {
      await pep.publish(to, NS.VCARD4_NODE, { id: 'current', payload });
    });
    ctx.iq.on('set', 'bare', NS.VCARD4, 'vcard', () => {
      throw new StanzaError('forbidden', { type: 'auth', text: 'you may only change your own vCard' });
    });
  },
};
