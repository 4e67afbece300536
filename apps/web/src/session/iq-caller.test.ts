import { afterEach, describe, expect, it } from 'vitest';
import { client as createXmppClient } from '@xmpp/client';
import { xml, type Element } from '@conexizan/protocol/xml';

/**
 * @xmpp/iq 0.14 is patched (patches/@xmpp__iq@0.14.0.patch): an error reply
 * that arrives while send() is still pending rejected a promise nobody held
 * yet, so the browser (and Node) reported an unhandled rejection on top of
 * the error the caller got. It happened under load, to real requests.
 */
describe('iq requests through @xmpp/client', () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);

  afterEach(() => {
    process.off('unhandledRejection', record);
    unhandled.length = 0;
  });

  it('an error reply that arrives before send() settles is the request\'s rejection, and nothing is left unhandled', async () => {
    process.on('unhandledRejection', record);
    const xmpp = createXmppClient({ service: 'ws://127.0.0.1:9/', domain: 'localhost' });
    const emitter = xmpp as unknown as { emit(event: string, element: Element): void };
    // The server answers at once; our write completes only a moment later.
    xmpp.send = async (iq: Element) => {
      emitter.emit('element', xml('iq', { type: 'error', id: String(iq.attrs.id), from: 'localhost' }, xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))));
      await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const request = xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'urn:example' })), 1000);
    await expect(request).rejects.toMatchObject({ condition: 'item-not-found' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  });
});
