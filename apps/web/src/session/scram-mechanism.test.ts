import { describe, expect, it } from 'vitest';
import { ScramServerSession, deriveScramCredentials } from '@conexizan/crypto/scram';
import { chooseMechanism } from './client.ts';
import { scramMechanism } from './scram-mechanism.ts';

const bin = (b: Uint8Array) => String.fromCharCode(...b);
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('SCRAM for @xmpp/client', () => {
  it('completes an exchange with the project SCRAM server for a non-ASCII password', async () => {
    const Mechanism = scramMechanism('SHA-256');
    const mech = new Mechanism();
    const creds = { username: 'jürgen', password: 'pässwörd 12' };
    const stored = await deriveScramCredentials(creds.password, 'SHA-256', { iterations: 4096 });
    const server = new ScramServerSession({ hash: 'SHA-256', plus: false, channelBindingSupported: false, lookup: async (u) => (u === 'jürgen' ? stored : null) });
    const first = await mech.response(creds);
    const serverFirst = await server.start(bytes(first));
    await mech.challenge(bin(serverFirst));
    const final = await mech.response(creds);
    await expect(server.finish(bytes(final))).resolves.toMatchObject({ username: 'jürgen' });
  });

  it('never picks PLAIN on an unencrypted connection', () => {
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1'], false)).toBe('SCRAM-SHA-1');
    expect(chooseMechanism(['PLAIN'], false)).toBeNull();
    expect(chooseMechanism(['PLAIN'], true)).toBe('PLAIN');
    expect(chooseMechanism(['SCRAM-SHA-1', 'SCRAM-SHA-256'], true)).toBe('SCRAM-SHA-256');
  });
});
