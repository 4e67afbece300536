import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newPerson, screenshot } from './support/browser.ts';
import { Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/** The server started like an operator starts it serves the built web client at `/`, and Chromium shows it. */
describe('the web client served by the server', () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('loads at /chat/ without script errors, at phone and desktop size', async () => {
    for (const size of ['phone', 'desktop'] as const) {
      const { context, page, problems } = await newPerson(browser, { size });
      const response = await page.goto(server.url);
      expect(response?.status()).toBe(200);
      await expect.poll(() => page.title()).toMatch(/Conexizan/);
      await page.getByRole('heading', { name: /Conexizan/ }).first().waitFor();
      await screenshot(page, `start-${size}-en`);
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  it('on the listeners `pnpm start` opens (HTTPS too, self-signed), a new user registers from the page and is online', async () => {
    const defaults = await startE2eServer({ https: true });
    const person = await Person.open(browser, defaults.url, { size: 'phone' });
    try {
      await person.register('newcomer', 'newcomer long password 1');
      await expect.poll(() => person.page.getByRole('banner').textContent()).toContain('newcomer@localhost');
      expect(person.problems).toEqual([]);
    } finally {
      await person.close();
      await defaults.dispose();
    }
  });
});
