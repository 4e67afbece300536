import { describe, expect, it } from 'vitest';
import { i18n } from '../../i18n/index.ts';
import { MucJoinError, UploadError } from '../../session/index.ts';
import { roomProblem } from './errors.ts';
import './i18n.ts';

describe('a room’s refusals', () => {
  it('explains the room’s refusals in a sentence, in both languages', async () => {
    await i18n.changeLanguage('en');
    expect(roomProblem(i18n.t, new MucJoinError('registration-required'))).toBe('Only members may enter this group. Ask one of its owners to invite you.');
    expect(roomProblem(i18n.t, { condition: 'not-authorized' })).toMatch(/password/);
    expect(roomProblem(i18n.t, Object.assign(new Error('policy-violation - you may own at most 1 rooms here'), { condition: 'policy-violation' }))).toMatch(/^The group service does not allow this/);
    await i18n.changeLanguage('de');
    expect(roomProblem(i18n.t, new MucJoinError('conflict'))).toBe('Jemand in dieser Gruppe benutzt diesen Spitznamen schon. Wähle einen anderen.');
    await i18n.changeLanguage('en');
  });

  it('never passes on an error’s own words: a server’s English text, or the name of a condition', async () => {
    await i18n.changeLanguage('de');
    expect(roomProblem(i18n.t, new UploadError('too-large', 'the file is too large; the largest is 100000 bytes'))).toBe('die Datei ist zu groß für den Server');
    expect(roomProblem(i18n.t, new UploadError('quota', 'your upload quota is used up'))).toMatch(/^dein Speicher für Dateien ist voll/);
    expect(roomProblem(i18n.t, new Error('not in the room'))).toBe('Das hat nicht geklappt. Versuch es später noch einmal.');
    expect(roomProblem(i18n.t, 'undefined-condition')).toBe('Das hat nicht geklappt. Versuch es später noch einmal.');
    expect(roomProblem(i18n.t, Object.assign(new Error('bad-request - a slot request names the file'), { condition: 'bad-request' }))).toBe('Der Server hat das nicht angenommen.');
    await i18n.changeLanguage('en');
  });
});
