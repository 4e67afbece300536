import { describe, expect, it } from 'vitest';
import { sourceUnit } from './source-address.ts';

describe('sourceUnit', () => {
  it('counts IPv6 by /64, whatever the host part or the spelling', () => {
    expect(sourceUnit('2001:db8:1:2::1')).toBe(sourceUnit('2001:db8:1:2:ffff:ffff:ffff:fffe'));
    expect(sourceUnit('2001:0db8:0001:0002:0000:0000:0000:0001')).toBe(sourceUnit('2001:db8:1:2::1'));
    expect(sourceUnit('2001:db8:1:3::1')).not.toBe(sourceUnit('2001:db8:1:2::1'));
    expect(sourceUnit('fe80::1%eth0')).toBe(sourceUnit('fe80::2'));
  });

  it('keeps IPv4 addresses apart, and an IPv4-mapped IPv6 address is its IPv4 address', () => {
    expect(sourceUnit('192.0.2.1')).not.toBe(sourceUnit('192.0.2.2'));
    expect(sourceUnit('::ffff:192.0.2.1')).toBe(sourceUnit('192.0.2.1'));
  });
});
