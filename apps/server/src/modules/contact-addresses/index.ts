import { buildDataForm, NS } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

/**
 * XEP-0157 Contact Addresses for XMPP Services: who to tell about abuse,
 * security problems and so on, as a serverinfo form in the domain's
 * disco#info (XEP-0128). Only the kinds the operator configured appear.
 */
export const contactAddresses: ServerModule = {
  name: 'contact-addresses',
  implements: ['XEP-0157'],
  setup(ctx) {
    const fields = Object.entries(ctx.config.contact)
      .filter(([, addresses]) => addresses.length > 0)
      .map(([kind, addresses]) => ({ var: `${kind}-addresses`, type: 'list-multi', values: addresses }));
    if (!fields.length) return;
    const form = buildDataForm({ type: 'result', fields: [{ var: 'FORM_TYPE', type: 'hidden', values: [NS.SERVER_INFO] }, ...fields] });
    ctx.features.addForm('server', () => form);
  },
};
