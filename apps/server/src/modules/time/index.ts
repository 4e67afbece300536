import { NS, StanzaError, xml, xmppDateTime } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

/** XEP-0202: Entity Time. The server reports UTC; its own zone is nobody's business. */
export const time: ServerModule = {
  name: 'time',
  implements: ['XEP-0202'],
  setup(ctx) {
    ctx.features.addFeature('server', NS.TIME);
    ctx.iq.on('get', 'host', NS.TIME, 'time', () =>
      xml('time', { xmlns: NS.TIME }, xml('tzo', {}, '+00:00'), xml('utc', {}, xmppDateTime(new Date()))),
    );
    ctx.iq.on('set', 'host', NS.TIME, 'time', () => {
      throw new StanzaError('not-allowed', { type: 'cancel' });
    });
  },
};
