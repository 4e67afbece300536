import { createServer, type Socket } from 'node:net';
import { StanzaError, tryParseJid } from '@conexizan/protocol';
import { listen } from '../../transport/listen.ts';
import type { ServerModule } from '../../core/module.ts';
import { ComponentConnection, type ComponentHost } from './connection.ts';

/**
 * XEP-0114 Jabber Component Protocol (what XEP-0479 asks of a server for
 * extensibility): trusted external services (bots, gateways) connect on
 * ports.component and serve a subdomain each, with the secret from the
 * `components` config. Stanzas to a component's domain are not ours, so the
 * router offers them on `route/remote`; this module claims those of
 * connected components. Connected components are listed in the domain's
 * disco#items. Off unless ports.component is set; secrets are never logged.
 * In a cluster a component connects to one node, which holds its domain
 * (placement 'component/<domain>'): the others forward its stanzas there,
 * and a second connection on another node is refused like one on the same.
 */
const placeOf = (domain: string) => `component/${domain}`;

export const component: ServerModule = {
  name: 'component',
  implements: ['XEP-0114'],
  async setup(ctx) {
    const port = ctx.config.ports.component;
    if (!port) return;
    const secrets = new Map<string, string>();
    for (const { domain, secret } of ctx.config.components) {
      const jid = tryParseJid(domain);
      if (!jid || jid.local || jid.resource || jid.domain === ctx.domain) throw new Error(`components: "${domain}" is not a domain of its own`);
      secrets.set(jid.domain, secret);
    }
    const connected = new Map<string, ComponentConnection>();
    const open = new Set<Socket>();

    const host: ComponentHost = {
      serverDomain: ctx.domain,
      limits: {
        maxStanzaBytes: ctx.config.limits.max_stanza_bytes,
        bytesPerSecond: ctx.config.limits.bytes_per_second,
        handshakeSeconds: ctx.config.limits.unauthenticated_seconds,
      },
      secretFor: (domain) => secrets.get(domain),
      attach(domain, connection) {
        if (connected.has(domain)) {
          ctx.log.warn({ component: domain }, 'a second connection for a connected component was refused');
          return false;
        }
        connected.set(domain, connection);
        ctx.log.info({ component: domain }, 'component connected');
        // Hold the domain for the cluster; if another node already serves it, this connection goes.
        ctx.cluster.placement.locate(placeOf(domain)).then(
          (place) => {
            if (place.local || connected.get(domain) !== connection) return;
            ctx.log.warn({ component: domain }, 'a second connection for a component connected to another node was refused');
            connection.close('conflict');
          },
          (error: unknown) => ctx.log.warn({ err: error, component: domain }, 'could not learn which node serves the component'),
        );
        return true;
      },
      detach(domain, connection) {
        if (connected.get(domain) !== connection) return;
        connected.delete(domain);
        void ctx.cluster.placement.release(placeOf(domain));
        ctx.log.info({ component: domain }, 'component disconnected');
      },
      receive: (_domain, stanza) => ctx.router.route(stanza),
    };

    ctx.hooks.on('route/remote', async (event) => {
      if (!secrets.has(event.to.domain)) return undefined;
      const connection = connected.get(event.to.domain);
      if (connection) {
        connection.send(event.stanza);
        return true;
      }
      const node = await ctx.cluster.placement.holder(placeOf(event.to.domain));
      if (!node || node === ctx.cluster.nodeId) throw new StanzaError('service-unavailable', { type: 'cancel', text: 'the service is not connected' });
      ctx.cluster.forward(node, event.stanza, event.origin, () => void ctx.router.route(event.stanza, event.origin));
      return true;
    });
    ctx.features.addItems(() => [...connected.keys()].sort().map((jid) => ({ jid })));

    const server = createServer((socket) => {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      new ComponentConnection(socket, host);
    });
    await listen(server, ctx.config.bind, port);
    ctx.log.info({ port: (server.address() as { port: number }).port }, 'listening for components');
    ctx.onStop(async () => {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      // Connected components are told why (system-shutdown) and get a moment to close; the rest are cut.
      const components = [...connected.values()];
      for (const connection of components) connection.close('system-shutdown');
      await Promise.race([Promise.all(components.map((connection) => connection.closed)), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      for (const socket of open) socket.destroy();
      await closing;
    });
  },
};
