import { cloneElement, delayElement, NS, parseXml, StanzaError } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

/**
 * XEP-0160 offline messages: kept while the user has no available resource,
 * delivered in order with a XEP-0203 delay stamp on the next available
 * presence with non-negative priority, then deleted. Messages marked
 * no-store (XEP-0334) and bare chat states are not kept.
 */

export const offline: ServerModule = {
  name: 'offline',
  implements: ['XEP-0160', 'XEP-0203'],
  setup(ctx) {
    ctx.features.addFeature('server', NS.OFFLINE);

    ctx.hooks.on('message/offline', async ({ event }) => {
      const { stanza, type } = event;
      if (type !== 'normal' && type !== 'chat') return undefined;
      const children = stanza.getChildElements();
      if (stanza.getChild('no-store', NS.HINTS) || stanza.getChild('no-permanent-store', NS.HINTS)) return true;
      if (children.length > 0 && children.every((child) => child.getNS() === NS.CHATSTATES)) return true;
      const copy = cloneElement(stanza);
      copy.attrs.to = event.to.bare().toString();
      const stored = await ctx.storage.offline.store(event.to.local, copy.toString(), ctx.config.limits.offline_messages);
      if (!stored) throw new StanzaError('service-unavailable', { text: 'the recipient cannot take more offline messages' });
      return true;
    });

    ctx.hooks.on('presence/initial', async ({ session }) => {
      if (session.priority < 0) return;
      const user = session.jid.bare();
      const messages = await ctx.storage.offline.list(user.local);
      if (messages.length === 0) return;
      for (const { stanza, storedAt } of messages) {
        const message = parseXml(stanza);
        message.append(delayElement(ctx.domain, storedAt, 'Offline storage'));
        session.send(message);
      }
      await ctx.storage.offline.remove(user.local, messages.map((m) => m.id));
    });
  },
};
