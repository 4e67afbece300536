import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * XEP-0185 dialback keys: HMAC-SHA256 keyed with the hex SHA-256 of a
 * secret only this server knows, over "receiving originating streamId".
 * Anyone who can ask us to verify a key learns nothing about the secret,
 * and a key is bound to one stream (its id), so it cannot be replayed on
 * another. The secret lives in the data directory, so keys handed out just
 * before a restart still verify after it.
 */
export function dialbackKey(secret: Uint8Array, receiving: string, originating: string, streamId: string): string {
  const key = createHash('sha256').update(secret).digest('hex');
  return createHmac('sha256', key).update(`${receiving} ${originating} ${streamId}`).digest('hex');
}

/** Compares a received key with the expected one in constant time. */
export function dialbackKeyMatches(secret: Uint8Array, receiving: string, originating: string, streamId: string, received: string): boolean {
  const expected = Buffer.from(dialbackKey(secret, receiving, originating, streamId));
  const given = Buffer.from(received.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
