import type { SavedLogin } from './credentials.ts';
import { discoverWebSocket } from './discovery.ts';
import { registeringLogin } from './register.ts';
import type { Session } from './session.ts';

/**
 * What was typed in the "Server" field: a domain (its endpoint is looked up through host-meta)
 * or a WebSocket address used as it is, for servers that publish no host-meta.
 */
export function parseServerField(input: string): { domain: string; service?: string } {
  const value = input.trim();
  if (/^wss?:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      return { domain: url.hostname, service: url.href };
    } catch {
      return { domain: value };
    }
  }
  return { domain: value };
}

export class InvalidUsernameError extends Error {
  override name = 'InvalidUsernameError';
}

/**
 * "alice" or "alice@example.org" -> username and domain (the typed address wins over the server field),
 * prepared with the project's PRECIS/IDNA rules. Loaded on demand: the IDNA tables are most of their size.
 */
export async function splitAddress(input: string, defaultDomain: string): Promise<{ username: string; domain: string; jid: string }> {
  const { tryParseJid } = await import('@conexizan/protocol/jid');
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf('@');
  const raw = at === -1 ? `${trimmed}@${defaultDomain.trim()}` : trimmed;
  const jid = tryParseJid(raw);
  if (!jid || !jid.local || jid.resource) throw new InvalidUsernameError(input);
  return { username: jid.local, domain: jid.domain, jid: `${jid.local}@${jid.domain}` };
}

/**
 * Finds the server, logs in (or registers, then logs in on the same stream)
 * and returns a running Session with the device's stored state loaded.
 */
export async function openSession(opts: {
  address: string;
  defaultDomain: string;
  password: string;
  register: boolean;
  service?: string;
  /** the token of an XEP-0401 invitation, presented before registering (XEP-0445) */
  invitation?: string;
}): Promise<{ session: Session; login: SavedLogin }> {
  const { username, domain, jid } = await splitAddress(opts.address, opts.defaultDomain);
  const service = opts.service ?? (await discoverWebSocket(domain));
  const session = await createSession(jid, domain);
  const base = { service, domain, username, password: opts.password };
  try {
    await session.loadLocal();
    await session.start(opts.register ? registeringLogin(base, opts.invitation) : base);
  } catch (error) {
    await session.logout(false);
    throw error;
  }
  return { session, login: { jid, domain, username, service } };
}

/**
 * A Session for `jid`. The session code (and with it OMEMO, groups and the
 * rest of the logged-in app) is a chunk of its own, loaded when someone logs
 * in, so the first visit downloads only the login screen.
 */
export async function createSession(jid: string, domain: string): Promise<Session> {
  const { Session } = await import('./session.ts');
  return new Session(jid, domain);
}
