import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EJABBERD_SCRAM_ITERATIONS, ejabberdConfig, type EjabberdPorts } from './ejabberd-config.ts';
import { packageVersion } from './peers.ts';
import { freeLoopbackPorts, serverFilesBase, ServerProcess } from './server-process.ts';
import type { Account, Endpoint, RosterOf, StopResult, Target, TargetSettings } from './target.ts';

const DOMAIN = 'localhost';

/**
 * Debian's ejabberd 23.01, started as a plain Erlang VM in the foreground
 * (`erl -noinput -s ejabberd`, what `ejabberdctl foreground` runs, minus the
 * su to the ejabberd user and the distributed node name, so no epmd is left
 * behind) with its config, Mnesia spool and log under a temporary folder.
 * Accounts and rosters go in through its HTTP API, as an operator's script would.
 */
export class EjabberdTarget implements Target {
  readonly name = 'ejabberd';
  readonly version = packageVersion('ejabberd');
  readonly notes: string[];
  readonly #settings: TargetSettings;
  readonly #dir = mkdtempSync(join(serverFilesBase(), 'ejabberd-bench-'));
  readonly #process = new ServerProcess(join(this.#dir, 'stdout.log'));
  #ports: EjabberdPorts | null = null;
  readonly #archiveSqlite: boolean;

  constructor(settings: TargetSettings) {
    if (settings.scramIterations !== EJABBERD_SCRAM_ITERATIONS) {
      throw new Error(`ejabberd 23.01 always uses ${EJABBERD_SCRAM_ITERATIONS} SCRAM iterations; run the comparison with --scram-iterations ${EJABBERD_SCRAM_ITERATIONS}`);
    }
    this.#settings = settings;
    this.#archiveSqlite = packageVersion('erlang-p1-sqlite3') !== 'not installed';
    this.notes = [
      `Mnesia storage (the default)${settings.archive ? (this.#archiveSqlite ? ', the archive in SQLite' : ', the archive too (erlang-p1-sqlite3 missing)') : ''}; Erlang VM with its default schedulers (one per core)`,
      `modules: a typical chat server's${settings.archive ? ', mod_mam (default: always)' : ', no mod_mam'}`,
    ];
  }

  get endpoint(): Endpoint {
    const p = this.#requirePorts();
    const host = this.#settings.host;
    return { host, domain: DOMAIN, directTlsPort: p.c2sDirectTls, starttlsPort: p.c2s, websocketUrl: `wss://${host}:${p.https}/xmpp-websocket` };
  }

  get pid(): number {
    return this.#process.pid;
  }

  get filesDir(): string {
    return this.#dir;
  }

  async prepare(accounts: Account[], rosterOf: RosterOf): Promise<void> {
    const [c2s, c2sDirectTls, https, api] = await freeLoopbackPorts(4, this.#settings.host);
    this.#ports = { c2s: c2s!, c2sDirectTls: c2sDirectTls!, https: https!, api: api! };
    const pemFile = join(this.#dir, 'cert.pem');
    writeFileSync(pemFile, readFileSync(this.#settings.certFile, 'utf8') + readFileSync(this.#settings.keyFile, 'utf8'));
    writeFileSync(join(this.#dir, 'ejabberd.yml'), ejabberdConfig({ host: this.#settings.host, domain: DOMAIN, ports: this.#ports, pemFile, archive: this.#settings.archive, archiveSqlite: this.#archiveSqlite ? join(this.#dir, 'ejabberd.db') : null }));
    mkdirSync(join(this.#dir, 'spool'));
    // The API needs the server running: start it here, provision, and keep it up for start().
    await this.#launch();
    await this.#inParallel(accounts.length, (i) => this.#api('register', { user: accounts[i]!.username, host: DOMAIN, password: accounts[i]!.password }));
    const items: [number, number][] = [];
    accounts.forEach((_, i) => rosterOf(i).forEach((c) => items.push([i, c])));
    await this.#inParallel(items.length, (k) => {
      const [i, c] = items[k]!;
      return this.#api('add_rosteritem', { localuser: accounts[i]!.username, localhost: DOMAIN, user: accounts[c]!.username, host: DOMAIN, nick: '', group: '', subs: 'both' });
    });
  }

  async start(): Promise<void> {
    // Already running since prepare(); check that the client ports are up.
    const p = this.#requirePorts();
    await this.#process.waitForPort(this.#settings.host, p.c2sDirectTls, 60_000);
    await this.#process.waitForPort(this.#settings.host, p.https, 10_000);
  }

  async extraStats(): Promise<Record<string, number>> {
    return {};
  }

  unexpectedExit(): string | null {
    return this.#process.unexpectedExit;
  }

  async stop(keepFiles: boolean): Promise<StopResult> {
    // The Erlang VM treats SIGTERM as init:stop(): a clean shutdown.
    const result = await this.#process.stop();
    if (!keepFiles) rmSync(this.#dir, { recursive: true, force: true });
    return result;
  }

  killNow(): void {
    this.#process.killNow();
  }

  logTail(): string {
    return [this.#process.logTail(), new ServerProcess(join(this.#dir, 'ejabberd.log')).logTail()].filter(Boolean).join('\n');
  }

  async #launch(): Promise<void> {
    const env = {
      ...process.env,
      HOME: this.#dir, // the Erlang cookie, if any, goes here rather than into /root
      EJABBERD_CONFIG_PATH: join(this.#dir, 'ejabberd.yml'),
      EJABBERD_LOG_PATH: join(this.#dir, 'ejabberd.log'),
      ERL_LIBS: '/usr/lib/x86_64-linux-gnu',
      ERL_MAX_PORTS: String(this.#settings.openFiles),
      ERL_CRASH_DUMP: join(this.#dir, 'erl_crash.dump'),
    };
    // erl execs erlexec, which execs beam.smp: the pid stays the VM's, so /proc measures it alone.
    this.#process.spawn('erl', ['-noinput', '-noshell', '-mnesia', 'dir', JSON.stringify(join(this.#dir, 'spool')), '-s', 'ejabberd'], { cwd: this.#dir, env, openFiles: this.#settings.openFiles });
    await this.#process.waitForPort(this.#settings.host, this.#ports!.api, 90_000);
    const comm = readFileSync(`/proc/${this.#process.pid}/comm`, 'utf8').trim();
    if (!comm.startsWith('beam')) throw new Error(`expected the Erlang VM at pid ${this.#process.pid}, found ${comm}`);
  }

  async #api(command: string, body: Record<string, string>): Promise<void> {
    const response = await fetch(`http://${this.#settings.host}:${this.#ports!.api}/api/${command}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new Error(`ejabberd API ${command} failed: ${response.status} ${(await response.text()).slice(0, 200)}`);
  }

  async #inParallel(count: number, task: (i: number) => Promise<void>, lanes = 8): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < count) await task(next++);
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  #requirePorts(): EjabberdPorts {
    if (!this.#ports) throw new Error('prepare() first');
    return this.#ports;
  }
}
