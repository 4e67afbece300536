import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReply, NS, xml, type Element } from '@conexizan/protocol';
import type { UnauthenticatedStream } from '../../core/events.ts';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { createInvite, hashInviteToken, inviteUri } from './tokens.ts';

/**
 * A client stream before SASL, as the register and invites modules see it:
 * its iqs go through the `c2s/pre-auth-iq` hook and replies are recorded.
 */
class PreAuthStream implements UnauthenticatedStream {
  readonly secure = true;
  readonly sourceKey = randomBytes(6).toString('hex');
  readonly state = new Map<string, unknown>();
  readonly sent: Element[] = [];

  constructor(private readonly h: Harness, readonly lang = 'en') {}

  send(element: Element): void {
    this.sent.push(element);
  }

  /** Sends an iq the way ClientStream does and returns the reply. */
  async query(iq: Element): Promise<Element> {
    const id = randomBytes(4).toString('hex');
    iq.attrs.id = id;
    const handled = await this.h.core.hooks.fire('c2s/pre-auth-iq', { stanza: iq, stream: this });
    if (handled === undefined) return errorReply(iq, 'not-authorized', { type: 'auth' });
    const reply = this.sent.find((el) => el.attrs.id === id);
    if (!reply) throw new Error('no reply');
    return reply;
  }

  preauth(token: string): Promise<Element> {
    return this.query(xml('iq', { type: 'set', to: 'localhost' }, xml('preauth', { xmlns: NS.PARS, token })));
  }

  register(username: string, password = 'a good password'): Promise<Element> {
    return this.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.REGISTER }, xml('username', {}, username), xml('password', {}, password))));
  }

  registrationForm(): Promise<Element> {
    return this.query(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.REGISTER })));
  }
}

const condition = (reply: Element) => reply.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text')?.name;
const errorType = (reply: Element) => reply.getChild('error')?.attrs.type;

async function invite(h: Harness, validForMs = 86_400_000): Promise<string> {
  return (await createInvite(h.core.storage, 'localhost', validForMs)).token;
}

const preAuthFeatures = (h: Harness) =>
  h.core.features.streamFeatures({ stage: 'pre-auth', secure: true, authenticated: false }).map((el) => el.attrs.xmlns as string);

describe("registration = 'invite' (XEP-0445)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ registration: 'invite' });
    await h.createUser('taken');
  });
  afterAll(() => h.stop());

  it('announces the XEP-0445 stream feature (and the older urn:xmpp:invite) next to in-band registration', () => {
    expect(preAuthFeatures(h)).toEqual(expect.arrayContaining([NS.REGISTER_FEATURE, NS.IBR_TOKEN, NS.INVITE_LEGACY]));
    expect(h.core.features.streamFeatures({ stage: 'post-auth', secure: true, authenticated: true }).map((el) => el.attrs.xmlns)).not.toContain(NS.IBR_TOKEN);
  });

  it('refuses registration without an invitation with not-allowed (XEP-0077)', async () => {
    const stream = new PreAuthStream(h);
    const form = await stream.registrationForm();
    expect(form.getChild('query')!.getChildText('instructions')).toMatch(/invitation/);
    const reply = await stream.register('nobody-invited');
    expect(reply.attrs.type).toBe('error');
    expect(condition(reply)).toBe('not-allowed');
    expect(await h.core.accounts.exists('nobody-invited')).toBe(false);
  });

  it('refuses unknown and malformed tokens with item-not-found, and registration stays closed', async () => {
    const stream = new PreAuthStream(h);
    const unknown = await stream.preauth(randomBytes(16).toString('base64url'));
    expect(unknown.attrs.type).toBe('error');
    expect(condition(unknown)).toBe('item-not-found');
    expect(errorType(unknown)).toBe('cancel');
    expect(condition(await stream.preauth('x'.repeat(5000)))).toBe('item-not-found');
    expect(condition(await stream.query(xml('iq', { type: 'set' }, xml('preauth', { xmlns: NS.PARS }))))).toBe('bad-request');
    expect(condition(await stream.query(xml('iq', { type: 'get' }, xml('preauth', { xmlns: NS.PARS, token: 'abc' }))))).toBe('bad-request');
    expect(condition(await stream.register('guesser'))).toBe('not-allowed');
  });

  it('refuses an expired token', async () => {
    const token = await invite(h, -1000);
    const stream = new PreAuthStream(h);
    const reply = await stream.preauth(token);
    expect(condition(reply)).toBe('item-not-found');
    expect(condition(await stream.register('too-late'))).toBe('not-allowed');
  });

  it('registers exactly one account with a valid token', async () => {
    const token = await invite(h);
    const openBefore = await h.core.storage.invites.count(new Date());
    const stream = new PreAuthStream(h);
    const accepted = await stream.preauth(token);
    expect(accepted.attrs.type).toBe('result');
    expect(accepted.attrs.from).toBe('localhost');
    // Presenting it does not use it up (XEP-0445 §4).
    expect(await h.core.storage.invites.count(new Date())).toBe(openBefore);
    expect((await stream.registrationForm()).getChild('query')!.getChildText('instructions')).not.toMatch(/invitation only/);

    const registered = await stream.register('juliet', 'wherefore art thou');
    expect(registered.attrs.type).toBe('result');
    expect(await h.core.accounts.verifyPassword('juliet', 'wherefore art thou')).toBe(true);
    expect(await h.core.storage.invites.count(new Date())).toBe(openBefore - 1);

    // Not a second account on the same stream…
    expect(condition(await stream.register('juliet2'))).toBe('not-allowed');
    // …nor with the same token on another one.
    const again = new PreAuthStream(h);
    expect(condition(await again.preauth(token))).toBe('item-not-found');
    expect(condition(await again.register('juliet3'))).toBe('not-allowed');
    expect(await h.core.accounts.exists('juliet2')).toBe(false);
    expect(await h.core.accounts.exists('juliet3')).toBe(false);
  });

  it('keeps the invitation when the username or password is refused', async () => {
    const token = await invite(h);
    const stream = new PreAuthStream(h);
    await stream.preauth(token);
    expect(condition(await stream.register('taken'))).toBe('conflict');
    expect(condition(await stream.register('romeo', 'short'))).toBe('not-acceptable');
    expect(await h.core.storage.invites.isValid(hashInviteToken(token), new Date())).toBe(true);
    expect((await stream.register('romeo')).attrs.type).toBe('result');
    expect(await h.core.storage.invites.isValid(hashInviteToken(token), new Date())).toBe(false);
  });

  it('judges expiry when the token is presented, not when the account is made (XEP-0445 §4)', async () => {
    const token = await invite(h, 300);
    const stream = new PreAuthStream(h);
    expect((await stream.preauth(token)).attrs.type).toBe('result');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await h.core.storage.invites.isValid(hashInviteToken(token), new Date())).toBe(false);
    expect((await stream.register('slowpoke')).attrs.type).toBe('result');
  });

  it('lets only one of two streams racing with the same token make an account', async () => {
    const token = await invite(h);
    const a = new PreAuthStream(h);
    const b = new PreAuthStream(h);
    expect((await a.preauth(token)).attrs.type).toBe('result');
    expect((await b.preauth(token)).attrs.type).toBe('result');
    const replies = await Promise.all([a.register('racer-a'), b.register('racer-b')]);
    expect(replies.map((r) => r.attrs.type).sort()).toEqual(['error', 'result']);
    expect(condition(replies.find((r) => r.attrs.type === 'error')!)).toBe('not-allowed');
    const made = [await h.core.accounts.exists('racer-a'), await h.core.accounts.exists('racer-b')];
    expect(made.filter(Boolean)).toHaveLength(1);
  });

  it('is not limited per source address: an invited group may share one', async () => {
    const shared = new PreAuthStream(h).sourceKey;
    for (let i = 0; i < 7; i++) {
      const stream = new PreAuthStream(h);
      Object.defineProperty(stream, 'sourceKey', { value: shared });
      await stream.preauth(await invite(h));
      expect((await stream.register(`workshop${i}`)).attrs.type).toBe('result');
    }
  });
});

describe("registration = 'open'", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ registration: 'open' });
  });
  afterAll(() => h.stop());

  it('still registers without a token', async () => {
    const stream = new PreAuthStream(h);
    expect((await stream.register('walk-in')).attrs.type).toBe('result');
    expect(await h.core.accounts.exists('walk-in')).toBe(true);
  });

  it('gives the instructions in the client’s language, with the rules a new account accepts', async () => {
    const instructions = async (stream: PreAuthStream, lang?: string) =>
      (await stream.query(xml('iq', { type: 'get', 'xml:lang': lang }, xml('query', { xmlns: NS.REGISTER })))).getChild('query')!.getChildText('instructions');
    expect(await instructions(new PreAuthStream(h))).toBe(
      'Choose a username and a password of at least 8 characters. Nothing else is needed. By registering you accept the rules of this service: https://localhost:5281/?lang=en#rules',
    );
    expect(await instructions(new PreAuthStream(h, 'de-AT'))).toMatch(/^Wähle einen Benutzernamen .* Regeln dieses Dienstes an: https:\/\/localhost:5281\/\?lang=de#rules$/);
    // The stanza's own xml:lang wins over the stream's.
    expect(await instructions(new PreAuthStream(h, 'de'), 'en')).toMatch(/^Choose a username/);
  });

  it('accepts a valid token and uses it up with the registration', async () => {
    const token = await invite(h);
    const stream = new PreAuthStream(h);
    expect((await stream.preauth(token)).attrs.type).toBe('result');
    expect((await stream.register('invited-anyway')).attrs.type).toBe('result');
    expect(await h.core.storage.invites.isValid(hashInviteToken(token), new Date())).toBe(false);
  });
});

describe("registration = 'closed'", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ registration: 'closed' });
  });
  afterAll(() => h.stop());

  it('offers no invitation feature and takes no token', async () => {
    expect(preAuthFeatures(h)).not.toContain(NS.IBR_TOKEN);
    expect(preAuthFeatures(h)).not.toContain(NS.INVITE_LEGACY);
    const token = await invite(h);
    const stream = new PreAuthStream(h);
    expect((await stream.preauth(token)).attrs.type).toBe('error');
    expect(condition(await stream.register('sneaky'))).toBe('service-unavailable');
  });
});

describe('invitation tokens', () => {
  it('are 128 random bits in base64url, stored only as a SHA-256 hash, in an XEP-0401 register link', async () => {
    const h = await createHarness({ registration: 'invite' });
    try {
      const created = await createInvite(h.core.storage, 'localhost', 60_000);
      expect(created.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(created.token, 'base64url')).toHaveLength(16);
      expect(created.uri).toBe(`xmpp:localhost?register;preauth=${created.token}`);
      expect(inviteUri('example.org', 'abc')).toBe('xmpp:example.org?register;preauth=abc');
      expect(hashInviteToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(await h.core.storage.invites.isValid(hashInviteToken(created.token), new Date())).toBe(true);
      expect(await h.core.storage.invites.isValid(created.token, new Date())).toBe(false);
    } finally {
      await h.stop();
    }
  });
});
