import { describe, expect, it } from 'vitest';
import { parseXml } from '@conexizan/protocol/xml';
import { RosterStore } from './roster.ts';

describe('RosterStore', () => {
  it('applies roster pushes including removal', () => {
    const roster = new RosterStore();
    roster.applyPush(parseXml(`<query xmlns="jabber:iq:roster" ver="v2"><item jid="Bob@x" name="Bobby" subscription="to"/><item jid="carol@x" ask="subscribe"/></query>`));
    expect(roster.items.map((i) => [i.jid, i.name, i.subscription, i.pending])).toEqual([
      ['bob@x', 'Bobby', 'to', false],
      ['carol@x', undefined, 'none', true],
    ]);
    expect(roster.version).toBe('v2');
    roster.applyPush(parseXml(`<query xmlns="jabber:iq:roster"><item jid="carol@x" subscription="remove"/></query>`));
    expect(roster.items.map((i) => i.jid)).toEqual(['bob@x']);
  });

  it('tracks presence per resource and shows the most available one', () => {
    const roster = new RosterStore();
    roster.applyPresence(parseXml(`<presence from="bob@x/a"><show>away</show></presence>`));
    roster.applyPresence(parseXml(`<presence from="bob@x/b"/>`));
    expect(roster.availability('bob@x')).toBe('online');
    roster.applyPresence(parseXml(`<presence from="bob@x/b" type="unavailable"/>`));
    expect(roster.availability('bob@x')).toBe('away');
  });

  it('lists subscription requests, but not from blocked addresses or approved contacts', () => {
    const roster = new RosterStore();
    roster.setBlocked(['spam@x'], true);
    roster.applyPush(parseXml(`<query xmlns="jabber:iq:roster"><item jid="friend@x" subscription="from"/></query>`));
    for (const from of ['new@x', 'spam@x', 'friend@x']) roster.applyPresence(parseXml(`<presence from="${from}" type="subscribe"/>`));
    expect(roster.requests).toEqual(['new@x']);
    roster.applyPresence(parseXml(`<presence from="new@x" type="unsubscribe"/>`));
    expect(roster.requests).toEqual([]);
  });

  it('prefers the roster name, then the nickname, then the address', () => {
    const roster = new RosterStore();
    roster.setNick('bob@x', 'Bob B.');
    expect(roster.displayName('bob@x')).toBe('Bob B.');
    roster.applyPush(parseXml(`<query xmlns="jabber:iq:roster"><item jid="bob@x" name="Robert"/></query>`));
    expect(roster.displayName('bob@x')).toBe('Robert');
    expect(roster.displayName('zed@x')).toBe('zed@x');
  });
});
