import { createHash, randomBytes } from 'node:crypto';
import type { Storage } from '@conexizan/storage';
import type { NewInvite } from './api.ts';

/**
 * Invitation tokens: 128 random bits, base64url. The server stores only their
 * SHA-256 (hex), so a copy of the database cannot be used to register.
 */
export function newInviteToken(): string {
  return randomBytes(16).toString('base64url');
}

export function hashInviteToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The registration link of XEP-0401 §5.4 / XEP-0445 §2.2 (no predefined username). */
export function inviteUri(domain: string, token: string): string {
  return `xmpp:${domain}?register;preauth=${token}`;
}

export async function createInvite(storage: Storage, domain: string, validForMs: number, now = new Date()): Promise<NewInvite> {
  const token = newInviteToken();
  const expiresAt = new Date(now.getTime() + validForMs);
  await storage.invites.create(hashInviteToken(token), expiresAt);
  return { token, uri: inviteUri(domain, token), expiresAt };
}

/**
 * Expired invites are kept for one more authentication timeout: XEP-0445 §4
 * checks expiry only when the token is presented, so a stream that presented
 * it just before the expiry may still register with it until it times out.
 */
export function purgeCutoff(now: Date, unauthenticatedSeconds: number): Date {
  return new Date(now.getTime() - unauthenticatedSeconds * 1000);
}
