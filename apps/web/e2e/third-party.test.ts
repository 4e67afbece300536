import { createHash } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { makePng, Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';
import { startThirdParty, type ThirdParty } from './support/third-party.ts';
import { choosePlainText } from './support/encryption.ts';

/**
 * New users of the web client talk to someone on another XMPP client: Dana
 * (English, desktop) and Emil (German, phone) in the browser, Carol on
 * slixmpp (a Python client library nobody here wrote). They add each other,
 * what they type reaches Carol exactly, Carol's answers show in their chats,
 * a picture is the same bytes when Carol fetches it, and markup Carol sends
 * stays text.
 */
describe('the web client and a slixmpp user', () => {
  let server: E2eServer;
  let browser: Browser;
  let dana: Person;
  let emil: Person;
  let carol: ThirdParty;
  const DANA = 'dana@localhost';
  const EMIL = 'emil@localhost';
  const CAROL = 'carol@localhost';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    carol = startThirdParty({ c2sPort: server.c2sPort, user: 'carol', password: 'carol slixmpp password', peers: [DANA, EMIL] });
    [dana, emil] = await Promise.all([
      Person.open(browser, server.url, { size: 'desktop', lang: 'en' }),
      Person.open(browser, server.url, { size: 'phone', lang: 'de' }),
    ]);
    expect((await carol.next('ready')).ok).toBe(true);
  });
  afterAll(async () => {
    await carol?.finish();
    await browser?.close();
    await server?.dispose();
  });

  it('each browser user adds the slixmpp user, who accepts and asks back', async () => {
    for (const [person, jid, username] of [[dana, DANA, 'dana'], [emil, EMIL, 'emil']] as const) {
      await person.register(username, `${username} web password 3`);
      await person.addContact(CAROL);
      await carol.next('subscribe_request', { from: jid });
      await expect.poll(async () => {
        await person.acceptIfAsked(CAROL);
        return person.contactSummary(CAROL);
      }, { timeout: 30_000 }).toMatch(/\bonline\b/);
    }
  });

  it('slixmpp receives exactly what each browser user sent, and its answer shows in their chat', async () => {
    for (const [person, jid, text] of [
      [dana, DANA, 'Hello from the browser 👋 <b>not bold</b> & more'],
      [emil, EMIL, 'Grüße vom Handy: äöüß „Anführungszeichen“'],
    ] as const) {
      await person.openChat(CAROL);
      // Carol's client has no OMEMO: the web client warns and sends nothing in plain text until its user chooses to.
      await choosePlainText(person);
      await person.send(text);
      const received = await carol.next('message', { from: jid });
      expect(received.body).toBe(text);
      expect(received.type).toBe('chat');
      await person.messages(`slixmpp got: ${text}`).waitFor({ timeout: 30_000 });
      await expect(person.messageLog().locator('b').count()).resolves.toBe(0);
    }
  });

  it('a picture the browser sends reaches slixmpp as a link to the same bytes', async () => {
    const png = await makePng(dana.page);
    await dana.attach({ name: 'for-carol.png', mimeType: 'image/png', buffer: png });
    const file = await carol.next('file');
    expect(file).toMatchObject({ ok: true, status: 200, size: png.length, sha256: createHash('sha256').update(png).digest('hex') });
    expect(String(file.content_type)).toMatch(/^image\/png/);
    await dana.messages(`slixmpp got: ${String(file.url)}`).waitFor({ timeout: 30_000 });
  });

  it('hostile markup from the other client, in the body and as XHTML-IM, shows as text and never runs', async () => {
    await emil.send('send me markup');
    const sent = await carol.next('sent_markup');
    const message = emil.messages('from slixmpp');
    await message.waitFor({ timeout: 30_000 });
    await expect(message.innerText()).resolves.toContain(String(sent.body));
    await expect(message.locator('img, script, a[href^="javascript"], iframe').count()).resolves.toBe(0);
    await expect(emil.page.evaluate(() => (window as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    // The request was delivered (it was answered), so it must not still say it is waiting to be sent.
    await expect.poll(() => emil.messages('send me markup').getByText(emil.t.waitingToSend).count(), { timeout: 10_000 }).toBe(0);
    await emil.shot('chat-slixmpp');
  });

  it('nothing went wrong on the pages', () => {
    expect(dana.problems).toEqual([]);
    expect(emil.problems).toEqual([]);
  });
});
