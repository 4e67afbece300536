import type { IncomingMessage } from 'node:http';
import { NS } from '@conexizan/protocol';
import type { ServerCore } from '../../core/core.ts';

/** Where the web client reads it, next to host-meta. */
export const CLIENT_CONFIG_PATH = '/.well-known/conexizan.json';

/**
 * What the web client served by this server needs before anyone logs in:
 * the XMPP domain (which need not be the page's host name: a page opened by
 * IP address, or at chat.example.org for example.org), the endpoints as
 * reachable from the page, how registration works, where the rules are,
 * and how long the server keeps things (for the settings).
 */
export interface ClientConfig {
  domain: string;
  websocket: string | null;
  bosh: string | null;
  registration: 'open' | 'invite' | 'closed';
  min_password_length: number;
  rules_url: string;
  privacy_url: string;
  archive: { retention_days: number; default_preference: 'always' | 'roster' | 'never' };
  uploads: { expire_days: number } | null;
  version: string;
  source_url: string;
}

export function clientConfig(core: ServerCore, req: IncomingMessage, https: boolean, site: { version: string; sourceUrl: string }): ClientConfig {
  const links = core.http.endpointLinks(req.headers.host ?? core.domain, https);
  const config = core.config;
  return {
    domain: core.domain,
    websocket: links.find((link) => link.rel === NS.ALT_WEBSOCKET)?.href ?? null,
    bosh: links.find((link) => link.rel === NS.ALT_XBOSH)?.href ?? null,
    registration: config.registration,
    min_password_length: config.accounts.min_password_length,
    rules_url: '/#rules',
    privacy_url: '/#privacy',
    archive: { retention_days: config.archive.retention_days, default_preference: config.archive.default_preference },
    uploads: config.upload.enabled ? { expire_days: config.upload.expire_days } : null,
    version: site.version,
    source_url: site.sourceUrl,
  };
}
