import { cloneElement, NS, parseXml, StanzaError, type Element } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';

/**
 * XEP-0049: Private XML Storage, one stored element per (name, namespace),
 * reachable by its owner only.
 */
const MAX_PRIVATE_BYTES = 64 * 1024;
const RESERVED = new Set<string>([NS.PRIVATE, NS.CLIENT, NS.SERVER, NS.STREAM]);

function storageKey(child: Element): string {
  return `{${child.getNS()}}${child.name}`;
}

function singleChild(payload: Element): Element {
  const children = payload.getChildElements();
  if (children.length !== 1) throw new StanzaError('not-acceptable', { type: 'modify', text: 'private storage takes exactly one element' });
  const child = children[0]!;
  const ns = child.getNS();
  if (!ns || RESERVED.has(ns)) throw new StanzaError('not-acceptable', { type: 'modify', text: 'that namespace cannot be stored' });
  return child;
}

export const privateStorage: ServerModule = {
  name: 'private-storage',
  implements: ['XEP-0049'],
  setup(ctx) {
    // On the account as XEP-0049 has it, and on the domain where poezio (and Prosody) look for it.
    ctx.features.addFeature('account', NS.PRIVATE);
    ctx.features.addFeature('server', NS.PRIVATE);
    ctx.iq.on('get', 'self', NS.PRIVATE, 'query', async ({ from, payload }) => {
      const child = singleChild(payload);
      const stored = await ctx.storage.privateXml.get(from.local, storageKey(child));
      const result = cloneElement(payload);
      if (stored) {
        result.children = [];
        result.append(parseXml(stored));
      }
      return result;
    });
    ctx.iq.on('set', 'self', NS.PRIVATE, 'query', async ({ from, payload }) => {
      const child = singleChild(payload);
      const serialised = withNamespace(child).toString();
      if (Buffer.byteLength(serialised) > MAX_PRIVATE_BYTES) throw new StanzaError('not-acceptable', { type: 'modify', text: 'too large' });
      await ctx.storage.privateXml.set(from.local, storageKey(child), serialised);
    });
    for (const type of ['get', 'set'] as const) {
      ctx.iq.on(type, ['bare', 'host'], NS.PRIVATE, 'query', () => {
        throw new StanzaError('forbidden', { type: 'cancel', text: "private storage is the owner's alone" });
      });
    }
  },
};

/** The stored copy must carry its namespace even if it was inherited from a prefix or parent. */
function withNamespace(child: Element): Element {
  const copy = cloneElement(child);
  copy.attrs.xmlns = child.getNS() ?? '';
  return copy;
}
