import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { jid, type Element, type Jid, type StreamErrorCondition } from '@conexizan/protocol';
import { openStorage } from '@conexizan/storage';
import { configSchema } from '../config/schema.ts';
import type { ServerCore } from '../core/core.ts';
import { loadModules } from '../core/loader.ts';
import { createMetrics } from '../core/metrics.ts';
import type { AuthenticatedStream, LocalSession, SessionState } from '../core/sessions.ts';
import { MODULES } from '../modules/index.ts';
import { assembleCore } from '../server.ts';

/**
 * The whole server minus sockets, for module tests: real storage (SQLite in
 * a temp dir), the real router and every module, and sessions that record
 * what they receive. Real clients are tested in test/interop.
 */
export interface Harness {
  core: ServerCore;
  createUser(name: string, password?: string): Promise<void>;
  connect(name: string, resource?: string): Promise<TestSession>;
  stop(): Promise<void>;
}

export async function createHarness(overrides: Record<string, unknown> = {}): Promise<Harness> {
  // A test may pass data_dir to start again on what an earlier harness (or the command line) stored.
  const dataDir = typeof overrides.data_dir === 'string' ? overrides.data_dir : mkdtempSync(join(tmpdir(), 'cnx-harness-'));
  const config = configSchema.parse({ domain: 'localhost', log: { level: 'silent' }, ...overrides, data_dir: dataDir });
  const storage = await openStorage({ dataDir });
  const core = assembleCore({ config, domain: 'localhost', log: pino({ level: 'silent' }), metrics: createMetrics(), storage });
  // Modules that open listeners of their own (when a test turns them on) close them in stop().
  const modules = await loadModules(core, MODULES);
  await core.hooks.fireAll('server/started', {});
  const sessions: TestSession[] = [];
  return {
    core,
    async createUser(name, password = 'a good password') {
      await core.accounts.create(name, password);
    },
    async connect(name, resource = 'test') {
      const session = new TestSession(core, jid(name, 'localhost', resource));
      await core.sessions.add(session);
      await core.hooks.fireAll('session/bound', { session });
      sessions.push(session);
      return session;
    },
    async stop() {
      for (const session of sessions) await session.disconnect();
      await modules.stop();
      await storage.close();
    },
  };
}

export class TestSession implements LocalSession {
  readonly id = Math.random().toString(36).slice(2);
  readonly received: Element[] = [];
  available = false;
  priority = 0;
  presence: Element | null = null;
  interested = false;
  flags: ReadonlySet<string> = new Set();
  /** a test sets this to play a session whose socket is gone (stream management, push) */
  hibernating = false;
  stanzasReceived = 0;
  /** as a client on TCP; a test may play a browser ('ws', 'bosh') */
  transport = 'tcp';
  closedWith: StreamErrorCondition | null = null;
  #waiters: { match: (el: Element) => boolean; resolve: (el: Element) => void }[] = [];
  #connected = true;

  constructor(private readonly core: ServerCore, readonly jid: Jid) {}

  /** Like a real stream: through the outbound filters, then "to the socket" (recorded). */
  send(stanza: Element): void {
    this.core.outbound.run(stanza, this, (out) => this.writeElement(out));
  }

  /** What reached the "socket". */
  writeElement(stanza: Element): void {
    const waiter = this.#waiters.find((w) => w.match(stanza));
    if (waiter) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(stanza);
    } else this.received.push(stanza);
  }

  update(state: Partial<SessionState>): void {
    Object.assign(this, state);
    this.core.sessions.changed(this);
  }

  end(): Promise<void> {
    return this.disconnect();
  }

  resumeOn(_stream: AuthenticatedStream): void {
    throw new Error('test sessions have no connection to resume on; test resumption with a real client (test/interop)');
  }

  handOver(): void {
    throw new Error('test sessions do not move between nodes; test that with a cluster (test/cluster)');
  }

  closeWithError(condition: StreamErrorCondition): void {
    this.closedWith = condition;
    void this.disconnect();
  }

  /** What the client would send, with 'from' stamped as the stream does. */
  async sendStanza(stanza: Element): Promise<void> {
    stanza.attrs.from = this.jid.toString();
    await this.core.router.fromClient(this, stanza);
  }

  /** The first received stanza (already here or still to come) that matches. */
  next(match: (el: Element) => boolean, timeoutMs = 2000): Promise<Element> {
    const index = this.received.findIndex(match);
    if (index >= 0) return Promise.resolve(this.received.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (el: Element) => (clearTimeout(timer), resolve(el)) };
      const timer = setTimeout(() => {
        // A waiter that gave up must not swallow the next matching stanza.
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`${this.jid} received nothing matching in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Sends an iq and waits for its result or error. */
  async query(iq: Element): Promise<Element> {
    iq.attrs.id ??= Math.random().toString(36).slice(2);
    const id = iq.attrs.id as string;
    const reply = this.next((el) => el.name === 'iq' && el.attrs.id === id && (el.attrs.type === 'result' || el.attrs.type === 'error'));
    await this.sendStanza(iq);
    return reply;
  }

  async disconnect(): Promise<void> {
    if (!this.#connected) return;
    this.#connected = false;
    await this.core.sessions.remove(this);
    await this.core.hooks.fireAll('session/closed', { session: this });
  }
}
