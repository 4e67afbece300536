import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerCore } from '../core/core.ts';
import { send } from './http-server.ts';

/**
 * /health and /metrics for operators. Metrics reveal how busy the server is,
 * so without a configured token they answer loopback clients only.
 */
/** `client`: the client's address (behind trusted proxies, the one they name). */
export async function handleOperations(core: ServerCore, req: IncomingMessage, res: ServerResponse, url: URL, client: string | undefined): Promise<boolean> {
  if (url.pathname === '/health') {
    try {
      await core.storage.ping();
      send(res, 200, 'application/json', `${JSON.stringify({ status: 'ok', sessions: core.sessions.count() })}\n`);
    } catch {
      send(res, 503, 'application/json', `${JSON.stringify({ status: 'storage unavailable' })}\n`);
    }
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
  if (token) {
    const given = Buffer.from(req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '');
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
  // Behind a trusted reverse proxy on this machine, the proxy's own loopback address says nothing.
  const address = client ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
