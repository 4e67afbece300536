import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, ScramClientSession, utf8Decode } from '@conexizan/crypto';
import { NS, xml } from '@conexizan/protocol';
import { createHarness, type Harness } from '../testing/harness.ts';
import type { ClientConnection } from './connection.ts';
import { SaslNegotiation } from './sasl.ts';

/**
 * Account enumeration through SASL: the answers for an unknown username
 * must look like those for an existing one, whatever the case or width of
 * the letters the prober uses, and cost the same time.
 */
let harness: Harness;

beforeAll(async () => {
  harness = await createHarness({ accounts: { scram_iterations: 20_000 } });
  await harness.createUser('alice', 'a good password');
});

afterAll(async () => {
  await harness?.stop();
});

/** The connection as SASL sees it: TLS without channel binding. */
const connection = { secure: true, channelBindingTypes: () => [], channelBinding: () => null } as unknown as ClientConnection;

/** The salt and iteration count in the server-first message for `username`. */
async function serverFirst(username: string): Promise<{ salt: string; iterations: string }> {
  const sasl = new SaslNegotiation(harness.core.accounts, connection, 'localhost');
  const first = new ScramClientSession({ hash: 'SHA-256', username, password: 'x' }).first();
  const step = await sasl.handle(xml('auth', { xmlns: NS.SASL, mechanism: 'SCRAM-SHA-256' }, base64Encode(first)), async () => null);
  expect(step.kind).toBe('challenge');
  const message = utf8Decode(base64Decode(step.element.getText()));
  const attrs = Object.fromEntries(message.split(',').map((part) => [part[0], part.slice(2)]));
  return { salt: attrs.s!, iterations: attrs.i! };
}

describe('SCRAM does not reveal which usernames exist', () => {
  it('an existing account shows one salt however its name is cased', async () => {
    expect(await serverFirst('ALICE')).toEqual(await serverFirst('alice'));
  });

  it('so does an unknown name: the fake salt follows the PRECIS-prepared name (the probe was ALICE against alice)', async () => {
    const lower = await serverFirst('zed');
    expect(await serverFirst('ZED')).toEqual(lower);
    expect(await serverFirst('Ｚｅｄ')).toEqual(lower); // fullwidth letters map to the same name
    expect(lower.iterations).toBe('20000');
  });
});

describe('SASL PLAIN costs the same for unknown users', () => {
  it('a failed PLAIN login takes as long for an unknown name as for an existing one', async () => {
    const accounts = harness.core.accounts;
    const time = async (username: string) => {
      const started = performance.now();
      expect(await accounts.verifyPassword(username, 'wrong password')).toBe(false);
      return performance.now() - started;
    };
    let existing = Number.POSITIVE_INFINITY;
    let unknown = Number.POSITIVE_INFINITY;
    // Fastest of several interleaved tries: a loaded machine slows both alike.
    for (let i = 0; i < 15; i++) {
      existing = Math.min(existing, await time('alice'));
      unknown = Math.min(unknown, await time('nobody-here'));
    }
    // Before: 8.3 ms against 2.8 ms. Now both do one PBKDF2 derivation.
    expect(unknown, `${existing.toFixed(2)} ms existing, ${unknown.toFixed(2)} ms unknown`).toBeGreaterThan(existing * 0.5);
    expect(await accounts.verifyPassword('alice', 'a good password')).toBe(true);
  });
});

