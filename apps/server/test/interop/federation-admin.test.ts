import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/free-port.ts';
import { runSlixmpp, theOne, type PythonRun } from '../support/python.ts';
import { chat, login, stanzaErrorCondition } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The federation block and allow lists changed without a restart from a
 * real client: slixmpp's xep_0050 plugin runs the admin commands
 * (slixmpp/federation_admin.py). Each change applies at once, is kept in
 * data_dir/federation-border.json, and survives a SIGHUP-style reload.
 */
const SCRIPT = fileURLToPath(new URL('./slixmpp/federation_admin.py', import.meta.url));
const DOMAIN = 'fedadmin.test';
const ADDRESS = '127.0.0.20';
const PREFIX = `fedadmin${process.pid}`;
const NODE = 'https://conexizan.org/commands#federation-';

let server: TestServer;
let run: PythonRun;

beforeAll(async () => {
  const [s2sPort] = (await freePorts(1)) as [number];
  server = await startTestServer({
    domain: DOMAIN,
    bind: ADDRESS,
    ports: { s2s: s2sPort },
    admins: [`${PREFIX}-admin@${DOMAIN}`],
    // Nobody listens there: stanzas for allowed domains fail fast instead of waiting for DNS.
    s2s: { blocked_domains: ['spam.test'], hosts: { 'friends.test': '127.0.0.21:9', 'other.test': '127.0.0.21:9' }, retries: 0 },
  });
  for (const user of ['admin', 'user']) await server.core.accounts.create(`${PREFIX}-${user}`, 'correct horse 1');
  run = await runSlixmpp(SCRIPT, ['--host', ADDRESS, '--port', String(server.ports.c2s), '--domain', DOMAIN, '--prefix', PREFIX], 50_000);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('federation lists from an XMPP client (XEP-0050 with slixmpp)', () => {
  it('runs the whole story to the end', () => {
    const done = theOne(run, 'done');
    expect(done, `${done.error}\n${done.trace}\nstderr:\n${run.stderr.slice(-3000)}`).toMatchObject({ ok: true });
  });

  it('lists the federation commands to the admin and refuses an ordinary user', () => {
    expect(theOne(run, 'commands').nodes).toEqual([`${NODE}allow-list`, `${NODE}block`, `${NODE}lists`, `${NODE}unblock`]);
    expect(theOne(run, 'user-block')).toMatchObject({ ok: false, condition: 'forbidden' });
  });

  it('blocks, unblocks and sets the allow list, each at once', () => {
    expect(theOne(run, 'lists', { label: 'before' })).toMatchObject({ status: 'completed', blocked: ['spam.test'], allowed: [], source: ['the config file'] });
    expect(theOne(run, 'block')).toMatchObject({ stage_one: 'executing', status: 'completed', notes: [['info', 'blocked: evil.test']] });
    expect(theOne(run, 'write', { label: 'blocked' }).condition).toBe('not-allowed');
    expect(theOne(run, 'unblock')).toMatchObject({ status: 'completed', notes: [['info', 'unblocked: spam.test']] });
    expect(theOne(run, 'allow-list')).toMatchObject({ status: 'completed', notes: [['info', 'federating only with: friends.test']] });
    expect(theOne(run, 'write', { label: 'not-allowed' }).condition).toBe('not-allowed');
    expect(theOne(run, 'lists', { label: 'after' })).toMatchObject({ blocked: ['evil.test'], allowed: ['friends.test'], source: ['admins (data directory)'] });
  });

  it('keeps the change in the data directory, and a reload of the config file does not undo it', async () => {
    const saved = JSON.parse(readFileSync(join(server.core.config.data_dir, 'federation-border.json'), 'utf8'));
    expect(saved).toEqual({ blocked_domains: ['evil.test'], allowed_domains: ['friends.test'] });
    server.server.reload(server.core.config);
    const alice = await login({ host: ADDRESS, port: server.ports.c2s, domain: DOMAIN, username: `${PREFIX}-user`, password: 'correct horse 1' });
    try {
      const refused = chat('someone@other.test', 'still outside the allow list');
      alice.send(refused);
      const error = await alice.inbox.waitFor((el) => el.attrs.id === refused.attrs.id && el.attrs.type === 'error', 'the refusal', 10_000);
      expect(stanzaErrorCondition(error)).toBe('not-allowed');
      // An allowed domain is tried (and, nobody being there, bounces for that reason, not for the lists).
      const tried = chat('someone@friends.test', 'allowed');
      alice.send(tried);
      const bounce = await alice.inbox.waitFor((el) => el.attrs.id === tried.attrs.id && el.attrs.type === 'error', 'the bounce', 30_000);
      expect(stanzaErrorCondition(bounce)).toBe('remote-server-not-found');
    } finally {
      await alice.close();
    }
  });
});
