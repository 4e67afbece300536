import { createHash } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { makePng, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';
import { startThirdParty, type ThirdParty } from './support/third-party.ts';

/**
 * The web client talks to people on other XMPP clients: Dana in the browser
 * and Carol on slixmpp (a Python client library nobody here wrote) add each
 * other, what Dana types reaches Carol exactly, Carol's answer shows in
 * Dana's chat, and a picture Dana sends is the same bytes when Carol fetches it.
 */
describe('the web client and a slixmpp user', () => {
  let server: E2eServer;
  let browser: Browser;
  let dana: Person;
  let carol: ThirdParty;
  const DANA = 'dana@localhost';
  const CAROL = 'carol@localhost';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    carol = startThirdParty({ c2sPort: server.c2sPort, user: 'carol', password: 'carol slixmpp password', peer: DANA });
    dana = await Person.open(browser, server.url, { size: 'desktop' });
    expect((await carol.next('ready')).ok).toBe(true);
  });
  afterAll(async () => {
    await carol?.finish();
    await browser?.close();
    await server?.dispose();
  });

  it('the browser user adds the slixmpp user, who accepts and asks back', async () => {
    await dana.register('dana', 'dana web password 3');
    await dana.addContact(CAROL);
    await carol.next('subscribe_request', { from: DANA });
    await expect.poll(async () => {
      const request = dana.page.getByRole('button', { name: dana.t.accept(CAROL), exact: true });
      if (await request.isVisible()) await request.click();
      return (await dana.contact(CAROL).getAttribute('aria-label')) ?? (await dana.contact(CAROL).textContent());
    }, { timeout: 30_000 }).toMatch(/online/);
  });

  it('slixmpp receives exactly what the browser sent, and its answer shows in the browser', async () => {
    const text = 'Grüße aus dem Browser 👋 <b>not bold</b> & more';
    await dana.openChat(CAROL);
    await dana.send(text);
    const received = await carol.next('message', { from: DANA });
    expect(received.body).toBe(text);
    expect(received.type).toBe('chat');
    await dana.messages(`slixmpp got: ${text}`).waitFor({ timeout: 30_000 });
    await expect(dana.messageLog().locator('b').count()).resolves.toBe(0);
  });

  it('a picture the browser sends reaches slixmpp as a link to the same bytes', async () => {
    const png = await makePng(dana.page);
    await dana.attach({ name: 'for-carol.png', mimeType: 'image/png', buffer: png });
    const file = await carol.next('file');
    expect(file).toMatchObject({ ok: true, status: 200, size: png.length, sha256: createHash('sha256').update(png).digest('hex') });
    expect(String(file.content_type)).toMatch(/^image\/png/);
    await dana.messages(`slixmpp got: ${String(file.url)}`).waitFor({ timeout: 30_000 });
  });

  it('nothing went wrong on the pages', () => {
    expect(dana.problems).toEqual([]);
  });
});
