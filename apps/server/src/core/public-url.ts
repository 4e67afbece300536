import type { Config } from '../config/schema.ts';

/**
 * Where people and clients reach our HTTP(S) listeners, without a trailing
 * slash: `configured` (an operator's public URL, e.g. behind a reverse
 * proxy) if set, else the HTTPS listener on the domain, else the plain one;
 * null if there is no listener at all.
 */
export function publicHttpBase(configured: string, config: Config, domain: string, option: string): string | null {
  if (configured) {
    const url = new URL(configured);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${option} must be an http(s) URL`);
    return url.toString().replace(/\/+$/, '');
  }
  const { https, http } = config.ports;
  if (https) return `https://${domain}${https === 443 ? '' : `:${https}`}`;
  if (http) return `http://${domain}${http === 80 ? '' : `:${http}`}`;
  return null;
}
