import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, TLSSocket, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/free-port.ts';
import { RawS2s } from '../support/raw-s2s.ts';
import { chat, createAccount, login, RawXmppConnection } from '../support/raw-xmpp.ts';
import { serverProcess, type ServerProcess } from '../support/server-process.ts';
import { makeTestCa, type TestCa } from '../support/test-ca.ts';
import { eventually } from '../support/wait.ts';

/**
 * A certificate renewal (certbot, Caddy, cert-manager) replaces the files;
 * SIGHUP to the running server (`conexizan serve`, a process of its own)
 * makes it read them again. Every TLS listener then presents the new
 * certificate to new connections: c2s STARTTLS and direct TLS, HTTPS,
 * incoming s2s (STARTTLS and direct TLS) and outgoing s2s (our client
 * certificate, seen by a peer). A connection already encrypted keeps its
 * certificate and goes on working. A pair caught half-written (a new
 * certificate, the old key) is refused and the current one stays.
 */
const HOST = '127.0.0.1';
const PASSWORD = 'certificate reload password';

let dir: string;
let ca: TestCa;
let server: ServerProcess;
let ports: { c2s: number; c2s_tls: number; https: number; s2s: number; s2s_tls: number; peer: number };
let peer: FakePeer;
let certFile: string;
let keyFile: string;
const issued: { cert: string; key: string; fingerprint: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conexizan-cert-reload-'));
  ca = makeTestCa(dir);
  for (let i = 0; i < 3; i++) {
    const { cert, key } = ca.issue('localhost');
    issued.push({ cert, key, fingerprint: new X509Certificate(cert).fingerprint256 });
  }
  certFile = join(dir, 'live-cert.pem');
  keyFile = join(dir, 'live-key.pem');
  install({ cert: issued[0]!.cert, key: issued[0]!.key });
  const [c2s, c2s_tls, https, s2s, s2s_tls, peerPort] = (await freePorts(6)) as [number, number, number, number, number, number];
  ports = { c2s, c2s_tls, https, s2s, s2s_tls, peer: peerPort };
  peer = await FakePeer.listen(peerPort, issued[0]!);
  server = serverProcess({
    configFile: join(dir, 'conexizan.toml'),
    host: HOST,
    c2sPort: c2s,
    toml: `domain = "localhost"
data_dir = "${join(dir, 'data')}"
bind = "${HOST}"
[ports]
c2s = ${c2s}
c2s_tls = ${c2s_tls}
http = 0
https = ${https}
s2s = ${s2s}
s2s_tls = ${s2s_tls}
[tls]
cert = "${certFile}"
key = "${keyFile}"
[log]
level = "info"
format = "json"
[s2s]
retries = 0
[s2s.hosts]
"before.example" = "${HOST}:${peerPort}"
"after.example" = "${HOST}:${peerPort}"
"later.example" = "${HOST}:${peerPort}"
`,
  });
  await server.start();
  await createAccount({ port: c2s, username: 'alice', password: PASSWORD });
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await peer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('certificates reloaded on SIGHUP', () => {
  let open: RawXmppConnection;

  it('at start, every TLS listener presents the configured certificate', async () => {
    expect(await presented()).toEqual(everywhere(issued[0]!.fingerprint));
    expect(await outgoing('before.example')).toBe(issued[0]!.fingerprint);
    open = await RawXmppConnection.connect({ port: ports.c2s_tls, directTls: true });
  });

  it('after the files are replaced and SIGHUP, new connections get the new one; an open one keeps its own and works', async () => {
    install({ cert: issued[1]!.cert, key: issued[1]!.key });
    await reload(/certificate reloaded/);
    expect(await presented()).toEqual(everywhere(issued[1]!.fingerprint));
    expect(await outgoing('after.example')).toBe(issued[1]!.fingerprint);

    expect(fingerprintOf((open.socket as TLSSocket).getPeerCertificate())).toBe(issued[0]!.fingerprint);
    const features = await open.openStream();
    expect(features.getChild('mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl')).toBeTruthy();
    open.destroy();
  });

  it('a renewal caught half-way (the new certificate, the old key) is refused and the current one stays, until the key follows', async () => {
    install({ cert: issued[2]!.cert, key: issued[1]!.key });
    await reload(/certificate could not be reloaded/);
    expect(await presented()).toEqual(everywhere(issued[1]!.fingerprint));
    expect(server.exitCode()).toBeNull();

    install({ cert: issued[2]!.cert, key: issued[2]!.key });
    await reload(/certificate reloaded/);
    expect(await presented()).toEqual(everywhere(issued[2]!.fingerprint));
    expect(await outgoing('later.example')).toBe(issued[2]!.fingerprint);
  });
});

/** Writes the pair the way renewal tools do: a new file renamed over the old one. */
function install(pair: { cert: string; key: string }): void {
  for (const [file, content] of [[certFile, pair.cert], [keyFile, pair.key]] as const) {
    writeFileSync(`${file}.new`, content, { mode: 0o600 });
    renameSync(`${file}.new`, file);
  }
}

async function reload(logLine: RegExp): Promise<void> {
  const from = server.output().length;
  server.signal('SIGHUP');
  await server.waitForLog(logLine, 10_000, from);
}

type Listener = 'c2s starttls' | 'c2s direct tls' | 'https' | 's2s starttls' | 's2s direct tls';

function everywhere(fingerprint: string): Record<Listener, string> {
  return { 'c2s starttls': fingerprint, 'c2s direct tls': fingerprint, https: fingerprint, 's2s starttls': fingerprint, 's2s direct tls': fingerprint };
}

/** The certificate each listener presents to a new connection. */
async function presented(): Promise<Record<Listener, string>> {
  const starttls = await RawXmppConnection.connect({ port: ports.c2s });
  await starttls.openStream();
  await starttls.startTls();
  const s2s = await RawS2s.connect(HOST, ports.s2s);
  await s2s.open('remote.example', 'localhost');
  const credentials = { cert: issued[0]!.cert, key: issued[0]!.key, ca: readFileSync(ca.caFile, 'utf8') };
  await s2s.startTls('localhost', credentials);
  const s2sTls = await RawS2s.connectTls(HOST, ports.s2s_tls, 'localhost', credentials);
  try {
    return {
      'c2s starttls': fingerprintOf((starttls.socket as TLSSocket).getPeerCertificate()),
      'c2s direct tls': await handshake(ports.c2s_tls, 'xmpp-client'),
      https: await handshake(ports.https, 'http/1.1'),
      's2s starttls': fingerprintOf((s2s.socket as TLSSocket).getPeerCertificate()),
      's2s direct tls': fingerprintOf((s2sTls.socket as TLSSocket).getPeerCertificate()),
    };
  } finally {
    starttls.destroy();
    s2s.socket.destroy();
    s2sTls.socket.destroy();
  }
}

function handshake(port: number, alpn: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: HOST, port, servername: 'localhost', ALPNProtocols: [alpn], rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      resolve(fingerprintOf(socket.getPeerCertificate()));
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** The certificate our server shows a peer it connects to, for a message to `domain`. */
async function outgoing(domain: string): Promise<string> {
  const alice = await login({ port: ports.c2s, username: 'alice', password: PASSWORD });
  try {
    alice.send(chat(`bob@${domain}`, 'hello'));
    return await eventually(() => peer.clientCertificates.get(domain), `our server's certificate at the peer for ${domain}`, 15_000);
  } finally {
    await alice.close();
  }
}

function fingerprintOf(certificate: PeerCertificate): string {
  return certificate.fingerprint256;
}

/**
 * Just enough of a remote server to see our outgoing certificate: it offers
 * STARTTLS, asks for a client certificate during the handshake, notes it
 * under the domain our stream header addressed, and hangs up.
 */
class FakePeer {
  readonly clientCertificates = new Map<string, string>();
  private constructor(private readonly server: Server) {}

  static listen(port: number, own: { cert: string; key: string }): Promise<FakePeer> {
    const server = createServer();
    const peer = new FakePeer(server);
    server.on('connection', (socket: Socket) => peer.#serve(socket, own));
    return new Promise((resolve, reject) => server.once('error', reject).listen(port, HOST, () => resolve(peer)));
  }

  #serve(socket: Socket, own: { cert: string; key: string }): void {
    let received = '';
    let domain = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (!domain && /<stream:stream[^>]*>/.test(received)) {
        domain = /<stream:stream[^>]*\sto=['"]([^'"]+)['"]/.exec(received)?.[1] ?? '?';
        socket.write(
          `<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='${domain}' id='fake' version='1.0'>` +
            `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`,
        );
      }
      if (domain && received.includes('<starttls')) {
        socket.off('data', onData);
        socket.write(`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
        const secure = new TLSSocket(socket, { isServer: true, cert: own.cert, key: own.key, requestCert: true, rejectUnauthorized: false });
        secure.once('secure', () => {
          this.clientCertificates.set(domain, fingerprintOf(secure.getPeerCertificate()));
          secure.destroy();
        });
        secure.on('error', () => secure.destroy());
      }
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
