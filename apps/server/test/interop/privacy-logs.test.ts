import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataForm, xml } from '@conexizan/protocol';
import { configSchema } from '../../src/config/schema.ts';
import { createLogger } from '../../src/core/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { freePorts } from '../support/free-port.ts';
import { chat, createAccount, hasBody, login, RawXmppConnection, tryLogin } from '../support/raw-xmpp.ts';

/**
 * This service exists for people who fear surveillance: whatever happens,
 * no IP address, message body or password may reach the logs, even at the
 * most verbose level.
 */
const BODY = 'meet at the old mill at nine';
const PASSWORD = 'a secret passphrase';
const COMPONENT_SECRET = 'the component secret';
const lines: string[] = [];
let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'conexizan-privacy-'));
  const [c2s, c2s_tls, http, https, component, proxy65] = (await freePorts(6)) as [number, number, number, number, number, number];
  const config = configSchema.parse({
    domain: 'localhost', bind: '127.0.0.1', data_dir: dataDir, ports: { c2s, c2s_tls, http, https, s2s: 0, component, proxy65 }, admins: ['operator@localhost'],
    components: [{ domain: 'bot.localhost', secret: COMPONENT_SECRET }],
  });
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

  it('carry no username when a push app server answers with an error (XEP-0357)', async () => {
    const port = server.ports.c2s!;
    for (const username of ['pushy-person', 'push-sender']) await createAccount({ port, username, password: PASSWORD });
    const pushy = await login({ port, username: 'pushy-person', password: PASSWORD });
    const enabled = await pushy.iq(xml('iq', { type: 'set' }, xml('enable', { xmlns: 'urn:xmpp:push:0', jid: 'nopush.localhost', node: 'n1' })));
    expect(enabled.attrs.type).toBe('result');
    await pushy.close();
    const sender = await login({ port, username: 'push-sender', password: PASSWORD });
    sender.send(chat('pushy-person@localhost', 'wake up'));
    const deadline = Date.now() + 5_000;
    while (!lines.some((line) => line.includes('app server answered with an error')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await sender.close();
    expect(lines.some((line) => line.includes('app server answered with an error'))).toBe(true);
    expect(lines.filter((line) => line.includes('pushy-person'))).toEqual([]);
  });

  it('carry no password or invitation token from the admin commands (XEP-0133)', async () => {
    const port = server.ports.c2s!;
    await createAccount({ port, username: 'operator', password: PASSWORD });
    const operator = await login({ port, username: 'operator', password: PASSWORD });
    const command = (node: string, attrs: Record<string, string>, fields?: Record<string, string>) =>
      operator.iq(xml('iq', { type: 'set', to: 'localhost' }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node, ...attrs },
        fields ? buildDataForm({ type: 'submit', fields: Object.entries(fields).map(([name, value]) => ({ var: name, values: [value] })) }) : undefined)));
    const addUser = 'http://jabber.org/protocol/admin#add-user';
    const first = await command(addUser, { action: 'execute' });
    const sessionid = first.getChild('command')!.attrs.sessionid!;
    const done = await command(addUser, { action: 'complete', sessionid }, { accountjid: 'newcomer@localhost', password: 'chosen by the operator', 'password-verify': 'chosen by the operator' });
    expect(done.getChild('command')!.attrs.status).toBe('completed');
    const invite = 'https://conexizan.org/commands#create-invitation';
    const asked = await command(invite, { action: 'execute' });
    const made = await command(invite, { action: 'complete', sessionid: asked.getChild('command')!.attrs.sessionid! }, { days: '1' });
    const token = made.getChild('command')!.getChild('x')!.getChildren('field').find((f) => f.attrs.var === 'token')!.getChildText('value')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await operator.close();

    const log = lines.join('');
    expect(log).toContain('account added by an admin');
    for (const secret of ['chosen by the operator', token, 'newcomer']) expect(log).not.toContain(secret);
  });

  it('carry no component secret, handshake, proxy address, stream hash or relayed bytes (XEP-0114, XEP-0065)', async () => {
    const handshake = async (secret: string) => {
      const bot = await RawXmppConnection.connect({ port: server.core.config.ports.component });
      bot.sendHeader({ raw: "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='bot.localhost'>" });
      for (let i = 0; i < 200 && !bot.header; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const digest = createHash('sha1').update(String(bot.header!.attrs.id) + secret).digest('hex');
      bot.write(`<handshake>${digest}</handshake>`);
      return { bot, digest };
    };
    const wrong = await handshake('not the secret');
    await wrong.bot.streamError();
    const { bot, digest } = await handshake(COMPONENT_SECRET);
    await bot.inbox.waitFor((el) => el.name === 'handshake', 'handshake');
    bot.send(xml('message', { from: 'echo@bot.localhost', to: 'source@localhost', type: 'chat' }, xml('body', {}, BODY)));

    // A relay through the proxy: the hash and the bytes stay out of the logs.
    const source = await login({ port: server.ports.c2s!, username: 'source', password: PASSWORD, resource: 'desk' });
    const hash = createHash('sha1').update(`privacy-sid${source.jid}journalist@localhost/phone`).digest('hex');
    const socks = () => new Promise<Socket>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: server.core.config.ports.proxy65 }, () => socket.write(Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 3, 40]), Buffer.from(hash), Buffer.from([0, 0])])));
      let got = 0;
      socket.on('data', (chunk: Buffer) => ((got += chunk.length) >= 2 + 47 ? resolve(socket) : undefined));
    });
    const target = await socks();
    const initiator = await socks();
    const activated = await source.iq(xml('iq', { type: 'set', to: 'proxy.localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/bytestreams', sid: 'privacy-sid' }, xml('activate', {}, 'journalist@localhost/phone'))));
    expect(activated.attrs.type).toBe('result');
    initiator.end(BODY);
    await new Promise((resolve) => target.once('close', resolve));
    await bot.close();
    await source.close();

    const log = lines.join('');
    expect(log).toContain('component connected');
    for (const secret of [COMPONENT_SECRET, digest, wrong.digest, hash, BODY, '127.0.0.1']) expect(log).not.toContain(secret);
  });
});
