import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, hasBody, login, RawXmppConnection, XMLNS } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * go-sendxmpp (Debian) sends `<?xml version='1.0'?>`, a newline, then the
 * stream header. XML 1.0 allows whitespace there, and Prosody takes it; we
 * refused it as not-well-formed, so go-sendxmpp could not connect at all.
 */
const PASSWORD = 'go sendxmpp password';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  for (const username of ['gosend', 'reader']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
});

afterAll(async () => {
  await server?.stop();
});

function goSendxmpp(args: string[], input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('go-sendxmpp', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(input);
  });
}

describe('go-sendxmpp', () => {
  it('connects over STARTTLS and delivers a message', async () => {
    const reader = await login({ port: server.ports.c2s, username: 'reader', password: PASSWORD });
    try {
      const { code, output } = await goSendxmpp(
        ['-u', 'gosend@localhost', '-p', PASSWORD, '-j', `127.0.0.1:${server.ports.c2s}`, '-n', 'reader@localhost'],
        'hello from go-sendxmpp\n',
      );
      expect(code, output).toBe(0);
      const message = await reader.inbox.waitFor(hasBody('hello from go-sendxmpp'), 'the message from go-sendxmpp', 10_000);
      expect(message.attrs.from).toMatch(/^gosend@localhost\//);
    } finally {
      await reader.close();
    }
  });

  it('its stream opening (declaration, newline, header) gets features, not an error', async () => {
    const connection = await RawXmppConnection.connect({ port: server.ports.c2s });
    try {
      const header = `<?xml version='1.0'?>\n<stream:stream to='localhost' version='1.0' xmlns='${XMLNS.CLIENT}' xmlns:stream='${XMLNS.STREAM}'>`;
      const features = await connection.openStream({ raw: header });
      expect(features.getChild('starttls', XMLNS.TLS)).toBeTruthy();
    } finally {
      connection.destroy();
    }
  });
});
