import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { makeContacts, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * The server goes away in the middle of a chat (stopped by its operator, then
 * killed as in a crash) and comes back on the same data and ports, or the
 * phone loses its network: the app says it is offline, keeps what was typed,
 * and delivers it once the connection is back, exactly once.
 */
describe('the server goes away mid-chat', () => {
  let server: E2eServer;
  let browser: Browser;
  let gina: Person;
  let hugo: Person;
  const GINA = 'gina@localhost';
  const HUGO = 'hugo@localhost';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    [gina, hugo] = await Promise.all([Person.open(browser, server.url), Person.open(browser, server.url, { size: 'phone' })]);
    await gina.register('gina', 'gina long password 7');
    await hugo.register('hugo', 'hugo long password 8');
    await makeContacts(gina, GINA, hugo, HUGO);
    await gina.openChat(HUGO);
    await hugo.openChat(GINA);
    await gina.send('before the outage');
    await hugo.messages('before the outage').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('shows the offline state; a message sent meanwhile waits and a draft stays', async () => {
    await server.stop();
    for (const person of [gina, hugo]) {
      await person.connectionStatus().getByText(person.t.offline).waitFor({ timeout: 30_000 });
    }
    // Nobody's presence is known while we are offline.
    await expect.poll(() => gina.contactSummary(HUGO)).not.toMatch(/\bonline\b/);
    await gina.openChat(HUGO);
    await gina.send('sent while the server was away');
    const queued = gina.messages('sent while the server was away');
    await queued.getByText(gina.t.waitingToSend).waitFor();
    await gina.composer().fill('a draft typed while offline');
    await gina.shot('offline');
  });

  it('after the server is back, the waiting message is delivered and the draft is still there to send', async () => {
    await server.start();
    await gina.waitOnline(90_000);
    await hugo.waitOnline(90_000);
    await hugo.messages('sent while the server was away').waitFor({ timeout: 30_000 });
    await expect.poll(() => gina.messages('sent while the server was away').getByText(gina.t.waitingToSend).count(), { timeout: 30_000 }).toBe(0);
    await expect(gina.composer().inputValue()).resolves.toBe('a draft typed while offline');
    await gina.page.getByRole('button', { name: gina.t.send, exact: true }).click();
    await hugo.messages('a draft typed while offline').waitFor({ timeout: 30_000 });
    // Each message arrived once.
    await expect(hugo.messages('sent while the server was away').count()).resolves.toBe(1);
  });

  it('after a crash (the process killed, connections just drop) a message written meanwhile arrives once the server is back', async () => {
    await server.kill();
    await gina.connectionStatus().getByText(gina.t.offline).waitFor({ timeout: 60_000 });
    await gina.send('written after the crash');
    await gina.messages('written after the crash').getByText(gina.t.waitingToSend).waitFor();
    await server.start();
    await gina.waitOnline(90_000);
    await hugo.waitOnline(90_000);
    await hugo.messages('written after the crash').waitFor({ timeout: 30_000 });
    await expect(hugo.messages('written after the crash').count()).resolves.toBe(1);
    await expect(hugo.messages('a draft typed while offline').count()).resolves.toBe(1);
  });

  it('when the phone loses its network for a while, it says so and a message written meanwhile arrives once', async () => {
    await hugo.context.setOffline(true);
    await hugo.connectionStatus().getByText(hugo.t.offline).waitFor({ timeout: 30_000 });
    await hugo.send('written in a tunnel');
    await hugo.messages('written in a tunnel').getByText(hugo.t.waitingToSend).waitFor();
    await hugo.context.setOffline(false);
    await hugo.waitOnline(90_000);
    await gina.messages('written in a tunnel').waitFor({ timeout: 30_000 });
    await expect.poll(() => hugo.messages('written in a tunnel').getByText(hugo.t.waitingToSend).count(), { timeout: 30_000 }).toBe(0);
    await expect(gina.messages('written in a tunnel').count()).resolves.toBe(1);
  });

  it('no uncaught error on either page (failed connection attempts are expected in the console)', () => {
    for (const person of [gina, hugo]) expect(person.problems.filter((problem) => problem.startsWith('page error'))).toEqual([]);
  });
});
