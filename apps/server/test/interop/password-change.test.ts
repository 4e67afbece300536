import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataForm, formValue, NS, parseDataForm, type Element } from '@conexizan/protocol';
import { createAccount } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates, loginJs, provideWebSocketGlobal, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * Changing the password as real clients do, with @xmpp/client (xmpp.js):
 * over WebSocket, as a browser does, the plain XEP-0077 change is answered
 * with the form asking for the current password, which then works; over
 * TCP, as Conversations does, the plain change keeps working.
 */
const restoreTls = acceptSelfSignedCertificates();
provideWebSocketGlobal();

let server: TestServer;
const sessions: JsSession[] = [];

beforeAll(async () => {
  server = await startTestServer();
  for (const username of ['webby', 'appy']) await createAccount({ port: server.ports.c2s, username, password: 'first password' });
});
afterAll(async () => {
  await Promise.all(sessions.map((session) => session.stop()));
  await server?.stop();
  restoreTls();
});

async function login(transport: 'websocket' | 'starttls', username: string, password: string): Promise<JsSession> {
  const session = await loginJs({ server, transport, username, password });
  sessions.push(session);
  return session;
}

/** The iq error xmpp.js rejects with, as the whole error stanza. */
async function refusal(request: Promise<unknown>): Promise<Element> {
  const error = (await request.then(() => null, (e: unknown) => e)) as { element?: Element } | null;
  expect(error?.element).toBeDefined();
  return error!.element!.parent as Element;
}

const plainChange = (username: string, password: string) =>
  xml('iq', { type: 'set', to: 'localhost' }, xml('query', { xmlns: NS.REGISTER }, xml('username', {}, username), xml('password', {}, password)));

describe('XEP-0077 password change from real clients', () => {
  it('a browser session (WebSocket) is asked for the current password, and the form then changes it', async () => {
    const web = await login('websocket', 'webby', 'first password');
    const refused = await refusal(web.xmpp.iqCaller.request(plainChange('webby', 'taken over'), 5_000));
    expect(refused.getChild('error')!.attrs.type).toBe('modify');
    expect(refused.getChild('error')!.getChild('not-authorized')).toBeDefined();
    const form = parseDataForm(refused.getChild('query', NS.REGISTER)!.getChild('x', NS.DATA_FORMS)!);
    expect(formValue(form, 'FORM_TYPE')).toBe('jabber:iq:register:changepassword');

    const submit = (old: string) =>
      xml('iq', { type: 'set', to: 'localhost' }, xml('query', { xmlns: NS.REGISTER }, buildDataForm({
        type: 'submit',
        fields: [
          { var: 'FORM_TYPE', values: ['jabber:iq:register:changepassword'] },
          { var: 'username', values: ['webby'] },
          { var: 'old_password', values: [old] },
          { var: 'password', values: ['second password'] },
        ],
      })));
    const wrong = await refusal(web.xmpp.iqCaller.request(submit('a guess'), 5_000));
    expect(wrong.getChild('error')!.getChild('not-authorized')).toBeDefined();
    expect(await server.core.accounts.verifyPassword('webby', 'first password')).toBe(true);

    const accepted = await web.xmpp.iqCaller.request(submit('first password'), 5_000);
    expect(accepted.attrs.type).toBe('result');
    await expect(login('websocket', 'webby', 'second password')).resolves.toBeDefined();
  });

  it('an app on TCP changes it the plain way, as Conversations does', async () => {
    const app = await login('starttls', 'appy', 'first password');
    const accepted = await app.xmpp.iqCaller.request(plainChange('appy', 'second password'), 5_000);
    expect(accepted.attrs.type).toBe('result');
    await expect(login('starttls', 'appy', 'second password')).resolves.toBeDefined();
  });
});
