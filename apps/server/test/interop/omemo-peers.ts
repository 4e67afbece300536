import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';
import { DEVICE_LIST_NODE, DEVICES_NODE_2, OmemoAccount, OmemoPep, buildOmemoMessage, findOmemoMessage, type DecryptResult, type OmemoStore, type PublishOutcome } from '@conexizan/crypto/omemo';
import { NS, type Element } from '@conexizan/protocol';
import { onJsonLines, SYSTEM_PYTHON, slixmppProblem, type Observation } from '../support/python.ts';
import type { TestServer } from '../support/test-server.ts';
import { client } from '@xmpp/client';
import { Inbox, withTimeout } from '../support/wait.ts';
import { loginJs, stopQuietly, xml, type JsSession } from '../support/xmpp-js.ts';

/**
 * The two sides of the OMEMO interop test: python-omemo (oldmemo backend) in
 * a long-lived slixmpp process driven by JSON lines (slixmpp/omemo_peer.py),
 * and an @xmpp/client session using @conexizan/crypto's OmemoAccount.
 */
const PEER_SCRIPT = fileURLToPath(new URL('./slixmpp/omemo_peer.py', import.meta.url));
// Generous: CI runs this on two shared cores (each wait ends as soon as its event arrives).
const WAIT_MS = 30_000;

export class PythonOmemoPeer {
  readonly events = new Inbox<Observation>((o) => JSON.stringify(o).slice(0, 300));
  stderr = '';
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  /** `omemo2`: also speak OMEMO 2 (twomemo), preferring it; 'only': OMEMO 2 and nothing else. */
  static async start(options: { host?: string; port: number; domain?: string; user: string; password: string; state: string; omemo2?: boolean | 'only' }): Promise<{ peer: PythonOmemoPeer; ready: Observation }> {
    const problem = slixmppProblem();
    if (problem) throw new Error(problem);
    const where = ['--host', options.host ?? '127.0.0.1', '--port', String(options.port), '--domain', options.domain ?? 'localhost'];
    const versions = options.omemo2 === 'only' ? ['--only-omemo2'] : options.omemo2 ? ['--omemo2'] : [];
    const child = spawn(SYSTEM_PYTHON, ['-u', PEER_SCRIPT, ...where, '--user', options.user, '--password', options.password, '--state', options.state, ...versions], {
      cwd: fileURLToPath(new URL('./slixmpp/', import.meta.url)),
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    const peer = new PythonOmemoPeer(child);
    onJsonLines(child.stdout, (object) => peer.events.push(object as Observation));
    child.stderr.setEncoding('utf8').on('data', (data: string) => (peer.stderr = (peer.stderr + data).slice(-5000)));
    child.on('close', () => peer.events.close(`the python-omemo peer exited; stderr:\n${peer.stderr}`));
    const ready = await peer.waitFor((o) => o.step === 'ready' || o.step === 'fatal', 'python-omemo to log in and publish its bundle', 45_000);
    if (ready.step !== 'ready') throw new Error(`python-omemo peer failed: ${ready.error}\n${ready.trace}`);
    return { peer, ready };
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  waitFor(predicate: (o: Observation) => boolean, what: string, ms = WAIT_MS): Promise<Observation> {
    return this.events.waitFor((o) => predicate(o) || o.step === 'command_failed' || o.step === 'fatal', what, ms).then((o) => {
      if ((o.step === 'command_failed' || o.step === 'fatal') && !predicate(o)) throw new Error(`python-omemo: ${o.error}\n${o.trace}`);
      return o;
    });
  }

  /** Asks the peer to leave and waits for the process to end (its state file stays). */
  async quit(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.on('close', () => resolve());
    });
    this.send({ cmd: 'quit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await closed;
    clearTimeout(timer);
  }
}

export interface Received {
  from: string;
  /** how it arrived: directly, as a XEP-0280 carbon copy, or from a XEP-0313 archive query */
  via: 'live' | 'carbon' | 'archive';
  stanza: Element;
  encrypted: Element;
  result?: DecryptResult;
  error?: Error & { code?: string };
}

/** One Node-side OMEMO device: an @xmpp/client session plus an OmemoAccount on `store`. */
export class NodeOmemoClient {
  /** while true, incoming OMEMO messages are kept as they are, not decrypted (for tampering with them) */
  hold = false;
  readonly received = new Inbox<Received>((r) => `${r.from}: ${r.result ? JSON.stringify(r.result.plaintext) : r.error?.message}`);

  private constructor(
    readonly session: OmemoSession,
    readonly account: OmemoAccount,
    readonly directory: OmemoPep,
    /** null when told not to publish */
    readonly published: { bundle: PublishOutcome; deviceList: PublishOutcome } | null,
  ) {}

  /** Logs in, opens the account on `store` and announces the device; `prepare` runs first (to set up PEP nodes). */
  static async start(options: {
    /** the test server on 127.0.0.1 for "localhost", or where another one listens */
    server: TestServer | { service: string; domain: string };
    username: string;
    password: string;
    resource: string;
    store: OmemoStore;
    prepare?: (session: OmemoSession) => Promise<void>;
    /** false: use the device and bundle already on the server as they are (an imported account) */
    publish?: boolean;
  }): Promise<NodeOmemoClient> {
    const { server, username, password, resource } = options;
    const session = 'service' in server ? await loginAt({ ...server, username, password, resource }) : await loginJs({ server, transport: 'starttls', username, password, resource });
    await options.prepare?.(session);
    // The package's PEP code, driven by @xmpp/client as the web client will drive it.
    const directory = new OmemoPep((iq) => session.xmpp.iqCaller.request(iq, WAIT_MS));
    const account = await OmemoAccount.open({ jid: session.bareJid, store: options.store, directory });
    const published = options.publish === false ? null : await directory.publishDevice(account);
    const client = new NodeOmemoClient(session, account, directory, published);
    session.xmpp.on('stanza', (stanza: Element) => void client.onStanza(stanza));
    return client;
  }

  private async onStanza(outer: Element): Promise<void> {
    if (outer.name !== 'message') return;
    const event = outer.getChild('event', NS.PUBSUB_EVENT)?.getChild('items');
    if (event?.attrs.node === DEVICE_LIST_NODE) {
      const list = event.getChild('item')?.getChild('list', NS.OMEMO_LEGACY);
      if (list) await this.directory.onDeviceList(this.account, bare(outer.attrs.from), list).catch(() => undefined);
      return;
    }
    if (event?.attrs.node === DEVICES_NODE_2) {
      const list = event.getChild('item')?.getChild('devices', NS.OMEMO);
      if (list) await this.account.updateDeviceList2(bare(outer.attrs.from), list).catch(() => undefined);
      return;
    }
    // The package's own lookup: live, carbon (own account only) or archive result.
    const found = findOmemoMessage(outer, this.account.jid);
    if (!found) return;
    const { from, via, message: stanza, encrypted } = found;
    if (this.hold) {
      this.received.push({ from, via, stanza, encrypted });
      return;
    }
    try {
      const result = await this.account.decryptMessage(encrypted, from);
      if (result.heartbeat && via === 'live') await this.sendEncrypted(from, result.heartbeat);
      if (result.bundleChanged) await this.directory.publishBundle(this.account);
      this.received.push({ from, via, stanza, encrypted, result });
    } catch (error) {
      this.received.push({ from, via, stanza, encrypted, error: error as Error });
    }
  }

  /** The first received message matching `predicate` (already there or still to come). */
  waitFor(predicate: (r: Received) => boolean, what: string, ms = WAIT_MS): Promise<Received> {
    return this.received.waitFor(predicate, what, ms);
  }

  /** Turns on carbon copies (XEP-0280) for this session. */
  async enableCarbons(): Promise<void> {
    await this.session.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('enable', { xmlns: NS.CARBONS })), WAIT_MS);
  }

  /** Asks the own archive (XEP-0313) for the conversation with `withJid`; the results land in `received`. */
  async queryArchive(withJid: string): Promise<void> {
    const form = xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.MAM)),
      xml('field', { var: 'with' }, xml('value', {}, withJid)));
    await this.session.xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.MAM, queryid: 'omemo' }, form)), WAIT_MS);
  }

  async sendEncrypted(to: string, encrypted: Element | Element[]): Promise<void> {
    await this.session.send(buildOmemoMessage({ to, id: `omemo-${Math.random().toString(36).slice(2)}`, encrypted }));
  }

  /** Encrypts and sends `text`: OMEMO 2 for devices that announce it, 0.3 for the others (one stanza). */
  async sendText(to: string, text: string) {
    const result = await this.account.encryptMessage([to], text);
    await this.sendEncrypted(to, [result.element2, result.element].filter((e) => e !== undefined));
    return result;
  }

  /** Uploads bytes through XEP-0363 and returns the https:// GET URL. The request carries no key. */
  async upload(name: string, data: Uint8Array): Promise<string> {
    const reply = await this.session.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: 'localhost' }, xml('request', { xmlns: NS.HTTP_UPLOAD, filename: name, size: String(data.length), 'content-type': 'application/octet-stream' })),
      WAIT_MS,
    );
    const slot = reply.getChild('slot', NS.HTTP_UPLOAD)!;
    const put = slot.getChild('put')!;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(data.length) };
    for (const header of put.getChildren('header')) headers[String(header.attrs.name).toLowerCase()] = header.getText();
    const answer = await httpsCall('PUT', put.attrs.url as string, headers, data);
    if (answer.status >= 300) throw new Error(`upload PUT answered ${answer.status}`);
    return slot.getChild('get')!.attrs.url as string;
  }

  stop(): Promise<void> {
    this.received.close('the Node OMEMO client stopped');
    return this.session.stop();
  }
}

/** What NodeOmemoClient needs of an @xmpp/client session. */
export type OmemoSession = Pick<JsSession, 'xmpp' | 'bareJid' | 'send' | 'stop'>;

/** An @xmpp/client login to a server that is not the default test server (another address and domain). */
async function loginAt(options: { service: string; domain: string; username: string; password: string; resource: string }): Promise<OmemoSession> {
  const xmpp = client({ service: options.service, domain: options.domain, username: options.username, password: options.password, resource: options.resource });
  xmpp.reconnect.stop();
  xmpp.on('error', () => undefined);
  const jid = (await withTimeout(xmpp.start(), WAIT_MS, `login of ${options.username}@${options.domain}`)).toString();
  await xmpp.send(xml('presence'));
  return { xmpp, bareJid: jid.split('/')[0]!, send: (element) => xmpp.send(element), stop: () => stopQuietly(xmpp) };
}

function bare(jid: unknown): string {
  return String(jid ?? '').split('/')[0]!;
}

/** One HTTPS request to the test server (the URLs name "localhost"; its certificate is self-signed). */
export function httpsCall(method: string, url: string, headers: Record<string, string> = {}, body?: Uint8Array): Promise<{ status: number; body: Uint8Array }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', servername: 'localhost', port: target.port, path: target.pathname + target.search, method, rejectUnauthorized: false, headers: { host: target.host, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body ? Buffer.from(body) : undefined);
  });
}
