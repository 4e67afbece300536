import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@conexizan/protocol';
import { freePort } from '../support/free-port.ts';
import { createAccount } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { eventually } from '../support/wait.ts';
import { acceptSelfSignedCertificates, loginJs, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * XEP-0215 and XEP-0157 as a client sees them (@xmpp/client), and the TURN
 * credentials tried on a real coturn (Debian's turnserver, with the same
 * shared secret): what the compliance tester checks, and whether a call
 * could actually get a relay with what the server handed out.
 */
const EXTDISCO = 'urn:xmpp:extdisco:2';
const SERVERINFO = 'http://jabber.org/network/serverinfo';
const SECRET = 'shared with coturn';
const PASSWORD = 'extdisco password';
const restoreTls = acceptSelfSignedCertificates();

let server: TestServer;
let turnDir: string;
let turnPort: number;
let coturn: ChildProcess | null = null;
let coturnLog = '';
let alice: JsSession;

function startCoturn(): Promise<void> {
  coturn = spawn('turnserver', [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${turnPort}`, '--min-port=49152', '--max-port=49300',
    '--use-auth-secret', `--static-auth-secret=${SECRET}`, '--realm=localhost', '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers',
    `--pidfile=${join(turnDir, 'pid')}`, `--db=${join(turnDir, 'turndb')}`, '--log-file=stdout', '--simple-log',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  coturn.stdout!.setEncoding('utf8').on('data', (text: string) => (coturnLog += text));
  coturn.stderr!.setEncoding('utf8').on('data', (text: string) => (coturnLog += text));
  return eventually(() => {
    if (coturn?.exitCode !== null) throw new Error(`turnserver exited:\n${coturnLog}`);
    return coturnLog.includes('Total General servers');
  }, 'coturn to listen', 10_000).then(() => undefined);
}

/** A TURN allocation and relayed traffic between two clients (turnutils_uclient -y), with these credentials. */
function relayWorks(username: string, password: string): { ok: boolean; output: string } {
  const result = spawnSync('turnutils_uclient', ['-y', '-n', '1', '-m', '1', '-l', '50', '-p', String(turnPort), '-u', username, '-w', password, '127.0.0.1'], { encoding: 'utf8', timeout: 20_000 });
  const output = `${result.stdout}${result.stderr}`;
  return { ok: /Total lost packets 0 /.test(output) && !/Cannot complete Allocation/.test(output), output };
}

async function query(payload: Element): Promise<Element> {
  return alice.xmpp.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, payload), 5_000);
}

beforeAll(async () => {
  if (spawnSync('turnserver', ['-h']).error) throw new Error('coturn is not installed (run scripts/install-test-deps.sh as root)');
  turnDir = await mkdtemp(join(tmpdir(), 'cnx-coturn-'));
  turnPort = await freePort();
  await startCoturn();
  server = await startTestServer({
    turn: { host: '127.0.0.1', port: turnPort, tls_port: 0, secret: SECRET, ttl_seconds: 600 },
    contact: { abuse: ['mailto:abuse@example.org', 'xmpp:abuse@localhost'] },
  });
  await createAccount({ port: server.ports.c2s, username: 'ext-alice', password: PASSWORD });
  alice = await loginJs({ server, transport: 'starttls', username: 'ext-alice', password: PASSWORD });
});

afterAll(async () => {
  await alice?.stop();
  await server?.stop();
  coturn?.kill('SIGTERM');
  if (turnDir) await rm(turnDir, { recursive: true, force: true });
  restoreTls();
});

describe('external service discovery (XEP-0215)', () => {
  it('is announced in the domain disco#info', async () => {
    const info = await query(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }));
    expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(EXTDISCO);
  });

  it('lists STUN and TURN the way the compliance tester wants them', async () => {
    const services = (await query(xml('services', { xmlns: EXTDISCO }))).getChild('services', EXTDISCO)!.getChildren('service');
    const valid = (s: Element) => Boolean(s.attrs.host) && Number(s.attrs.port) >= 0 && Number(s.attrs.port) <= 65535 && ['tcp', 'udp'].includes(s.attrs.transport ?? '');
    expect(services.some((s) => valid(s) && ['stun', 'stuns'].includes(s.attrs.type ?? ''))).toBe(true);
    expect(services.some((s) => valid(s) && ['turn', 'turns'].includes(s.attrs.type ?? '') && Boolean(s.attrs.username) && Boolean(s.attrs.password))).toBe(true);
  });

  it('hands out TURN credentials that coturn accepts for a relay, and coturn refuses them altered', async () => {
    const turn = (await query(xml('services', { xmlns: EXTDISCO, type: 'turn' }))).getChild('services')!.getChildren('service').find((s) => s.attrs.transport === 'udp')!;
    expect(turn.attrs).toMatchObject({ host: '127.0.0.1', port: String(turnPort) });
    const good = relayWorks(turn.attrs.username!, turn.attrs.password!);
    expect(good.ok, good.output.slice(-2000)).toBe(true);
    const [expiry, user] = turn.attrs.username!.split(':');
    expect(relayWorks(`${Number(expiry) + 1}:${user}`, turn.attrs.password!).ok).toBe(false);
  });
});

describe('contact addresses (XEP-0157)', () => {
  it('carries the abuse addresses in a serverinfo form on the domain', async () => {
    const info = (await query(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }))).getChild('query')!;
    const form = info.getChildren('x', 'jabber:x:data').find((x) => x.getChildren('field').some((f) => f.attrs.var === 'FORM_TYPE' && f.getChildText('value') === SERVERINFO));
    const abuse = form?.getChildren('field').find((f) => f.attrs.var === 'abuse-addresses')?.getChildren('value').map((v) => v.getText());
    expect(abuse).toEqual(['mailto:abuse@example.org', 'xmpp:abuse@localhost']);
  });
});
