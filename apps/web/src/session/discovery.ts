import { NS } from '@conexizan/protocol/namespaces';
import { parseSiteConfig, SITE_CONFIG_PATH } from './site-config.ts';

/** XEP-0156: find a server's XMPP-over-WebSocket endpoint through its host-meta. */

interface HostMetaJson {
  links?: { rel?: unknown; href?: unknown }[];
}

export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
}

/** The candidate host-meta URLs for a domain, most likely first. */
export function hostMetaUrls(domain: string, page: { hostname: string; origin: string } | null): string[] {
  const urls: string[] = [];
  // Served by the server itself: the page's own origin is the server, whatever port it listens on.
  if (page && page.hostname === domain) urls.push(`${page.origin}/.well-known/host-meta.json`);
  urls.push(`https://${domain}/.well-known/host-meta.json`);
  // Plain HTTP only from a plain-HTTP page (a development setup); an HTTPS page cannot fetch it anyway.
  if (!page || page.origin.startsWith('http:')) urls.push(`http://${domain}/.well-known/host-meta.json`);
  return [...new Set(urls)];
}

export function websocketFromHostMeta(json: HostMetaJson): string | null {
  for (const link of json.links ?? []) {
    if (link.rel !== NS.ALT_WEBSOCKET || typeof link.href !== 'string') continue;
    try {
      const url = new URL(link.href);
      if (url.protocol === 'wss:' || url.protocol === 'ws:') return url.href;
    } catch {
      // an unusable link: try the next one
    }
  }
  return null;
}

/**
 * Looks the endpoint up: from the page's own server when it serves `domain`
 * (its client configuration names the domain, whatever host name the page
 * was opened by), else through host-meta. Throws DiscoveryError when no
 * host-meta answers with a WebSocket link.
 */
export async function discoverWebSocket(
  domain: string,
  fetchImpl: typeof fetch = fetch,
  page: { hostname: string; origin: string } | null = typeof location === 'undefined' ? null : location,
): Promise<string> {
  if (page) {
    try {
      const response = await fetchImpl(`${page.origin}${SITE_CONFIG_PATH}`, { headers: { accept: 'application/json' } });
      const site = response.ok ? parseSiteConfig(await response.json()) : null;
      if (site?.websocket && site.domain === domain.toLowerCase()) return site.websocket;
    } catch {
      // not served by a Conexizan (or not reachable): ask host-meta
    }
  }
  for (const url of hostMetaUrls(domain, page)) {
    try {
      const response = await fetchImpl(url, { headers: { accept: 'application/json' } });
      if (!response.ok) continue;
      const found = websocketFromHostMeta((await response.json()) as HostMetaJson);
      if (found) return found;
    } catch {
      // unreachable or not JSON: try the next candidate
    }
  }
  throw new DiscoveryError(`no XMPP WebSocket endpoint found for ${domain}`);
}
