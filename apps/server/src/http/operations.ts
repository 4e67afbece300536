import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerCore } from '../core/core.ts';
import { send } from './http-server.ts';

/**
 * POST /drain (`conexizan drain`, a Kubernetes preStop hook): the node stops
 * taking connections and moves its clients away. Only a local process that
 * can read the data directory's control token may ask.
 */
export interface Drain {
  /** hex of the token in data_dir/secrets, compared in constant time */
  token: string;
  /** settles once every client stream has ended (or the grace period ran out) */
  run(): Promise<{ sessions: number }>;
}

/**
 * /health and /metrics for operators. /health is readiness: 200 while the
 * database answers. /health/live is liveness: 200 while the process serves
 * HTTP at all, so that a database outage takes nodes out of the load
 * balancer without having them restarted. Metrics reveal how busy the
 * server is, so without a configured token they answer loopback clients only.
 */
/** `client`: the client's address (behind trusted proxies, the one they name). */
export async function handleOperations(core: ServerCore, req: IncomingMessage, res: ServerResponse, url: URL, client: string | undefined, drain?: Drain): Promise<boolean> {
  if (url.pathname === '/drain' && drain) {
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'POST to drain this node\n'), true;
    if (!isLocal(req, client) || !tokenMatches(drain.token, req)) return send(res, 403, 'text/plain', 'draining needs a local client with the control token\n'), true;
    const { sessions } = await drain.run();
    send(res, 200, 'application/json', `${JSON.stringify({ status: 'drained', sessions })}\n`);
    return true;
  }
  if (url.pathname === '/health/live') {
    send(res, 200, 'application/json', `${JSON.stringify({ status: 'alive' })}\n`);
    return true;
  }
  if (url.pathname === '/health') {
    // A load balancer takes a node out when its database or (in a cluster) its Redis is unreachable.
    const [storage, cluster] = await Promise.all([
      core.storage.ping().then(() => 'ok' as const, () => 'unavailable' as const),
      core.cluster.health(),
    ]);
    const problems = [storage !== 'ok' && 'storage', cluster && cluster.redis !== 'ok' && 'redis'].filter(Boolean);
    const status = problems.length ? `${problems.join(' and ')} unavailable` : 'ok';
    const body = { status, sessions: core.sessions.count(), storage, ...(cluster ?? {}) };
    send(res, problems.length ? 503 : 200, 'application/json', `${JSON.stringify(body)}\n`);
    return true;
  }
  if (url.pathname === '/metrics') {
    if (!authorised(core.config.metrics.token, req, client)) {
      send(res, 403, 'text/plain', 'metrics need a token (metrics.token) or a loopback client\n');
      return true;
    }
    res.writeHead(200, { 'content-type': core.metrics.registry.contentType });
    res.end(await core.metrics.registry.metrics());
    return true;
  }
  return false;
}

function authorised(token: string, req: IncomingMessage, client: string | undefined): boolean {
  if (token) return tokenMatches(token, req);
  // Behind a trusted reverse proxy on this machine, the proxy's own loopback address says nothing.
  const address = client ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

export function tokenMatches(token: string, req: IncomingMessage): boolean {
  const given = Buffer.from(req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** From this machine (the client, not a proxy in front): loopback, or the listener's own address (a server bound to one address). */
export function isLocal(req: IncomingMessage, client: string | undefined): boolean {
  const address = client ?? '';
  return /^(::ffff:)?127\./.test(address) || address === '::1' || (address !== '' && address === req.socket.localAddress);
}
