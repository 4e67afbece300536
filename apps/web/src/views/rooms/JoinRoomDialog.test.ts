import { describe, expect, it } from 'vitest';
import { i18n } from '../../i18n/index.ts';
import { MucJoinError } from '../../session/index.ts';
import { roomProblem } from './errors.ts';
import './i18n.ts';

describe('a room’s refusals', () => {
  it('explains the room’s refusals in a sentence, in both languages', async () => {
    await i18n.changeLanguage('en');
    expect(roomProblem(i18n.t, new MucJoinError('registration-required'))).toBe('Only members may enter this group. Ask one of its owners to invite you.');
    expect(roomProblem(i18n.t, { condition: 'not-authorized' })).toMatch(/password/);
    expect(roomProblem(i18n.t, 'gone')).toBe('That did not work (gone).');
    await i18n.changeLanguage('de');
    expect(roomProblem(i18n.t, new MucJoinError('conflict'))).toBe('Jemand in dieser Gruppe benutzt diesen Spitznamen schon. Wähle einen anderen.');
    await i18n.changeLanguage('en');
  });
});
