import { describe, expect, it } from 'vitest';
import { BorderPolicy } from './border-policy.ts';
import { DomainRate } from './domain-rate.ts';

describe('border policy', () => {
  it('blocks a listed domain and its subdomains, nothing else', () => {
    const policy = new BorderPolicy({ blocked_domains: ['spam.example'], allowed_domains: [] });
    expect(policy.allows('spam.example')).toBe(false);
    expect(policy.allows('muc.spam.example')).toBe(false);
    expect(policy.allows('SPAM.example.')).toBe(false);
    expect(policy.allows('notspam.example')).toBe(true);
    expect(policy.allows('example')).toBe(true);
  });

  it('with an allow list federates only with those domains, and blocking still wins', () => {
    const policy = new BorderPolicy({ blocked_domains: ['bad.friends.example'], allowed_domains: ['friends.example'] });
    expect(policy.allows('friends.example')).toBe(true);
    expect(policy.allows('muc.friends.example')).toBe(true);
    expect(policy.allows('bad.friends.example')).toBe(false);
    expect(policy.allows('stranger.example')).toBe(false);
  });

  it('changes at run time', () => {
    const policy = new BorderPolicy({ blocked_domains: [], allowed_domains: [] });
    expect(policy.allows('later.example')).toBe(true);
    policy.update({ blocked_domains: ['later.example'], allowed_domains: [] });
    expect(policy.allows('later.example')).toBe(false);
  });
});

describe('per-domain stanza rate', () => {
  it('lets a burst through, then asks to pause that domain only', () => {
    const rate = new DomainRate(10);
    const now = 1_000_000;
    for (let i = 0; i < 20; i++) expect(rate.consume('busy.example', now)).toBe(0);
    expect(rate.consume('busy.example', now)).toBeGreaterThan(0);
    expect(rate.consume('quiet.example', now)).toBe(0);
    expect(rate.consume('busy.example', now + 1000)).toBe(0);
  });
});
