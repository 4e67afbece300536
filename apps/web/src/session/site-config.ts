/**
 * What the server that served this page says about itself at
 * /.well-known/conexizan.json: its XMPP domain (which need not be the
 * page's host name: a page opened by IP address, or at chat.example.org
 * for example.org), its endpoints as reachable from here, how registration
 * works, where its rules are and how long it keeps things. Null when the
 * page comes from somewhere else (the client hosted on its own).
 */
export interface SiteConfig {
  domain: string;
  websocket: string | null;
  registration: 'open' | 'invite' | 'closed';
  minPasswordLength: number | null;
  rulesUrl: string | null;
  privacyUrl: string | null;
  archive: { retentionDays: number; defaultPreference: 'always' | 'roster' | 'never' } | null;
  uploads: { expireDays: number } | null;
}

export const SITE_CONFIG_PATH = '/.well-known/conexizan.json';

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const int = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null);

/** Reads the JSON defensively: anything missing or odd becomes null rather than a wrong promise to the user. */
export function parseSiteConfig(json: unknown): SiteConfig | null {
  if (typeof json !== 'object' || json === null) return null;
  const raw = json as Record<string, unknown>;
  const domain = str(raw.domain);
  if (!domain) return null;
  const websocket = str(raw.websocket);
  const archive = raw.archive as Record<string, unknown> | undefined;
  const retention = int(archive?.retention_days);
  const preference = archive?.default_preference;
  const uploads = raw.uploads as Record<string, unknown> | null | undefined;
  const expire = int(uploads?.expire_days);
  return {
    domain,
    websocket: websocket && /^wss?:\/\//.test(websocket) ? websocket : null,
    registration: raw.registration === 'invite' || raw.registration === 'closed' ? raw.registration : 'open',
    minPasswordLength: int(raw.min_password_length),
    rulesUrl: str(raw.rules_url),
    privacyUrl: str(raw.privacy_url),
    archive: retention !== null && (preference === 'always' || preference === 'roster' || preference === 'never') ? { retentionDays: retention, defaultPreference: preference } : null,
    uploads: expire !== null ? { expireDays: expire } : null,
  };
}

let loaded: Promise<SiteConfig | null> | null = null;

/** The page origin's configuration, fetched once per page load. */
export function siteConfig(fetchImpl: typeof fetch = fetch, origin: string | null = typeof location === 'undefined' ? null : location.origin): Promise<SiteConfig | null> {
  if (!origin) return Promise.resolve(null);
  loaded ??= fetchImpl(`${origin}${SITE_CONFIG_PATH}`, { headers: { accept: 'application/json' } })
    .then(async (response) => (response.ok ? parseSiteConfig(await response.json()) : null))
    .catch(() => null);
  return loaded;
}

/** For tests: forget the fetched configuration. */
export function forgetSiteConfig(): void {
  loaded = null;
}
