import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, parseXmppDateTime, xml, type Element } from '@conexizan/protocol';
import { loadConfig } from '../../config/load.ts';
import { configSchema } from '../../config/schema.ts';
import { createHarness, type Harness } from '../../testing/harness.ts';

const SECRET = 'coturn static-auth-secret';
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ turn: { host: 'turn.example.org', secret: SECRET, ttl_seconds: 3600 } });
  await h.createUser('ada');
});
afterAll(() => h.stop());

const services = (attrs: Record<string, string> = {}) => xml('iq', { type: 'get', to: 'localhost' }, xml('services', { xmlns: NS.EXTDISCO, ...attrs }));

describe('XEP-0215 external services', () => {
  it('lists STUN and TURN with credentials coturn accepts, valid for the configured time', async () => {
    const ada = await h.connect('ada');
    const reply = await ada.query(services());
    const list = reply.getChild('services', NS.EXTDISCO)!.getChildren('service');
    expect(list.map((s) => `${s.attrs.type}/${s.attrs.transport}:${s.attrs.port}`)).toEqual(['stun/udp:3478', 'turn/udp:3478', 'turn/tcp:3478', 'turns/tcp:5349']);
    for (const turn of list.filter((s) => s.attrs.type !== 'stun')) {
      const [username, password, expires] = [turn.attrs.username!, turn.attrs.password!, turn.attrs.expires!];
      // coturn's REST API: the username starts with its expiry, the password is base64(HMAC-SHA1(secret, username)).
      const expiry = Number(username.split(':')[0]);
      expect(expiry * 1000).toBeGreaterThan(Date.now() + 3590_000);
      expect(expiry * 1000).toBeLessThanOrEqual(Date.now() + 3600_000);
      expect(password).toBe(createHmac('sha1', SECRET).update(username).digest('base64'));
      expect(parseXmppDateTime(expires)!.getTime()).toBe(expiry * 1000);
      expect(username).not.toContain('ada');
    }
    expect(list[0]!.attrs.username).toBeUndefined();
  });

  it('filters by type and hands out credentials for one named service', async () => {
    const ada = await h.connect('ada');
    const turns = (await ada.query(services({ type: 'turns' }))).getChild('services')!.getChildren('service');
    expect(turns.map((s) => s.attrs.type)).toEqual(['turns']);
    const reply = await ada.query(xml('iq', { type: 'get', to: 'localhost' }, xml('credentials', { xmlns: NS.EXTDISCO }, xml('service', { host: 'turn.example.org', type: 'turn' }))));
    expect(reply.getChild('credentials', NS.EXTDISCO)!.getChild('service')!.attrs.password).toBeTruthy();
    const unknown = await ada.query(xml('iq', { type: 'get', to: 'localhost' }, xml('credentials', { xmlns: NS.EXTDISCO }, xml('service', { host: 'elsewhere.example', type: 'turn' }))));
    expect(unknown.getChild('error')?.getChild('item-not-found')).toBeDefined();
  });

  it('is configured from CONEXIZAN_TURN_HOST and CONEXIZAN_TURN_SECRET', () => {
    const config = loadConfig({ file: undefined, env: { CONEXIZAN_TURN_HOST: 'turn.example.net', CONEXIZAN_TURN_SECRET: 'xyz' } });
    expect(config.turn).toMatchObject({ host: 'turn.example.net', secret: 'xyz', port: 3478 });
  });
});

describe('XEP-0157 contact addresses', () => {
  it('shows the configured addresses in a serverinfo form, and nothing when none are configured', async () => {
    const withContacts = await createHarness({ contact: { abuse: ['mailto:abuse@example.org', 'xmpp:abuse@example.org'], security: ['https://example.org/security'] } });
    try {
      await withContacts.createUser('op');
      const op = await withContacts.connect('op');
      const info = (await op.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
      const form = info.getChildren('x', NS.DATA_FORMS).find((x) => x.getChildren('field').some((f: Element) => f.attrs.var === 'FORM_TYPE' && f.getChildText('value') === NS.SERVER_INFO))!;
      const values = (name: string) => form.getChildren('field').find((f: Element) => f.attrs.var === name)?.getChildren('value').map((v: Element) => v.getText());
      expect(values('abuse-addresses')).toEqual(['mailto:abuse@example.org', 'xmpp:abuse@example.org']);
      expect(values('security-addresses')).toEqual(['https://example.org/security']);
      expect(values('admin-addresses')).toBeUndefined();
    } finally {
      await withContacts.stop();
    }
    const ada = await h.connect('ada');
    const info = (await ada.query(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS.DISCO_INFO })))).getChild('query')!;
    expect(info.toString()).not.toContain(NS.SERVER_INFO);
  });

  it('refuses a contact that is not a URI', () => {
    expect(configSchema.safeParse({ contact: { abuse: ['abuse@example.org'] } }).success).toBe(false);
    expect(configSchema.safeParse({ contact: { abuse: ['mailto:abuse@example.org'] } }).success).toBe(true);
  });
});
