import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seriousAccessibilityViolations } from './support/axe.ts';
import { launchChromium, newPerson, screenshot } from './support/browser.ts';
import { Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * A stranger's first visit: the website at / in English and German, with
 * JavaScript on and off; what the first visit downloads; and the web client
 * opened by another host name than the XMPP domain, over plain http.
 */
const RETENTION_DAYS = 11;
const BUDGET_BYTES = 150 * 1024;

describe('a stranger opens the address', () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer({ retentionDays: RETENTION_DAYS }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  const visits = [
    { lang: 'en', locale: 'en-US', javaScript: true, size: 'desktop' },
    { lang: 'de', locale: 'de-DE', javaScript: true, size: 'phone' },
    { lang: 'en', locale: 'en-GB', javaScript: false, size: 'phone' },
    { lang: 'de', locale: 'de-AT', javaScript: false, size: 'desktop' },
  ] as const;
  const SAYS = {
    en: { what: 'No phone number, no e-mail address', rules: 'Rules', rule: 'No fascists, no reactionary groups.', privacy: 'Privacy', kept: `keeps your messages for ${RETENTION_DAYS} days`, apps: 'Apps', register: 'Register', web: 'Open the web chat', other: 'Deutsch' },
    de: { what: 'Keine Telefonnummer, keine E-Mail-Adresse', rules: 'Regeln', rule: 'Keine Faschist*innen, keine reaktionären Gruppen.', privacy: 'Datenschutz', kept: `${RETENTION_DAYS} Tage lang in einem Archiv`, apps: 'Apps', register: 'Registrieren', web: 'Web-Chat öffnen', other: 'English' },
  } as const;

  for (const visit of visits) {
    it(`explains the service, its rules and its privacy statement (${visit.lang}, JavaScript ${visit.javaScript ? 'on' : 'off'}, ${visit.size})`, async () => {
      const { context, page, problems } = await newPerson(browser, { locale: visit.locale, javaScript: visit.javaScript, size: visit.size });
      try {
        const says = SAYS[visit.lang];
        const response = await page.goto(server.site);
        expect(response?.status()).toBe(200);
        await expect(page.locator('html').getAttribute('lang')).resolves.toBe(visit.lang);
        await page.getByRole('heading', { level: 1, name: 'localhost' }).waitFor();
        await page.getByText(says.what).first().waitFor();
        await page.getByRole('link', { name: says.register, exact: true }).waitFor();
        await page.getByRole('link', { name: says.web, exact: true }).first().waitFor();
        for (const app of ['Conversations', 'monocles chat', 'Monal', 'Gajim', 'Dino']) await page.getByRole('link', { name: app, exact: true }).first().waitFor();
        await page.getByRole('img', { name: /xmpp:localhost\?register/ }).waitFor();
        const rules = page.getByRole('region', { name: says.rules, exact: true });
        await rules.getByText(says.rule).waitFor();
        const privacy = page.getByRole('region', { name: says.privacy, exact: true });
        await privacy.getByText(says.kept).waitFor();
        expect(await page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth))).toBe(0);
        await screenshot(page, `website-${visit.size}-${visit.lang}-js-${visit.javaScript ? 'on' : 'off'}`);
        // axe runs as a script in the page, so only where scripts run (the page is the same without them).
        if (visit.javaScript) expect(await seriousAccessibilityViolations(page)).toEqual([]);

        // The switch is a plain link: it works without JavaScript too.
        await page.getByRole('link', { name: says.other, exact: true }).click();
        await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(visit.lang === 'en' ? 'de' : 'en');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it('leads from the website to the web chat in the chosen language', async () => {
    const { context, page, problems } = await newPerson(browser, { locale: 'en-US' });
    try {
      await page.goto(`${server.site}?lang=de`);
      await page.getByRole('link', { name: 'Web-Chat öffnen', exact: true }).first().click();
      await page.getByRole('heading', { name: 'Anmelden', exact: true }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/chat/');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

/** Files of the build the test servers serve (support/build-web.ts). */
function built(): { root: string; firstVisit: string[]; files: string[] } {
  const root = inject('webRoot');
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const firstVisit = ['index.html', ...[...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!)];
  const files = readdirSync(join(root, 'assets')).map((name) => `assets/${name}`);
  return { root, firstVisit, files };
}

async function transferred(page: Page): Promise<{ total: number; names: string[] }> {
  return page.evaluate(() => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
    return { total: entries.reduce((sum, entry) => sum + entry.transferSize, 0), names: entries.map((entry) => new URL(entry.name).pathname) };
  });
}

describe('what the first visit downloads', () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('the login screen is within 150 kB gzipped; every file has its compressed copies', () => {
    const { root, firstVisit, files } = built();
    const gzipped = firstVisit.reduce((sum, name) => sum + gzipSync(readFileSync(join(root, name)), { level: 9 }).length, 0);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
    for (const name of [...firstVisit, ...files.filter((f) => /\.(js|css)$/.test(f))]) {
      for (const suffix of ['.gz', '.br']) expect(readdirSync(join(root, name, '..')).includes(`${name.split('/').pop()}${suffix}`), `${name}${suffix}`).toBe(true);
    }
  });

  it('serves them compressed, hashed files cacheable for a year, the page revalidated', async () => {
    const { firstVisit } = built();
    for (const name of firstVisit) {
      const path = name === 'index.html' ? '/chat/' : `/${name}`;
      const response = await fetch(new URL(path, server.site), { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect([path, response.status, response.headers.get('content-encoding'), response.headers.get('vary')]).toEqual([path, 200, 'br', 'Accept-Encoding']);
      expect([path, response.headers.get('cache-control')]).toEqual([path, path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache']);
      expect(response.headers.get('etag')).toBeTruthy();
      await response.arrayBuffer();
    }
  });

  it('in the browser: the login screen comes within 150 kB; OMEMO and the QR code come only after login', async () => {
    const { root, files } = built();
    // The chunks that carry the OMEMO library (libsignal's Curve25519) and the qrcode package (its messages say "QR Code").
    const heavy = files.filter((f) => f.endsWith('.js') && /[Cc]urve25519|QR Code/.test(readFileSync(join(root, f), 'utf8'))).map((f) => `/${f}`);
    expect(heavy.length).toBeGreaterThanOrEqual(2);
    const person = await Person.open(browser, server.url, { size: 'phone' });
    try {
      await person.page.getByRole('button', { name: person.t.login, exact: true }).waitFor();
      await person.page.waitForLoadState('networkidle');
      const before = await transferred(person.page);
      expect(before.total).toBeLessThanOrEqual(BUDGET_BYTES);
      expect(before.names.filter((name) => heavy.includes(name))).toEqual([]);
      await person.register('budget', 'budget long password 1');
      const after = await transferred(person.page);
      expect(after.names.some((name) => heavy.includes(name))).toBe(true);
      expect(person.problems).toEqual([]);
    } finally {
      await person.close();
    }
  });
});

describe('the web client opened by another name than the XMPP domain', () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startE2eServer({ https: true }),
      // chat.example.test is this machine, as a public name would be: not a secure context over http.
      launchChromium({ args: ['--host-resolver-rules=MAP chat.example.test 127.0.0.1'] }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('by IP address: registers on the server’s domain, not on the address', async () => {
    const person = await Person.open(browser, `http://127.0.0.1:${server.httpPort}/chat/`);
    try {
      await person.register('ivy', 'ivy long password 1');
      await expect.poll(() => person.page.getByRole('banner').textContent()).toContain('ivy@localhost');
      expect(person.problems).toEqual([]);
    } finally {
      await person.close();
    }
  });

  it('over plain http by a public name: goes to https and works there', async () => {
    const person = await Person.open(browser, `http://chat.example.test:${server.httpPort}/chat/`, { size: 'phone', acceptSelfSigned: true });
    try {
      expect(person.page.url()).toBe(`https://chat.example.test:${server.httpsPort}/chat/`);
      await person.register('ivo', 'ivo long password 1');
      await expect.poll(() => person.page.getByRole('banner').textContent()).toContain('ivo@localhost');
      // Chromium never installs a service worker from a certificate it does not trust (the test's
      // self-signed one), whatever the context accepts; the app goes on without its offline shell.
      expect(person.problems.filter((p) => !p.includes('SSL certificate error occurred when fetching the script'))).toEqual([]);
    } finally {
      await person.close();
    }
  });

  it('over plain http where the server has no https: says why, in plain words', async () => {
    const plain = await startE2eServer();
    const { context, page, problems } = await newPerson(browser, { locale: 'de-DE' });
    try {
      await page.goto(`http://chat.example.test:${plain.httpPort}/chat/`);
      await page.getByRole('heading', { level: 1, name: 'Diese Seite braucht eine sichere Verbindung' }).waitFor();
      await page.getByText('nur über https').waitFor();
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      await plain.dispose();
    }
  });
});

describe('registering without JavaScript', () => {
  let server: E2eServer;
  let browser: Browser;
  const PASSWORD = 'lenas langes passwort 5';

  beforeAll(async () => {
    // Debug logging, to find out that even then the password is never written down.
    [server, browser] = await Promise.all([startE2eServer({ https: true, logLevel: 'debug' }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  const https = () => `https://localhost:${server.httpsPort}`;
  // A refused form comes back with its status (400 and 409 here), which Chromium reports on the console.
  const unexpected = (problem: string) => !/^console error: Failed to load resource: the server responded with a status of 4(00|09) /.test(problem);

  it('the website leads to a form that makes an account, refusing it without the rules, and the account logs in', async () => {
    const { context, page, problems } = await newPerson(browser, { locale: 'de-DE', javaScript: false, size: 'phone', acceptSelfSigned: true });
    try {
      await page.goto(`${https()}/`);
      await page.getByRole('link', { name: 'Erstelle dein Konto stattdessen mit einem einfachen Formular', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Ein Konto auf localhost erstellen' }).waitFor();
      const form = page.locator('form.register');
      await form.getByRole('textbox', { name: 'Benutzername', exact: true }).fill('lena');
      await form.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
      await form.getByLabel('Passwort wiederholen', { exact: true }).fill(PASSWORD);
      await screenshot(page, 'register-form-phone-de-js-off');
      // The rules are not accepted: the browser itself holds the form back (the server would refuse it too).
      await form.getByRole('button', { name: 'Konto erstellen', exact: true }).click();
      await expect(form.getByRole('checkbox').evaluate((box: HTMLInputElement) => box.validity.valueMissing)).resolves.toBe(true);
      expect(new URL(page.url()).pathname).toBe('/register');
      await page.getByRole('heading', { level: 1, name: 'Ein Konto auf localhost erstellen' }).waitFor();

      // A typo in the repeated password: the server's answer, in German, with the name kept and no password.
      await form.getByRole('checkbox', { name: 'Ich erkenne die Regeln dieses Dienstes an' }).check();
      await form.getByLabel('Passwort wiederholen', { exact: true }).fill(`${PASSWORD}x`);
      await form.getByRole('button', { name: 'Konto erstellen', exact: true }).click();
      await page.getByRole('alert').getByText('Die beiden Passwörter sind verschieden.').waitFor();
      await expect(form.getByRole('textbox', { name: 'Benutzername', exact: true }).inputValue()).resolves.toBe('lena');
      await expect(form.getByLabel('Passwort', { exact: true }).inputValue()).resolves.toBe('');
      expect(await page.content()).not.toContain(PASSWORD);

      await form.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
      await form.getByLabel('Passwort wiederholen', { exact: true }).fill(PASSWORD);
      await form.getByRole('checkbox', { name: 'Ich erkenne die Regeln dieses Dienstes an' }).check();
      await form.getByRole('button', { name: 'Konto erstellen', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Dein Konto ist bereit' }).waitFor();
      await page.getByText('Deine Adresse ist lena@localhost.').waitFor();
      await screenshot(page, 'registered-phone-de-js-off');
      expect(problems.filter(unexpected)).toEqual([]);
    } finally {
      await context.close();
    }

    // The account works: the web chat (JavaScript on) logs in with it.
    const lena = await Person.open(browser, `${https()}/chat/`, { lang: 'de', acceptSelfSigned: true });
    try {
      await lena.login('lena', PASSWORD);
      await expect.poll(() => lena.page.getByRole('banner').textContent()).toContain('lena@localhost');
    } finally {
      await lena.close();
    }
    // The log says an account was made on the website, never with what password.
    expect(server.output()).toMatch(/"via":"website".*"msg":"account registered"|"msg":"account registered".*"via":"website"/);
    expect(server.output()).not.toContain(PASSWORD);
  });

  it('an invitation opened without JavaScript makes its one account with the form', async () => {
    const invitation = await server.invite();
    const { context, page, problems } = await newPerson(browser, { locale: 'en-GB', javaScript: false, acceptSelfSigned: true });
    try {
      await page.goto(invitation);
      await page.getByRole('link', { name: 'Create your account with a simple form instead', exact: true }).click();
      const form = page.locator('form.register');
      await form.getByRole('textbox', { name: 'Username', exact: true }).fill('mira');
      await form.getByLabel('Password', { exact: true }).fill('miras long password 6');
      await form.getByLabel('Repeat the password', { exact: true }).fill('miras long password 6');
      await form.getByRole('checkbox', { name: 'I accept the rules of this service' }).check();
      await form.getByRole('button', { name: 'Create account', exact: true }).click();
      await page.getByText('Your address is mira@localhost.').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
    const again = await fetch(invitation.replace(/^https:\/\/[^/]+/, `http://localhost:${server.httpPort}`));
    expect(again.status).toBe(404);
  });

  it('the form and its answers are accessible (axe, where scripts run)', async () => {
    const { context, page, problems } = await newPerson(browser, { locale: 'en-US', acceptSelfSigned: true });
    try {
      await page.goto(`${https()}/register`);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await page.locator('form.register').getByRole('textbox', { name: 'Username', exact: true }).fill('admin');
      await page.getByLabel('Password', { exact: true }).fill('a long enough password');
      await page.getByLabel('Repeat the password', { exact: true }).fill('a long enough password');
      await page.getByRole('checkbox', { name: 'I accept the rules of this service' }).check();
      await page.getByRole('button', { name: 'Create account', exact: true }).click();
      await page.getByRole('alert').getByText('This name is kept for the people who run the service.').waitFor();
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      expect(problems.filter(unexpected)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the web chat without JavaScript points to the form and the apps', async () => {
    const { context, page } = await newPerson(browser, { locale: 'en-US', javaScript: false, acceptSelfSigned: true });
    try {
      await page.goto(`${https()}/chat/`);
      await page.getByRole('link', { name: 'create an account with a simple form', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Create an account on localhost' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
