import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { discoInfoResult, discoItemsResult, errorReplyFrom, iqResult, NS, StanzaError, tryParseJid, xml, type Element } from '@conexizan/protocol';
import { listen } from '../../transport/listen.ts';
import { iqErrorReply } from '../../core/iq.ts';
import type { ServerModule } from '../../core/module.ts';
import type { StanzaEvent } from '../../core/router.ts';
import { Socks5Relay } from './relay.ts';

/**
 * XEP-0065 SOCKS5 Bytestreams: a proxy (streamhost) at proxy.<domain> for
 * file transfers between clients that cannot reach each other directly.
 * On when ports.proxy65 is set: the service is then listed in the domain's
 * disco#items, tells logged-in local users its streamhost, pairs their two
 * SOCKS5 connections by SHA-1(SID + initiator JID + target JID) and relays
 * once the initiator activates the pair. Only local users are served; the
 * activating user's full JID is part of the hash, so only the initiator can
 * activate. Limits: transfers at once, idle time, bytes per transfer.
 */
export const proxy65: ServerModule = {
  name: 'proxy65',
  implements: ['XEP-0065'],
  async setup(ctx) {
    const port = ctx.config.ports.proxy65;
    if (!port) return;
    const service = `proxy.${ctx.domain}`;
    const settings = ctx.config.proxy65;
    const relay = new Socks5Relay({ maxTransfers: settings.max_transfers, idleMs: settings.idle_seconds * 1000, maxBytes: settings.max_bytes });
    const server = createServer((socket) => relay.accept(socket));
    const bound = await listen(server, ctx.config.bind, port);
    const wildcard = ['0.0.0.0', '::', '*'].includes(ctx.config.bind);
    const host = settings.host || (wildcard ? ctx.domain : ctx.config.bind);
    ctx.onStop(async () => {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      relay.close();
      await closing;
    });
    ctx.features.addItem({ jid: service, name: 'File transfer proxy' });

    const answer = (event: StanzaEvent): Element | true | undefined => {
      const { stanza, type, from } = event;
      const payload = stanza.getChildElements()[0];
      if (type === 'get' && payload?.name === 'query' && payload.getNS() === NS.DISCO_INFO && !payload.attrs.node) {
        return discoInfoResult({ identities: [{ category: 'proxy', type: 'bytestreams', name: 'SOCKS5 Bytestreams' }], features: [NS.BYTESTREAMS, NS.DISCO_INFO, NS.DISCO_ITEMS] });
      }
      if (type === 'get' && payload?.name === 'query' && payload.getNS() === NS.DISCO_ITEMS && !payload.attrs.node) return discoItemsResult([]);
      if (payload?.name !== 'query' || payload.getNS() !== NS.BYTESTREAMS) throw new StanzaError('service-unavailable', { type: 'cancel' });
      if (type === 'get') {
        return xml('query', { xmlns: NS.BYTESTREAMS }, xml('streamhost', { jid: service, host, port: String(bound) }));
      }
      const sid = payload.attrs.sid as string | undefined;
      const target = tryParseJid(payload.getChildText('activate')?.trim());
      if (!sid || !target?.resource || !from.resource) throw new StanzaError('bad-request', { type: 'modify', text: 'activate needs a sid and the target full JID' });
      const hash = createHash('sha1').update(sid + from.toString() + target.toString()).digest('hex');
      const outcome = relay.activate(hash);
      // XEP-0065 §6.3.5: item-not-found when the hash (with the sender as initiator) matches no connection, not-allowed when only one party is connected.
      if (outcome === 'missing') throw new StanzaError('item-not-found', { type: 'cancel', text: 'no bytestream with this sid from this initiator' });
      if (outcome === 'alone') throw new StanzaError('not-allowed', { type: 'cancel', text: 'only one party is connected to the proxy' });
      if (outcome === 'active') throw new StanzaError('not-allowed', { type: 'cancel', text: 'already activated' });
      return true;
    };

    ctx.hooks.on('route/remote', (event) => {
      if (event.to.domain !== service || event.to.local) return undefined;
      if (event.kind !== 'iq' || (event.type !== 'get' && event.type !== 'set')) {
        if (event.kind === 'message' && event.type !== 'error') throw new StanzaError('service-unavailable', { type: 'cancel' });
        return true; // presence, and iq results/errors, are dropped
      }
      let reply: Element;
      try {
        // Local, logged-in users only: the proxy is not a service for the world.
        if (event.origin.kind !== 'c2s' || !ctx.router.isLocal(event.from)) throw new StanzaError('forbidden', { type: 'auth' });
        if (!event.stanza.attrs.id) throw new StanzaError('bad-request', { type: 'modify' });
        const result = answer(event);
        reply = iqResult(event.stanza, typeof result === 'object' ? result : undefined);
      } catch (error) {
        if (!(error instanceof StanzaError)) throw error;
        reply = event.type === 'set' ? iqErrorReply(event.stanza, error) : errorReplyFrom(event.stanza, error);
      }
      reply.attrs.from = service;
      reply.attrs.to = event.from.toString();
      void ctx.router.route(reply);
      return true;
    });
  },
};
