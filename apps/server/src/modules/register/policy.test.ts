import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml, type Element } from '@conexizan/protocol';
import type { UnauthenticatedStream } from '../../core/events.ts';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';
import { sendRegistrationDigest } from './digest.ts';

/** The operator's registration policy: reserved names, a delay for open registration, the admins' digest. */
let h: Harness;
let boss: TestSession;

beforeAll(async () => {
  h = await createHarness({ admins: ['boss@localhost'], registration_policy: { delay_seconds: 2, reserved_names: ['Moderator'], digest_hours: 1 } });
  await h.createUser('boss');
  boss = await h.connect('boss');
  await boss.sendStanza(xml('presence'));
});
afterAll(() => h.stop());

function newStream(): UnauthenticatedStream & { sent: Element[] } {
  const sent: Element[] = [];
  return { secure: true, sourceKey: `source-${Math.random()}`, lang: 'en', state: new Map(), send: (el) => void sent.push(el), sent };
}

async function preAuth(stream: ReturnType<typeof newStream>, type: 'get' | 'set', fields: Record<string, string> = {}): Promise<Element> {
  const iq = xml('iq', { type, id: `r${Math.random()}` }, xml('query', { xmlns: NS.REGISTER }, ...Object.entries(fields).map(([name, value]) => xml(name, {}, value))));
  await h.core.hooks.fire('c2s/pre-auth-iq', { stanza: iq, stream });
  return stream.sent.at(-1)!;
}

const condition = (reply: Element) => reply.getChild('error')?.getChildElements().find((child) => child.getNS() === NS.STANZAS_ERR && child.name !== 'text')?.name;

describe('registration policy', () => {
  it('refuses the names reserved for the service and the operator’s own, in any case, but operators may create them', async () => {
    for (const username of ['admin', 'Abuse', 'SUPPORT', 'postmaster', 'moderator']) {
      const reply = await preAuth(newStream(), 'set', { username, password: 'a long enough password' });
      expect(condition(reply)).toBe('conflict');
      expect(reply.getChild('error')!.getChildText('text')).toBe(`the name ${username} is reserved for the service`);
    }
    expect(await h.core.accounts.exists('admin')).toBe(false);
    await h.core.accounts.create('admin', 'the operator may', { ignoreReservation: true });
    expect(await h.core.accounts.exists('admin')).toBe(true);
  });

  it('answers an open registration no sooner than delay_seconds after the stream first asked', async () => {
    const stream = newStream();
    const began = Date.now();
    await preAuth(stream, 'get');
    const reply = await preAuth(stream, 'set', { username: 'patient', password: 'a long enough password' });
    expect(reply.attrs.type).toBe('result');
    expect(Date.now() - began).toBeGreaterThanOrEqual(1950);
    expect(await h.core.accounts.exists('patient')).toBe(true);
  });

  it('sends the admins one digest of new accounts per period, and nothing when there were none', async () => {
    const start = new Date();
    await h.core.storage.settings.delete('registration-digest');
    await sendRegistrationDigest(h.core, h.core.services.find('operators')!, 3_600_000, start);
    await h.core.accounts.create('newcomer1', 'a long enough password');
    await h.core.accounts.create('newcomer2', 'a long enough password');
    const later = new Date(start.getTime() + 2 * 3_600_000);
    await sendRegistrationDigest(h.core, h.core.services.find('operators')!, 3_600_000, later);
    const digest = await boss.next((el) => el.name === 'message' && el.getChildText('subject') === 'New accounts');
    expect(digest.getChildText('body')).toMatch(/^2 new accounts since .*:\nnewcomer1@localhost \(.*\)\nnewcomer2@localhost \(.*\)$/);
    // Within the period, and with nothing new, nothing more is sent.
    await sendRegistrationDigest(h.core, h.core.services.find('operators')!, 3_600_000, new Date(later.getTime() + 60_000));
    await sendRegistrationDigest(h.core, h.core.services.find('operators')!, 3_600_000, new Date(later.getTime() + 3 * 3_600_000));
    await expect(boss.next((el) => el.name === 'message' && el.getChildText('subject') === 'New accounts', 300)).rejects.toThrow();
  });
});
