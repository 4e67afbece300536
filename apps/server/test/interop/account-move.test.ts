import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryOmemoStore } from '@conexizan/crypto/omemo';
import { NS, xml, type Element } from '@conexizan/protocol';
import { conexizan } from '../support/cli.ts';
import { freePorts } from '../support/free-port.ts';
import { createAccount, login, tryLogin, type RawXmppConnection } from '../support/raw-xmpp.ts';
import { federatingServerToml, s2sHostsToml, serverProcess, type ServerProcess } from '../support/server-process.ts';
import { makeTestCa } from '../support/test-ca.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { acceptSelfSignedCertificates } from '../support/xmpp-js.ts';
import { NodeOmemoClient, PythonOmemoPeer } from './omemo-peers.ts';

/**
 * Moving an account between two Conexizan servers (XEP-0227, XEP-0283):
 * old.test in this process, new.test a process of its own (`conexizan
 * serve`), federating. Alice downloads her account from old.test herself
 * (the "Download my account" link), says where she moved, and the operator
 * of new.test imports the file with `conexizan user import` while it runs.
 * On new.test her old password works and her contacts, vCard and bookmarks
 * are there; her contact on old.test is asked to follow, with a moved
 * notice it can check against her old account; and her OMEMO device list
 * and bundle, moved as they were, still work: Debian's python-omemo on
 * new.test builds a session from them and sends a message her device
 * (keys unchanged, nothing published again) decrypts. Forged files are
 * refused by the command with the reason, and nothing is imported.
 */
const OLD = { domain: 'old.test', address: '127.0.0.41' };
const NEW = { domain: 'new.test', address: '127.0.0.42' };
const PASSWORD = 'moving house password';
const restoreTls = acceptSelfSignedCertificates();

let dir: string;
let old: TestServer;
let next: ServerProcess;
let newC2s: number;
let newConfig: string;
let carol: RawXmppConnection;
let aliceStore: MemoryOmemoStore;
let aliceDevice: number;
let exportFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conexizan-account-move-'));
  const ca = makeTestCa(dir);
  const [c2s, http, oldS2s, newS2s] = (await freePorts(4)) as [number, number, number, number];
  newC2s = c2s;
  const oldCert = ca.issue(OLD.domain);
  old = await startTestServer({
    domain: OLD.domain,
    bind: OLD.address,
    ports: { s2s: oldS2s },
    tls: { cert: oldCert.certFile, key: oldCert.keyFile },
    s2s: { ca_file: ca.caFile, hosts: { [NEW.domain]: `${NEW.address}:${newS2s}` } },
  });
  const toml = federatingServerToml({ domain: NEW.domain, address: NEW.address, dataDir: join(dir, 'new-data'), c2sPort: newC2s, s2sPort: newS2s, httpPort: http, cert: ca.issue(NEW.domain), caFile: ca.caFile });
  newConfig = join(dir, 'new.toml');
  next = serverProcess({ configFile: newConfig, toml: `${toml}${s2sHostsToml({ [OLD.domain]: `${OLD.address}:${oldS2s}` })}`, host: NEW.address, c2sPort: newC2s });
  await next.start();
  for (const user of ['alice', 'carol']) await old.core.accounts.create(user, PASSWORD);
  await createAccount({ host: NEW.address, port: newC2s, domain: NEW.domain, username: 'bob', password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await carol?.close();
  await next?.stop();
  await old?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  restoreTls();
});

const at = (server: typeof OLD, port: number, username: string) => ({ host: server.address, port, domain: server.domain, username, password: PASSWORD });

function httpsGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs a one-stage-or-two command on the domain as a raw client; the last <command/>. */
async function command(who: RawXmppConnection, node: string, fields?: Record<string, string>): Promise<Element> {
  const first = (await who.iq(xml('iq', { type: 'set', to: who.domain }, xml('command', { xmlns: NS.COMMANDS, node, action: 'execute' })))).getChild('command', NS.COMMANDS)!;
  if (first.attrs.status !== 'executing') return first;
  const form = xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, ...Object.entries(fields ?? {}).map(([name, value]) => xml('field', { var: name }, xml('value', {}, value))));
  return (await who.iq(xml('iq', { type: 'set', to: who.domain }, xml('command', { xmlns: NS.COMMANDS, node, sessionid: first.attrs.sessionid!, action: 'complete' }, form)))).getChild('command', NS.COMMANDS)!;
}

describe('moving an account to another Conexizan server', () => {
  it('alice has contacts, a vCard, bookmarks and an OMEMO device on old.test', async () => {
    aliceStore = new MemoryOmemoStore();
    const device = await NodeOmemoClient.start({ server: { service: `xmpp://${OLD.address}:${old.ports.c2s}`, domain: OLD.domain }, username: 'alice', password: PASSWORD, resource: 'phone', store: aliceStore });
    aliceDevice = device.account.deviceId;
    await device.stop();

    const alice = await login(at(OLD, old.ports.c2s, 'alice'));
    carol = await login(at(OLD, old.ports.c2s, 'carol'));
    carol.send(xml('presence'));
    alice.send(xml('iq', { type: 'set', id: 'r1' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: `carol@${OLD.domain}`, name: 'Carol' }, xml('group', {}, 'Friends')))));
    alice.send(xml('presence', { type: 'subscribe', to: `carol@${OLD.domain}` }));
    await carol.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe', 'alice’s request');
    carol.send(xml('presence', { type: 'subscribed', to: `alice@${OLD.domain}` }));
    carol.send(xml('presence', { type: 'subscribe', to: `alice@${OLD.domain}` }));
    await alice.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe', 'carol’s request');
    alice.send(xml('presence', { type: 'subscribed', to: `carol@${OLD.domain}` }));
    await carol.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribed', 'the approval');
    await alice.iq(xml('iq', { type: 'set' }, xml('vCard', { xmlns: NS.VCARD }, xml('FN', {}, 'Alice Moving'))));
    await alice.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('publish', { node: 'urn:xmpp:bookmarks:1' }, xml('item', { id: 'campfire@conference.old.test' }, xml('conference', { xmlns: 'urn:xmpp:bookmarks:1', name: 'Campfire', autojoin: 'true' }))))));
    await alice.close();
  }, 90_000);

  it('alice downloads her account and announces her move herself', async () => {
    const alice = await login(at(OLD, old.ports.c2s, 'alice'));
    const exported = await command(alice, 'https://conexizan.org/commands#export-account');
    const path = exported.getChild('x', NS.DATA_FORMS)!.getChildren('field').find((f) => f.attrs.var === 'path')!.getChildText('value')!;
    const download = await httpsGet(`https://${OLD.address}:${old.ports.https}${path}`);
    expect(download.status).toBe(200);
    expect(download.body).toContain('urn:xmpp:pie:0');
    exportFile = join(dir, 'alice.xml');
    writeFileSync(exportFile, download.body);
    // The link worked once.
    expect((await httpsGet(`https://${OLD.address}:${old.ports.https}${path}`)).status).toBe(404);

    const moved = await command(alice, 'https://conexizan.org/commands#announce-move', { 'new-jid': `alice@${NEW.domain}` });
    expect(moved.getChildText('note')).toBe(`This account now says it moved to alice@${NEW.domain}.`);
    await alice.close();
  }, 60_000);

  it('refuses forged files with the reason and imports nothing', async () => {
    const document = readFileSync(exportFile, 'utf8');
    const forged = join(dir, 'forged.xml');
    const cases: [string, string, string[], RegExp][] = [
      ['another account than named', document, ['--from', `mallory@${OLD.domain}`], /holds the account alice@old\.test, not mallory@old\.test; nothing was imported/],
      ['another domain than named', document.replace(`jid="${OLD.domain}"`, 'jid="evil.test"'), ['--from', `alice@${OLD.domain}`, '--as', 'eve'], /holds the account alice@evil\.test, not alice@old\.test/],
      ['malformed XML', document.slice(0, 2000), ['--as', 'eve'], /not well-formed XML/],
      ['a DTD', `<!DOCTYPE lolz [<!ENTITY lol "lol">]>${document}`, ['--as', 'eve'], /DTD or entities/],
    ];
    for (const [what, content, args, reason] of cases) {
      writeFileSync(forged, content);
      const run = await conexizan(newConfig, ['user', 'import', forged, ...args]);
      expect(run.code, what).toBe(1);
      expect(run.err, what).toMatch(reason);
    }
    expect((await conexizan(newConfig, ['user', 'list'])).out).toBe(`bob@${NEW.domain}\n`);
  }, 90_000);

  it('the operator of new.test imports the file while it runs: the old password works, contacts, vCard and bookmarks are there', async () => {
    const imported = await conexizan(newConfig, ['user', 'import', exportFile, '--from', `alice@${OLD.domain}`]);
    expect(imported, `${imported.err}\n${next.output().slice(-3000)}`).toMatchObject({ code: 0 });
    expect(imported.out).toMatch(/^imported alice@old\.test as alice@new\.test: 1 contacts, \d+ PEP nodes/m);
    expect(imported.out).toContain('the old password works');
    expect(imported.out).toContain('1 contacts were asked to follow the move (XEP-0283)');

    expect(await tryLogin(at(NEW, newC2s, 'alice'))).toMatchObject({ ok: true });
    const alice = await login(at(NEW, newC2s, 'alice'));
    const roster = (await alice.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER })))).getChild('query')!.getChildren('item');
    expect(roster.map((item) => [item.attrs.jid, item.attrs.name, item.getChildText('group'), item.attrs.ask])).toEqual([[`carol@${OLD.domain}`, 'Carol', 'Friends', 'subscribe']]);
    const vcard = await alice.iq(xml('iq', { type: 'get', to: `alice@${NEW.domain}` }, xml('vCard', { xmlns: NS.VCARD })));
    expect(vcard.getChild('vCard')!.getChildText('FN')).toBe('Alice Moving');
    const bookmarks = await alice.iq(xml('iq', { type: 'get' }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node: 'urn:xmpp:bookmarks:1' }))));
    expect(bookmarks.getChild('pubsub')!.getChild('items')!.getChildren('item').map((item) => item.getChild('conference')!.attrs.name)).toEqual(['Campfire']);
    await alice.close();
  }, 60_000);

  it('carol on old.test is asked to follow, and can check the move against alice’s old account (XEP-0283)', async () => {
    const request = await carol.inbox.waitFor((el) => el.name === 'presence' && el.attrs.type === 'subscribe' && el.attrs.from === `alice@${NEW.domain}`, 'the request from the new address', 30_000);
    expect(request.getChild('moved', NS.MOVED)!.getChildText('old-jid')).toBe(`alice@${OLD.domain}`);
    const statement = await carol.iq(xml('iq', { type: 'get', to: `alice@${OLD.domain}` }, xml('pubsub', { xmlns: NS.PUBSUB }, xml('items', { node: NS.MOVED }, xml('item', { id: 'current' })))));
    expect(statement.getChild('pubsub')!.getChild('items')!.getChild('item')!.getChild('moved', NS.MOVED)!.getChildText('new-jid')).toBe(`alice@${NEW.domain}`);
  }, 60_000);

  it('her OMEMO device list and bundle moved intact: python-omemo on new.test encrypts for her device, which decrypts', async () => {
    const device = await NodeOmemoClient.start({ server: { service: `xmpp://${NEW.address}:${newC2s}`, domain: NEW.domain }, username: 'alice', password: PASSWORD, resource: 'phone', store: aliceStore, publish: false });
    const { peer: bob } = await PythonOmemoPeer.start({ host: NEW.address, port: newC2s, domain: NEW.domain, user: 'bob', password: PASSWORD, state: join(dir, 'bob-omemo.json') });
    try {
      expect(device.account.deviceId).toBe(aliceDevice);
      bob.send({ cmd: 'send', to: `alice@${NEW.domain}`, text: 'welcome to new.test' });
      const sent = await bob.waitFor((o) => o.step === 'sent', 'python-omemo to encrypt for the moved device list');
      expect(sent.devices).toEqual([aliceDevice]);
      const got = await device.waitFor(() => true, 'the message from python-omemo');
      expect(got.error).toBeUndefined();
      expect(got.result?.plaintext).toBe('welcome to new.test');
    } finally {
      await bob.quit();
      await device.stop();
    }
  }, 120_000);
});
