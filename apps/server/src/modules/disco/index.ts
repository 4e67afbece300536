import { capsElement, capsHash, discoInfoResult, discoItemsResult, NS, StanzaError, xml, type Element } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

/**
 * XEP-0030 Service Discovery on the server and on accounts, and the server's
 * XEP-0115 capabilities hash in its stream features (so clients can cache
 * what the server does). Every other module announces its features through
 * ctx.features; this module only reads them.
 */
export const CAPS_NODE = 'https://conexizan.org';

export const disco: ServerModule = {
  name: 'disco',
  implements: ['XEP-0030', 'XEP-0115', 'XEP-0128'],
  setup(ctx) {
    ctx.features.addFeature('server', NS.DISCO_INFO, NS.DISCO_ITEMS);
    ctx.features.addFeature('account', NS.DISCO_INFO, NS.DISCO_ITEMS);
    ctx.features.addIdentity('server', { category: 'server', type: 'im', name: 'Conexizan' });
    ctx.features.addIdentity('account', { category: 'account', type: 'registered' });

    const serverInfo = () => ({ identities: ctx.features.identities('server'), features: ctx.features.features('server'), forms: ctx.features.forms('server') });
    let ver: string | null = null;
    ctx.hooks.on('server/started', async () => {
      ver = await capsHash(serverInfo());
    });
    ctx.features.addStreamFeature(({ stage }) => (stage === 'post-auth' && ver ? capsElement(CAPS_NODE, ver) : null));

    ctx.iq.on('get', 'host', NS.DISCO_INFO, 'query', async ({ from, payload }) => {
      const node = payload.attrs.node as string | undefined;
      if (node && node !== `${CAPS_NODE}#${ver}`) {
        // A node another module serves (ctx.features.addNode), e.g. an ad-hoc command.
        const info = await ctx.features.node(node)?.info?.(from);
        if (!info) throw new StanzaError('item-not-found');
        return discoInfoResult({ ...info, node });
      }
      return discoInfoResult({ ...serverInfo(), node });
    });
    ctx.iq.on('get', ['self', 'bare'], NS.DISCO_INFO, 'query', async ({ to, payload }) => {
      if (payload.attrs.node) throw new StanzaError('item-not-found');
      if (!(await ctx.accounts.exists(to.local))) throw new StanzaError('service-unavailable');
      return discoInfoResult({ identities: ctx.features.identities('account'), features: ctx.features.features('account'), forms: ctx.features.forms('account') });
    });
    ctx.iq.on('get', 'host', NS.DISCO_ITEMS, 'query', async ({ from, payload }) => {
      const node = payload.attrs.node as string | undefined;
      if (!node) return itemsResult(payload, ctx.features.items('server'));
      const items = await ctx.features.node(node)?.items?.(from);
      if (!items) throw new StanzaError('item-not-found');
      return discoItemsResult(items, node);
    });
    ctx.iq.on('get', ['self', 'bare'], NS.DISCO_ITEMS, 'query', async ({ to, payload }) => {
      if (!(await ctx.accounts.exists(to.local))) throw new StanzaError('service-unavailable');
      return itemsResult(payload, []);
    });
  },
};

function itemsResult(payload: Element, items: { jid: string; name?: string }[]): Element {
  if (payload.attrs.node) throw new StanzaError('item-not-found');
  return xml('query', { xmlns: NS.DISCO_ITEMS }, ...items.map((item) => xml('item', { jid: item.jid, name: item.name })));
}
