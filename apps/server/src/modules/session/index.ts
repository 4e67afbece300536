import { NS } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

/**
 * RFC 3921 §3 session establishment, optional since RFC 6121 (the stream
 * feature says <optional/>). Older clients still send it and wait for a result.
 */
export const session: ServerModule = {
  name: 'session',
  implements: ['RFC 3921 §3', 'draft-cridland-xmpp-session-01'],
  setup(ctx) {
    ctx.iq.on('set', ['host', 'self'], NS.SESSION, 'session', () => true);
  },
};
