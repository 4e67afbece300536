import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { createLogger } from '../../src/core/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { freePorts } from '../support/free-port.ts';
import { chat, createAccount, hasBody, login, tryLogin } from '../support/raw-xmpp.ts';

/**
 * This service exists for people who fear surveillance: whatever happens,
 * no IP address, message body or password may reach the logs, even at the
 * most verbose level.
 */
const BODY = 'meet at the old mill at nine';
const PASSWORD = 'a secret passphrase';
const lines: string[] = [];
let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'conexizan-privacy-'));
  const [c2s, c2s_tls, http, https] = (await freePorts(4)) as [number, number, number, number];
  const config = configSchema.parse({ domain: 'localhost', bind: '127.0.0.1', data_dir: dataDir, ports: { c2s, c2s_tls, http, https, s2s: 0 } });
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  server = await startServer({ config, logger: createLogger({ level: 'trace', format: 'json', destination }) });
});

afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('logs', () => {
  it('carry no IP address, body or password through registration, failed and good logins, chat and errors', async () => {
    const port = server.ports.c2s!;
    await createAccount({ port, username: 'source', password: PASSWORD });
    await createAccount({ port, username: 'journalist', password: PASSWORD });
    expect((await tryLogin({ port, username: 'source', password: 'wrong guess' })).ok).toBe(false);
    const source = await login({ port, username: 'source', password: PASSWORD });
    const journalist = await login({ port, username: 'journalist', password: PASSWORD });
    journalist.send(chat('journalist@localhost', 'warm-up'));
    source.send(chat('journalist@localhost', BODY));
    await journalist.inbox.waitFor(hasBody(BODY), 'the message');
    source.send(chat('nobody@localhost', BODY)); // bounced with an error, which is logged nowhere either
    source.write('<message><body>broken</bod></message>'); // a stream error
    await source.closed;
    await journalist.close();

    // Fields that could hold such data are censored even when a module passes them.
    server.core.log.warn({ ip: '192.0.2.1', body: BODY, password: PASSWORD }, 'a careless call');

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(3);
    expect(log).toContain('a careless call');
    for (const secret of [BODY, PASSWORD, 'wrong guess', '127.0.0.1', '192.0.2.1']) expect(log).not.toContain(secret);
  });
});
