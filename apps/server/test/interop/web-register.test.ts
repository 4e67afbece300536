import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerInBand, stanzaErrorCondition, tryLogin } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The website's registration form for browsers without JavaScript, over
 * real HTTP(S) as a browser posts it: the same rules as in-band
 * registration (mode, invitation, reserved names, the per-address limit
 * shared with XEP-0077, password strength) plus the rules checkbox, the
 * repeated password, the form's token and cookie against cross-site posts,
 * and https only. (With JavaScript off in Chromium: apps/web/e2e/website.test.ts.)
 */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(server: TestServer, options: { path: string; method?: string; body?: string; headers?: Record<string, string>; plain?: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const port = options.plain ? server.ports.http : server.ports.https;
    const req = (options.plain ? httpRequest : httpsRequest)(
      {
        host: '127.0.0.1',
        port,
        path: options.path,
        method: options.method ?? 'GET',
        rejectUnauthorized: false,
        headers: { host: `localhost:${port}`, ...(options.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A browser at the form: it loads the page (token and cookie) and posts the fields back, from the page's own origin. */
class Visitor {
  token = '';
  cookie = '';
  constructor(readonly server: TestServer, readonly page = '/register?lang=en') {}

  async load(): Promise<Answer> {
    const answer = await send(this.server, { path: this.page });
    this.token = /name="form" value="([^"]+)"/.exec(answer.text)?.[1] ?? '';
    this.cookie = String(answer.headers['set-cookie'] ?? '').split(';')[0]!;
    return answer;
  }

  async post(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    const body = new URLSearchParams({ form: this.token, rules: 'yes', ...fields }).toString();
    const answer = await send(this.server, {
      path: '/register?lang=en',
      method: 'POST',
      body,
      headers: { cookie: this.cookie, origin: `https://localhost:${this.server.ports.https}`, 'sec-fetch-site': 'same-origin', ...headers },
    });
    const next = /name="form" value="([^"]+)"/.exec(answer.text)?.[1];
    if (next) {
      this.token = next;
      this.cookie = String(answer.headers['set-cookie'] ?? '').split(';')[0]!;
    }
    return answer;
  }

  /** Loads the form and registers; the answer to the post. */
  async register(username: string, password: string, extra: Record<string, string> = {}): Promise<Answer> {
    await this.load();
    return this.post({ username, password, password2: password, ...extra });
  }
}

async function canLogIn(server: TestServer, username: string, password: string): Promise<boolean> {
  return (await tryLogin({ port: server.ports.c2s, username, password })).ok;
}

describe('the registration form (open registration)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      web_root: '/nonexistent',
      limits: { registrations_per_hour: 6 },
      registration_policy: { reserved_names: ['helpdesk'] },
      accounts: { min_password_length: 10 },
    });
  });
  afterAll(() => server?.stop());

  it('gives out the form over https only, with its token, a cookie other sites cannot send, and no caching', async () => {
    const plain = await send(server, { path: '/register?lang=en', plain: true });
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://localhost:${server.ports.https}/register?lang=en`);
    const visitor = new Visitor(server);
    const page = await visitor.load();
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form class="register" method="post" action="/register?lang=en">');
    expect(page.text).toContain('minlength="10"');
    expect(visitor.token).toMatch(/^\d+\.[\w-]+\.[\w-]+$/);
    expect(page.headers['set-cookie']).toEqual([expect.stringMatching(/^__Host-conexizan-form=[\w-]+; Path=\/; Secure; HttpOnly; SameSite=Strict$/)]);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-encoding']).toBeUndefined();
    expect(page.headers['content-security-policy']).toContain("form-action 'self'");
  });

  it('makes an account that logs in, and says its address', async () => {
    const answer = await new Visitor(server).register('webuser', 'web user password 1');
    expect(answer.status).toBe(201);
    expect(answer.text).toContain('Your address is webuser@localhost.');
    expect(answer.text).not.toContain('web user password 1');
    expect(await canLogIn(server, 'webuser', 'web user password 1')).toBe(true);
  });

  it('refuses, keeping the name and never showing the password: no rules accepted, two different passwords, the account rules', async () => {
    const visitor = new Visitor(server);
    await visitor.load();
    const cases: [Record<string, string>, number, string][] = [
      [{ username: 'norules', password: 'no rules password 2', password2: 'no rules password 2', rules: '' }, 400, 'To register, accept the rules of this service.'],
      [{ username: 'typo', password: 'typo password 3', password2: 'typo passwort 3' }, 400, 'The two passwords are not the same.'],
      [{ username: 'short', password: 'sh0rt!', password2: 'sh0rt!' }, 400, 'Choose one of at least 10 characters'],
      [{ username: 'repeated', password: 'xxxxxxxxxxxx', password2: 'xxxxxxxxxxxx' }, 400, 'not one character repeated'],
      [{ username: 'webuser', password: 'someone else 4', password2: 'someone else 4' }, 409, 'This username is taken.'],
      [{ username: 'HelpDesk', password: 'helpdesk password 5', password2: 'helpdesk password 5' }, 409, 'This name is kept for the people who run the service.'],
      [{ username: 'two words', password: 'two words password 6', password2: 'two words password 6' }, 400, 'This username cannot be used.'],
      [{ username: 'pаypal', password: 'mixed scripts password 7', password2: 'mixed scripts password 7' }, 400, 'This username cannot be used.'],
    ];
    for (const [fields, status, says] of cases) {
      const answer = await visitor.post(fields);
      expect([fields.username, answer.status]).toEqual([fields.username, status]);
      expect(answer.text).toContain(says);
      expect(answer.text).toContain(`value="${fields.username}"`);
      expect(answer.text).not.toContain(fields.password!);
    }
    for (const name of ['norules', 'typo', 'short', 'repeated', 'helpdesk', 'pаypal']) expect(await server.core.accounts.exists(name)).toBe(false);
  });

  it('refuses posts that did not come from its own form in this browser', async () => {
    const visitor = new Visitor(server);
    await visitor.load();
    const other = new Visitor(server);
    await other.load();
    const fields = { username: 'forged', password: 'forged password 8', password2: 'forged password 8' };
    const forged: [string, Record<string, string>, Record<string, string>][] = [
      ['no cookie (another site’s page posting through the browser)', {}, { cookie: '' }],
      ['another origin', {}, { origin: 'https://evil.example' }],
      ['a cross-site fetch', {}, { 'sec-fetch-site': 'cross-site' }],
      ['a token made up', { form: `${Date.now() - 60_000}.${visitor.token.split('.')[1]}.AAAA` }, {}],
      ['the token of another visit', { form: other.token }, {}],
      ['a form two hours old', { form: '1.x.y' }, {}],
    ];
    for (const [what, extra, headers] of forged) {
      const answer = await visitor.post({ ...fields, ...extra }, headers);
      expect([what, answer.status]).toEqual([what, 403]);
      expect(answer.text).toContain('This form is too old, or it did not come from this website.');
    }
    expect(await server.core.accounts.exists('forged')).toBe(false);
    // The page it answered with is a fresh form that works.
    expect((await visitor.post(fields)).status).toBe(201);
  });

  it('takes nothing over plain http, and nothing but a small form body', async () => {
    const visitor = new Visitor(server);
    await visitor.load();
    const body = new URLSearchParams({ form: visitor.token, rules: 'yes', username: 'cleartext', password: 'clear text password 9', password2: 'clear text password 9' }).toString();
    const plain = await send(server, { path: '/register', method: 'POST', body, headers: { cookie: visitor.cookie }, plain: true });
    expect(plain.status).toBe(403);
    expect(plain.text).toContain('only works over a secure connection (https)');
    expect(await server.core.accounts.exists('cleartext')).toBe(false);
    const json = await send(server, { path: '/register', method: 'POST', body: '{}', headers: { cookie: visitor.cookie, 'content-type': 'application/json' } });
    expect(json.status).toBe(415);
    const huge = await send(server, { path: '/register', method: 'POST', body: `${body}&pad=${'x'.repeat(20_000)}`, headers: { cookie: visitor.cookie } });
    expect(huge.status).toBe(413);
    expect(await server.core.accounts.exists('cleartext')).toBe(false);
  });

  it('shares the per-address limit with in-band registration', async () => {
    // registrations_per_hour = 6, and every try that got as far as creating the account counts (webuser, webuser
    // again, the mixed-script name, forged): two more from 127.0.0.1, one each way, then neither way takes another.
    expect((await new Visitor(server).register('third', 'third password 10')).status).toBe(201);
    expect((await registerInBand({ port: server.ports.c2s, username: 'fourth', password: 'fourth password 11' })).attrs.type).toBe('result');
    const refused = await new Visitor(server).register('fifth', 'fifth password 12');
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Too many accounts were created from your address.');
    expect(stanzaErrorCondition(await registerInBand({ port: server.ports.c2s, username: 'sixth', password: 'sixth password 13' }))).toBe('policy-violation');
    expect(await server.core.accounts.exists('fifth')).toBe(false);
  });
});

describe('the registration form (by invitation)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ web_root: '/nonexistent', registration: 'invite', limits: { registrations_per_hour: 1 } });
  });
  afterAll(() => server?.stop());

  it('without an invitation says one is needed, and takes no post', async () => {
    const visitor = new Visitor(server);
    const page = await visitor.load();
    expect(page.status).toBe(403);
    expect(page.text).toContain('New accounts on this server need an invitation.');
    expect(page.text).not.toContain('<form');
    const answer = await send(server, { path: '/register', method: 'POST', body: 'username=gatecrasher&password=gate crasher 1&password2=gate crasher 1&rules=yes' });
    expect(answer.status).toBe(403);
    expect(await server.core.accounts.exists('gatecrasher')).toBe(false);
  });

  it('with an invitation makes one account, however many share the address, and then the invitation is used up', async () => {
    const invites = server.core.services.find('invites')!;
    for (const name of ['guest1', 'guest2']) {
      const { token } = await invites.create(3_600_000);
      const visitor = new Visitor(server, `/register?lang=en&invitation=${token}`);
      const refused = await visitor.register('bad', 'short', { invitation: token });
      expect(refused.status).toBe(400);
      // A refused password did not use the invitation up.
      const answer = await visitor.post({ username: name, password: `${name} password 2`, password2: `${name} password 2`, invitation: token });
      expect(answer.status).toBe(201);
      expect(await canLogIn(server, name, `${name} password 2`)).toBe(true);
      const again = await new Visitor(server, `/register?lang=en&invitation=${token}`).load();
      expect(again.status).toBe(403);
      expect(again.text).toContain('This invitation cannot be used');
    }
  });

  it('switching the language on an invitation\'s form keeps the invitation', async () => {
    const { token } = await server.core.services.find('invites')!.create(3_600_000);
    const english = await new Visitor(server, `/register?lang=en&invitation=${token}`).load();
    const toGerman = /<a href="([^"]+)" lang="de"/.exec(english.text)?.[1]?.replaceAll('&amp;', '&');
    expect(toGerman).toBe(`/register?lang=de&invitation=${token}`);
    const german = await new Visitor(server, toGerman!).load();
    expect(german.status).toBe(200);
    expect(german.text).toContain('<form');
  });
});

describe('the registration form (registration_policy.delay_seconds)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ web_root: '/nonexistent', registration_policy: { delay_seconds: 2 } });
  });
  afterAll(() => server?.stop());

  it('answers no sooner than the delay after the form was given out', async () => {
    const visitor = new Visitor(server);
    const loaded = Date.now();
    await visitor.load();
    const answer = await visitor.post({ username: 'hasty', password: 'hasty password 1', password2: 'hasty password 1' });
    expect(answer.status).toBe(201);
    expect(Date.now() - loaded).toBeGreaterThanOrEqual(1950);
  });
});
