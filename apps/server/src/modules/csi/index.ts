import { carbonInner, hasContent, NS, xml, type Element } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';
import type { OutboundFilter } from '../../core/outbound.ts';

/**
 * XEP-0352 client state indication. While a client says it is inactive
 * (a phone in a pocket), what it need not see at once waits: presence
 * (only the latest per sender is kept), chat states (only the latest per
 * conversation), receipts, markers and other body-less messages. A message
 * with a body or an encrypted payload (also as a carbon copy), an iq, a
 * subscription request or an error goes out at once, after what was held,
 * so the order is kept. `<active/>` releases everything; so does reaching
 * MAX_HELD, so memory stays bounded.
 */
export const MAX_HELD = 100;

interface Held {
  stanza: Element;
  next: (stanza: Element) => void;
}

interface ClientState {
  held: Map<string, Held>;
  seq: number;
}

export const csi: ServerModule = {
  name: 'csi',
  implements: ['XEP-0352'],
  setup(ctx) {
    const inactive = new Map<string, ClientState>(); // session id → what is held while inactive
    ctx.features.addStreamFeature(({ stage }) => (stage === 'post-auth' ? xml('csi', { xmlns: NS.CSI }) : null));

    ctx.hooks.on('c2s/element', ({ element, session }) => {
      if (element.getNS() !== NS.CSI) return undefined;
      if (element.name === 'inactive') {
        if (!inactive.has(session.id)) inactive.set(session.id, { held: new Map(), seq: 0 });
        return true;
      }
      if (element.name === 'active') {
        const state = inactive.get(session.id);
        inactive.delete(session.id);
        if (state) flush(state);
        return true;
      }
      return undefined; // anything else in the namespace: the stream's unsupported-stanza-type
    });
    ctx.hooks.on('session/closed', ({ session }) => {
      inactive.delete(session.id);
    });
    // A session that moves to another node (stream management): what was held goes on its way
    // (into the unacknowledged queue, which moves with it); the new node starts it active.
    ctx.hooks.on('session/export', ({ session }) => {
      const state = inactive.get(session.id);
      inactive.delete(session.id);
      if (state) flush(state);
    });

    const filter: OutboundFilter = (stanza, session, next) => {
      const state = inactive.get(session.id);
      if (!state) return next(stanza);
      const key = holdKey(stanza, state);
      if (key === null) {
        flush(state);
        return next(stanza);
      }
      state.held.delete(key); // a newer one replaces it, at the end of the queue
      state.held.set(key, { stanza, next });
      if (state.held.size >= MAX_HELD) flush(state);
    };
    ctx.outbound.add(filter, 'hold');
  },
};

function flush(state: ClientState): void {
  const held = [...state.held.values()];
  state.held.clear();
  for (const { stanza, next } of held) next(stanza);
}

const SUBSCRIPTION = new Set(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);

/**
 * Under which key a stanza may wait (a newer stanza with the same key
 * replaces it), or null if it must go out now.
 */
function holdKey(stanza: Element, state: ClientState): string | null {
  const type = (stanza.attrs.type as string | undefined) ?? '';
  const from = (stanza.attrs.from as string | undefined) ?? '';
  if (type === 'error') return null;
  if (stanza.name === 'presence') return SUBSCRIPTION.has(type) ? null : `presence ${from}`;
  if (stanza.name !== 'message') return null;
  const message = carbonInner(stanza) ?? stanza;
  if (hasContent(message)) return null;
  const payloads = message.getChildElements().filter((child) => child.name !== 'thread');
  if (payloads.length > 0 && payloads.every((child) => child.getNS() === NS.CHATSTATES)) {
    // Only the latest chat state of a conversation matters.
    return `chatstate ${stanza.getChild('sent', NS.CARBONS) ? 'sent' : 'received'} ${message.attrs.from ?? ''} ${message.attrs.to ?? ''}`;
  }
  return `message ${state.seq++}`;
}
