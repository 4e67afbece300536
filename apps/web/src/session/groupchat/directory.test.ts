import { describe, expect, it } from 'vitest';
import { roomAddress } from './directory.ts';

describe('a room address from what was typed', () => {
  it('takes a full address, or a name on our own service', () => {
    expect(roomAddress('Team@Conference.Example.org', 'conference.x')).toBe('team@conference.example.org');
    expect(roomAddress('  Team Friday ', 'conference.x')).toBe('team-friday@conference.x');
    expect(roomAddress('team', null)).toBeNull();
    expect(roomAddress('room@conference.x/nick', 'conference.x')).toBeNull();
    expect(roomAddress('', 'conference.x')).toBeNull();
  });
});
