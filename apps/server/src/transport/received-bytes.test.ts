import { describe, expect, it } from 'vitest';
import { ReceivedBytes } from './received-bytes.ts';

describe('ReceivedBytes', () => {
  it('lets input through up to the allowance, then refuses it once with policy-violation and for good', () => {
    const errors: string[] = [];
    const events = { error: (condition: string) => void errors.push(condition) };
    const received = new ReceivedBytes();
    received.allow(100);
    expect(received.add(60, events)).toBe(true);
    expect(received.add(40, events)).toBe(true);
    expect(received.add(1, events)).toBe(false);
    expect(received.add(1, events)).toBe(false);
    expect(errors).toEqual(['policy-violation']);
    expect(received.total).toBe(102);
  });

  it('counts the allowance from where it was given, and null lifts it (after authentication)', () => {
    const received = new ReceivedBytes();
    expect(received.add(5_000, null)).toBe(true); // no allowance yet: anything
    received.allow(10);
    expect(received.add(10, null)).toBe(true);
    received.allow(null);
    expect(received.add(1_000_000, null)).toBe(true);
  });
});
