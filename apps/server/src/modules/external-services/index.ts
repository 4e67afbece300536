import { createHmac } from 'node:crypto';
import { NS, StanzaError, xml, xmppDateTime, type Element, type Jid } from '@conexizan/protocol';
import type { Config } from '../../config/schema.ts';
import type { ServerModule } from '../../core/module.ts';

/**
 * XEP-0215 External Service Discovery: the STUN and TURN server that calls
 * (Jingle) should use, e.g. coturn. TURN credentials are made on each
 * request from the secret shared with the TURN server, the way coturn's
 * REST API (use-auth-secret / static-auth-secret) checks them:
 *
 *   username = "<expiry as unix time>:<user>"
 *   password = base64(HMAC-SHA1(secret, username))
 *
 * <user> is a keyed hash of the account, not its JID, so the TURN server's
 * logs learn nothing about who calls. Only accounts of this server, logged
 * in, get services or credentials.
 */
export interface ExternalService {
  type: 'stun' | 'turn' | 'turns';
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
  username?: string;
  password?: string;
  expires?: Date;
}

/** The services a user may use now, with fresh credentials where they need some. */
export function externalServicesFor(turn: Config['turn'], user: Jid, now = Date.now()): ExternalService[] {
  const { host, port, tls_port: tlsPort, secret, ttl_seconds: ttl } = turn;
  const services: ExternalService[] = [{ type: 'stun', transport: 'udp', host, port }];
  if (!secret) return services;
  const expiry = Math.floor(now / 1000) + ttl;
  const username = `${expiry}:${createHmac('sha256', secret).update(`user\0${user.bare().toString()}`).digest('base64url').slice(0, 22)}`;
  const credentials = { username, password: createHmac('sha1', secret).update(username).digest('base64'), expires: new Date(expiry * 1000) };
  services.push({ type: 'turn', transport: 'udp', host, port, ...credentials }, { type: 'turn', transport: 'tcp', host, port, ...credentials });
  if (tlsPort) services.push({ type: 'turns', transport: 'tcp', host, port: tlsPort, ...credentials });
  return services;
}

function serviceElement(service: ExternalService): Element {
  return xml('service', {
    type: service.type,
    transport: service.transport,
    host: service.host,
    port: String(service.port),
    ...(service.username
      ? { username: service.username, password: service.password, expires: xmppDateTime(service.expires!), restricted: '1' }
      : {}),
  });
}

export const externalServices: ServerModule = {
  name: 'external-services',
  implements: ['XEP-0215'],
  setup(ctx) {
    const turn = ctx.config.turn;
    if (!turn.host) return;
    ctx.features.addFeature('server', NS.EXTDISCO);

    const servicesFor = (from: Jid, origin: { kind: string }) => {
      if (origin.kind !== 'c2s' || !ctx.router.isLocal(from)) throw new StanzaError('forbidden', { type: 'auth', text: 'only accounts of this server may use its STUN/TURN server' });
      return externalServicesFor(turn, from);
    };

    // §3.1/§3.2: every service, or those of one type.
    ctx.iq.on('get', 'host', NS.EXTDISCO, 'services', ({ from, origin, payload }) => {
      const type = payload.attrs.type as string | undefined;
      const services = servicesFor(from, origin).filter((service) => !type || service.type === type);
      return xml('services', { xmlns: NS.EXTDISCO, ...(type ? { type } : {}) }, ...services.map(serviceElement));
    });

    // §3.3: fresh credentials for one service the client names.
    ctx.iq.on('get', 'host', NS.EXTDISCO, 'credentials', ({ from, origin, payload }) => {
      const wanted = payload.getChild('service');
      if (!wanted?.attrs.host || !wanted.attrs.type) throw new StanzaError('bad-request', { type: 'modify', text: 'name the service by host and type' });
      const match = servicesFor(from, origin).find(
        (service) => service.username && service.host === wanted.attrs.host && service.type === wanted.attrs.type && (!wanted.attrs.port || String(service.port) === wanted.attrs.port),
      );
      if (!match) throw new StanzaError('item-not-found', { type: 'cancel' });
      return xml('credentials', { xmlns: NS.EXTDISCO }, serviceElement(match));
    });
  },
};
