import { NS, StanzaError, xml } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

export const SOFTWARE_NAME = 'Conexizan';
export const SOFTWARE_VERSION = '0.1.0';

/**
 * XEP-0092: Software Version. Operators may hide it (server.show_version),
 * since a version number helps an attacker pick an exploit. The OS is never
 * disclosed.
 */
export const version: ServerModule = {
  name: 'version',
  implements: ['XEP-0092'],
  setup(ctx) {
    if (!ctx.config.server.show_version) return;
    ctx.features.addFeature('server', NS.VERSION);
    ctx.iq.on('get', 'host', NS.VERSION, 'query', () =>
      xml('query', { xmlns: NS.VERSION }, xml('name', {}, SOFTWARE_NAME), xml('version', {}, SOFTWARE_VERSION)),
    );
    ctx.iq.on('set', 'host', NS.VERSION, 'query', () => {
      throw new StanzaError('not-allowed', { type: 'cancel' });
    });
  },
};
