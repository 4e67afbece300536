import { describe, expect, it } from 'vitest';
import { LoginThrottle, type Outcome } from './login-throttle.ts';
import { MemoryThrottleStore } from '../core/throttle-store.ts';

/**
 * The throttle's rules on their own, with a clock the test moves. The real
 * attacks (concurrent guesses on loopback addresses, the owner logging in
 * meanwhile) are in test/interop/login-throttle.test.ts.
 */
function setup(options: Partial<ConstructorParameters<typeof LoginThrottle>[1]> = {}) {
  let now = 1_000_000;
  const store = new MemoryThrottleStore(() => now);
  const throttle = new LoginThrottle(store, { perAddress: 10, perAccount: 10, holdMs: 1, queueMs: 50, ...options });
  return { throttle, advance: (ms: number) => (now += ms) };
}

/** One whole exchange: begin, admit, finish with `outcome`. Returns the refusal, if any. */
async function attempt(throttle: LoginThrottle, address: string, username: string, outcome: Outcome): Promise<string | null> {
  const started = await throttle.begin(throttle.sourceKey(address));
  if (!started) return 'busy';
  const refusal = await started.admit(username);
  await started.finish(refusal ? 'not-checked' : outcome);
  return refusal;
}

describe('LoginThrottle', () => {
  it('200 guesses sent at once from one address: only its budget of them are checked', async () => {
    const { throttle } = setup({ queueMs: 5_000 });
    let checked = 0;
    const refusals = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const started = (await throttle.begin(throttle.sourceKey('192.0.2.1')))!;
        const refusal = await started.admit('alice');
        if (refusal === null) checked++;
        await started.finish(refusal ? 'not-checked' : 'failure');
        return refusal;
      }),
    );
    // Paid for before any answer: the (account, address) budget of 5, however many run at once.
    expect(checked).toBe(5);
    expect(refusals.filter((refusal) => refusal?.includes('too many failed logins'))).toHaveLength(195);
  });

  it('a correct password gives its tokens back; refusals that tested no password cost nothing (stock slixmpp)', async () => {
    const { throttle } = setup({ perAddress: 2 });
    for (let i = 0; i < 20; i++) expect(await attempt(throttle, '192.0.2.2', 'bob', 'not-checked')).toBeNull();
    for (let i = 0; i < 20; i++) expect(await attempt(throttle, '192.0.2.2', 'bob', 'success')).toBeNull();
  });

  it('one failure every 15 minutes never keeps an address out', async () => {
    const { throttle, advance } = setup({ perAddress: 3 });
    for (let i = 0; i < 50; i++) {
      expect(await attempt(throttle, '192.0.2.3', `user${i}`, 'failure')).toBeNull();
      advance(15 * 60_000);
    }
  });

  it('an address that used up its budget is refused without a check, and earns one attempt a minute', async () => {
    const { throttle, advance } = setup({ perAddress: 3 });
    for (let i = 0; i < 3; i++) expect(await attempt(throttle, '192.0.2.4', `victim${i}`, 'failure')).toBeNull();
    expect(await attempt(throttle, '192.0.2.4', 'someone', 'success')).toMatch(/too many failed logins/);
    advance(60_000);
    expect(await attempt(throttle, '192.0.2.4', 'someone', 'success')).toBeNull();
  });

  it('an account used from an address before is not locked out by failures from that address', async () => {
    const { throttle } = setup({ perAddress: 3 });
    expect(await attempt(throttle, '192.0.2.5', 'carol', 'success')).toBeNull();
    for (let i = 0; i < 3; i++) await attempt(throttle, '192.0.2.5', `other${i}`, 'failure');
    expect(await attempt(throttle, '192.0.2.5', 'other-new', 'failure')).toMatch(/too many/);
    expect(await attempt(throttle, '192.0.2.5', 'carol', 'success')).toBeNull();
  });

  it('failures from many addresses do not refuse the owner on a new address', async () => {
    const { throttle } = setup();
    for (let i = 0; i < 100; i++) await attempt(throttle, `198.51.100.${i}`, 'dave', 'failure');
    expect(await attempt(throttle, '203.0.113.7', 'dave', 'success')).toBeNull();
  });

  it('attempts on one account from new addresses run a few at a time; the rest queue, then give up', async () => {
    const { throttle } = setup({ concurrentPerAccount: 2, queueMs: 30 });
    const first = (await throttle.begin(throttle.sourceKey('192.0.2.10')))!;
    const second = (await throttle.begin(throttle.sourceKey('192.0.2.11')))!;
    expect(await first.admit('erin')).toBeNull();
    expect(await second.admit('erin')).toBeNull();
    const third = (await throttle.begin(throttle.sourceKey('192.0.2.12')))!;
    const waiting = third.admit('erin');
    await first.finish('failure');
    expect(await waiting).toBeNull(); // got the slot the first one freed
    const fourth = (await throttle.begin(throttle.sourceKey('192.0.2.13')))!;
    expect(await fourth.admit('erin')).toMatch(/too many login attempts/);
    for (const started of [second, third, fourth]) await started.finish('failure');
  });
});
