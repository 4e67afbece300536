import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.ts';
import { dialbackKey, dialbackKeyMatches } from './dialback-key.ts';

describe('retry backoff', () => {
  it('doubles from the base, is capped, and jitters by at most a quarter', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 1000, 30_000, middle))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(20, 1000, 30_000, middle)).toBe(30_000);
    expect(retryDelayMs(1, 1000, 30_000, () => 0)).toBe(750);
    expect(retryDelayMs(1, 1000, 30_000, () => 0.999999)).toBe(1250);
  });
});

describe('dialback keys (XEP-0185)', () => {
  const secret = new TextEncoder().encode('s3cr3tf0rd14lb4ck');

  it('are hex HMAC-SHA256 values, the same for the same inputs (a restart keeps the secret)', () => {
    const key = dialbackKey(secret, 'example.net', 'example.com', 'D60000229F');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(dialbackKey(secret, 'example.net', 'example.com', 'D60000229F')).toBe(key);
    expect(dialbackKey(new TextEncoder().encode('another secret'), 'example.net', 'example.com', 'D60000229F')).not.toBe(key);
  });

  it('are bound to the stream id and both domains', () => {
    const key = dialbackKey(secret, 'example.net', 'example.com', 'D60000229F');
    expect(dialbackKeyMatches(secret, 'example.net', 'example.com', 'D60000229F', key)).toBe(true);
    expect(dialbackKeyMatches(secret, 'example.net', 'example.com', 'OTHERSTREAM', key)).toBe(false);
    expect(dialbackKeyMatches(secret, 'example.org', 'example.com', 'D60000229F', key)).toBe(false);
    expect(dialbackKeyMatches(secret, 'example.net', 'example.com', 'D60000229F', 'short')).toBe(false);
  });
});
