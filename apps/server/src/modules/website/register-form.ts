import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * What the registration form for browsers without JavaScript needs besides
 * the page: a token that proves the form came from this website to this
 * browser, and the form's fields read from the request body.
 *
 * The token (a hidden field) is `issuedAt.nonce.mac`: the mac, under a key
 * only the server has, stops anyone from making tokens or moving issuedAt
 * back (registration_policy.delay_seconds counts from it); the nonce is
 * also in a cookie (`__Host-`, Secure, HttpOnly, SameSite=Strict) that
 * another site's page cannot send nor set, so a form posted from elsewhere
 * through a visitor's browser (cross-site request forgery, e.g. to spend
 * the visitor's address on someone else's accounts) lacks it. Double-submit
 * needs no state on the server, so any node of a cluster can check it.
 */
export const FORM_COOKIE = '__Host-conexizan-form';
/** A form older than this is filled in again (its token is refused). */
export const FORM_VALID_MS = 2 * 3_600_000;
/** Far more than the fields need; a larger body is refused unread. */
export const MAX_FORM_BYTES = 16 * 1024;

export class FormTokens {
  readonly #key: Buffer;

  constructor(secret: Uint8Array) {
    // A key of its own, derived from the server's secret, so that no token of this form means anything elsewhere.
    this.#key = createHmac('sha256', secret).update('conexizan website registration form').digest();
  }

  /** A new token for a form given out at `now`, and the nonce for the cookie. */
  issue(now = Date.now()): { token: string; nonce: string } {
    const nonce = randomBytes(18).toString('base64url');
    return { token: `${now}.${nonce}.${this.#mac(`${now}.${nonce}`)}`, nonce };
  }

  /** When the form was given out, if `token` is ours, fresh, and goes with the cookie's nonce; else null. */
  verify(token: string, cookieNonce: string | null, now = Date.now()): number | null {
    const [issued, nonce, mac, ...rest] = token.split('.');
    if (rest.length || !issued || !nonce || !mac || !cookieNonce || !/^\d{1,15}$/.test(issued)) return null;
    if (!same(mac, this.#mac(`${issued}.${nonce}`)) || !same(nonce, cookieNonce)) return null;
    const issuedAt = Number(issued);
    return issuedAt <= now && now - issuedAt <= FORM_VALID_MS ? issuedAt : null;
  }

  #mac(value: string): string {
    return createHmac('sha256', this.#key).update(value).digest('base64url');
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The cookie that carries the form's nonce (a session cookie, for this host only, over https only). */
export function formCookie(nonce: string): string {
  return `${FORM_COOKIE}=${nonce}; Path=/; Secure; HttpOnly; SameSite=Strict`;
}

export function formCookieNonce(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === FORM_COOKIE) return value.join('=') || null;
  }
  return null;
}

/**
 * The browser says the form was sent from a page of this site: the Origin
 * header (sent with every form post by current browsers) names this host
 * over https, and Sec-Fetch-Site, where sent, says same-origin. Either may
 * be missing in older browsers; the cookie still decides.
 */
export function sentFromThisSite(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `https://${req.headers.host ?? ''}`) return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
}

export class FormBodyError extends Error {
  constructor(readonly status: 413 | 415) {
    super(`form body refused (${status})`);
  }
}

/** The fields of an application/x-www-form-urlencoded body of at most MAX_FORM_BYTES. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new FormBodyError(415);
  if (Number(req.headers['content-length'] ?? 0) > MAX_FORM_BYTES) throw new FormBodyError(413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FormBodyError(413);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
