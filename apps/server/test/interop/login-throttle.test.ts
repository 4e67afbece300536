import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Encode, utf8Encode } from '@conexizan/crypto';
import { xml } from '@conexizan/protocol';
import { connectSecure, createAccount, login, saslFailureCondition, tryLogin, XMLNS, type SaslResult } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { sleep } from '../support/wait.ts';

/**
 * Password guessing against a real server, from real sockets on loopback
 * addresses (127.0.0.x stand for different clients), with the default
 * budgets (10 failed logins per address, 10 per account):
 *
 * - 200 SCRAM guesses sent at once from one address used to be answered in
 *   under a second, and the 200th, the right password, succeeded;
 * - a flood against one account locked its owner out (the 30 s delay
 *   equalled the 30 s unauthenticated timeout), and 13 failures from an
 *   address locked out every account used from there.
 */
const PASSWORD = 'the right password';
const WRONG = 'a wrong guess';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ limits: { failed_logins_per_address: 10, failed_logins_per_account: 10 } });
  for (const username of ['alice', 'bob', 'carol', 'dave']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
});

afterAll(async () => {
  await server?.stop();
});

const tls = (localAddress: string) => ({ port: server.ports.c2s_tls, directTls: true, localAddress });

describe('password guessing is paid for before it is answered', () => {
  it('200 SCRAM guesses at once from one address: a handful checked, the right password among the last is refused', async () => {
    const connections = await Promise.all(Array.from({ length: 200 }, () => connectSecure(tls('127.0.0.61'))));
    try {
      const guesses = connections.slice(0, 199).map(({ connection }) => connection.authenticate('alice', WRONG));
      await sleep(50);
      const right = await connections[199]!.connection.authenticate('alice', PASSWORD);
      const outcomes = await Promise.all(guesses);
      expect(right.ok).toBe(false);
      expect(conditionOf(right)).toBe('temporary-auth-failure');
      const checked = outcomes.filter((outcome) => conditionOf(outcome) === 'not-authorized').length;
      expect(checked).toBeGreaterThan(0);
      expect(checked).toBeLessThanOrEqual(10);
      expect(outcomes.filter((outcome) => conditionOf(outcome) === 'temporary-auth-failure')).toHaveLength(199 - checked);
    } finally {
      for (const { connection } of connections) connection.destroy();
    }
    // The owner, elsewhere, is not affected.
    const owner = await login({ ...tls('127.0.0.62'), username: 'alice', password: PASSWORD });
    await owner.close();
  }, 120_000);

  it('the owner logs in within a few seconds while six addresses flood the same account', async () => {
    let flooding = true;
    const outcomes: (string | null)[] = [];
    const attacker = async (address: string) => {
      while (flooding) outcomes.push(conditionOf(await tryLogin({ ...tls(address), username: 'bob', password: WRONG }).catch(() => ({ ok: false, condition: 'error' }) as SaslResult)));
    };
    const attackers = ['71', '72', '73', '74', '75', '76'].flatMap((last) => [attacker(`127.0.0.${last}`), attacker(`127.0.0.${last}`)]);
    try {
      await sleep(2_000);
      const started = performance.now();
      const owner = await login({ ...tls('127.0.0.80'), username: 'bob', password: PASSWORD });
      const took = performance.now() - started;
      await owner.close();
      expect(took, `the owner's login took ${Math.round(took)} ms`).toBeLessThan(5_000);
    } finally {
      flooding = false;
      await Promise.all(attackers);
    }
    // Six addresses, each with its budget for this account, and nothing more.
    expect(outcomes.filter((condition) => condition === 'not-authorized').length).toBeLessThanOrEqual(6 * 5);
    expect(outcomes).toContain('temporary-auth-failure');
  }, 60_000);

  it('13 failures from an address do not lock out an account used from that address before', async () => {
    await (await login({ ...tls('127.0.0.90'), username: 'carol', password: PASSWORD })).close();
    for (let i = 0; i < 13; i++) await tryLogin({ ...tls('127.0.0.90'), username: `nobody${i}`, password: WRONG });
    expect(conditionOf(await tryLogin({ ...tls('127.0.0.90'), username: 'somebody-else', password: WRONG }))).toBe('temporary-auth-failure');
    const started = performance.now();
    await (await login({ ...tls('127.0.0.90'), username: 'carol', password: PASSWORD })).close();
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('refusals that test no password are not counted (stock slixmpp 1.8.3, poezio)', () => {
  it("twelve rounds of slixmpp's channel-binding tries cost the address nothing", async () => {
    // slixmpp offers tls-unique (which TLS 1.3 lacks), then the 'y' flag: RFC 5802 §6 says refuse both.
    const tries = [
      ['SCRAM-SHA-256-PLUS', 'p=tls-unique'],
      ['SCRAM-SHA-1-PLUS', 'p=tls-unique'],
      ['SCRAM-SHA-256', 'y'],
      ['SCRAM-SHA-1', 'y'],
    ] as const;
    for (let round = 0; round < 12; round++) {
      const { connection } = await connectSecure(tls('127.0.0.95'));
      try {
        for (const [mechanism, flag] of tries) {
          connection.send(xml('auth', { xmlns: XMLNS.SASL, mechanism }, base64Encode(utf8Encode(`${flag},,n=dave,r=slixmppnonce${round}`))));
          const answer = await connection.inbox.waitFor((el) => el.getNS() === XMLNS.SASL, `the answer to ${mechanism}`);
          expect(saslFailureCondition(answer)).toBe('not-authorized');
        }
        // ...and then PLAIN, with a wrong password now and then.
        expect((await connection.authenticate('dave', round % 4 === 1 ? WRONG : PASSWORD, 'PLAIN')).ok).toBe(round % 4 !== 1);
      } finally {
        await connection.close();
      }
    }
  });
});

function conditionOf(result: SaslResult): string | null {
  return result.ok ? 'success' : result.condition;
}
