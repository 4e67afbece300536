import { describe, expect, it } from 'vitest';
import { effectiveRosterSize, rosterContacts } from './rosters.ts';

describe('rosterContacts', () => {
  it('gives every user the same number of distinct contacts, never themselves', () => {
    for (const [users, size] of [[1000, 10], [7, 6], [5, 10], [3, 2]] as const) {
      const expected = effectiveRosterSize(size, users);
      for (let i = 0; i < users; i++) {
        const contacts = rosterContacts(i, users, size);
        expect(contacts).toHaveLength(expected);
        expect(new Set(contacts).size).toBe(expected);
        expect(contacts).not.toContain(i);
      }
    }
  });

  it('is mutual: if a has b, b has a', () => {
    const users = 50;
    for (let a = 0; a < users; a++) for (const b of rosterContacts(a, users, 8)) expect(rosterContacts(b, users, 8)).toContain(a);
  });

  it('rounds an odd size down and caps it by the number of users', () => {
    expect(effectiveRosterSize(11, 1000)).toBe(10);
    expect(effectiveRosterSize(10, 4)).toBe(2);
    expect(effectiveRosterSize(0, 100)).toBe(0);
  });
});
