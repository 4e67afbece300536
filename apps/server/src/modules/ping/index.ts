import { NS } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

/** XEP-0199: XMPP Ping, answered for the server and on behalf of accounts. */
export const ping: ServerModule = {
  name: 'ping',
  implements: ['XEP-0199'],
  setup(ctx) {
    ctx.features.addFeature('server', NS.PING);
    ctx.iq.on('get', ['host', 'self', 'bare'], NS.PING, 'ping', () => true);
  },
};
