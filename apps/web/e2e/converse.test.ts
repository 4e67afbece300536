import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import type { Element } from '@conexizan/protocol/xml';
import { createAccount, login, type RawXmppConnection } from '../../server/test/support/raw-xmpp.ts';
import { xml } from '@conexizan/protocol/xml';
import { launchChromium } from './support/browser.ts';
import { ConverseUser } from './support/converse.ts';
import { encryptionText } from './support/encryption.ts';
import { Person } from './support/person.ts';
import { startE2eServer, type E2eServer } from './support/server.ts';

/**
 * OMEMO 2 (urn:xmpp:omemo:2) between our web client and Converse.js 14 (npm,
 * in Chromium), both ways. Both publish OMEMO 0.3 and OMEMO 2 and pick the
 * newest the other side speaks; a raw connection of Hanna's account sees what
 * actually went over the wire.
 */
describe('OMEMO 2 with Converse.js', () => {
  let server: E2eServer;
  let browser: Browser;
  let hanna: Person;
  let igor: ConverseUser;
  let wire: RawXmppConnection;
  const HANNA = 'hanna@localhost';
  const IGOR = 'igor@localhost';

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    await createAccount({ port: server.c2sPort, username: 'igor', password: 'igor uses converse' });
    hanna = await Person.open(browser, server.url, { size: 'desktop', lang: 'en' });
    await hanna.register('hanna', 'hanna uses the web client');
    igor = await ConverseUser.open(browser, { websocket: `ws://localhost:${server.httpPort}/xmpp-websocket`, jid: IGOR, password: 'igor uses converse' });
    wire = await login({ port: server.c2sPort, username: 'hanna', password: 'hanna uses the web client', resource: 'wire' });
    wire.send(xml('iq', { type: 'set', id: 'carbons' }, xml('enable', { xmlns: NS.CARBONS })));
  });
  afterAll(async () => {
    wire?.destroy();
    await igor?.close();
    await browser?.close();
    await server?.dispose();
  });

  /** The OMEMO elements (namespace) of chat messages with a payload that Hanna's account saw between her and Igor. */
  const omemoOnTheWire = () =>
    wire.inbox.received.flatMap((el: Element) => {
      const carbon = el.getChild('sent', NS.CARBONS) ?? el.getChild('received', NS.CARBONS);
      const message = carbon?.getChild('forwarded', NS.FORWARD)?.getChild('message') ?? el;
      return message.getChildren('encrypted').filter((e) => e.getChild('payload')).map((e) => `${String(message.attrs.from ?? '').split('/')[0]} ${e.getNS()}`);
    });

  it('Converse.js reads what the web client sends, as OMEMO 2', async () => {
    await hanna.addContact(IGOR);
    await hanna.openChat(IGOR);
    await hanna.page.getByText(encryptionText(hanna).chatEncrypted).waitFor({ timeout: 60_000 });
    await hanna.send('hello Igor, from the web client');
    // All of what Converse shows, so that a failure says what it shows instead (an error text, a body it could not decrypt).
    await expect
      .poll(() => igor.messages(HANNA), { timeout: 60_000 })
      .toEqual(expect.arrayContaining([expect.objectContaining({ body: 'hello Igor, from the web client', encrypted: true })]));
    expect(omemoOnTheWire()).toContain(`${HANNA} ${NS.OMEMO}`);
  });

  it('the web client reads what Converse.js sends, as OMEMO 2', async () => {
    await igor.sendToChat(HANNA, 'hi Hanna, Converse.js answering');
    await hanna.messages('hi Hanna, Converse.js answering').getByText(encryptionText(hanna).encrypted, { exact: true }).waitFor({ timeout: 60_000 });
    await expect.poll(omemoOnTheWire, { timeout: 30_000 }).toContain(`${IGOR} ${NS.OMEMO}`);
  });

  it('nothing went wrong on the pages', () => {
    expect(hanna.problems).toEqual([]);
  });
});
