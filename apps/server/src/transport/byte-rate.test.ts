import { describe, expect, it } from 'vitest';
import { ByteRate } from './byte-rate.ts';

describe('ByteRate', () => {
  it('lets a burst through, then asks a fast sender to wait as long as it is ahead', () => {
    const rate = new ByteRate(1000, 2000, 0);
    expect(rate.consume(2000, 0)).toBe(0);
    expect(rate.consume(500, 0)).toBe(500);
    // After the wait the bucket has refilled enough for the next send.
    expect(rate.consume(0, 500)).toBe(0);
    expect(rate.consume(1000, 1500)).toBe(0);
  });

  it('never saves up more than the burst', () => {
    const rate = new ByteRate(1000, 2000, 0);
    expect(rate.consume(3000, 60_000)).toBe(1000);
  });
});
