import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion } from './peers.ts';
import { accountFile, datamanagerEncode, prosodyConfig, rosterFile, scramSha1Keys, type ProsodyPorts } from './prosody-config.ts';
import { freeLoopbackPorts, serverFilesBase, ServerProcess } from './server-process.ts';
import type { Account, Endpoint, RosterOf, StopResult, Target, TargetSettings } from './target.ts';

const DOMAIN = 'localhost';

/**
 * Debian's Prosody 0.12, in the foreground as root on its own loopback
 * address, with a config, data dir, pidfile and log under a temporary folder.
 */
export class ProsodyTarget implements Target {
  readonly name = 'prosody';
  readonly version = packageVersion('prosody');
  readonly notes: string[];
  readonly #settings: TargetSettings;
  readonly #dir = mkdtempSync(join(serverFilesBase(), 'prosody-bench-'));
  readonly #process = new ServerProcess(join(this.#dir, 'stdout.log'));
  #ports: ProsodyPorts | null = null;
  readonly #archiveStore: 'sqlite' | 'internal';

  constructor(settings: TargetSettings) {
    this.#settings = settings;
    this.#archiveStore = packageVersion('lua-dbi-sqlite3') !== 'not installed' ? 'sqlite' : 'internal';
    this.notes = [
      `internal (file) storage${settings.archive ? (this.#archiveStore === 'sqlite' ? ', the archive in SQLite (mod_storage_sql)' : ', the archive too (lua-dbi-sqlite3 missing)') : ''}; epoll network backend`,
      `modules: a typical chat server's${settings.archive ? ', mod_mam (default_archive_policy = true)' : ', no mod_mam'}`,
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
    const [c2s, c2sDirectTls, http, https] = await freeLoopbackPorts(4, this.#settings.host);
    this.#ports = { c2s: c2s!, c2sDirectTls: c2sDirectTls!, http: http!, https: https! };
    const s = this.#settings;
    writeFileSync(join(this.#dir, 'prosody.cfg.lua'), prosodyConfig({ dir: this.#dir, host: s.host, domain: DOMAIN, ports: this.#ports, certFile: s.certFile, keyFile: s.keyFile, scramIterations: s.scramIterations, archive: s.archive, archiveStore: this.#archiveStore }));
    const host = join(this.#dir, 'data', datamanagerEncode(DOMAIN));
    mkdirSync(join(host, 'accounts'), { recursive: true });
    mkdirSync(join(host, 'roster'), { recursive: true });
    const salt = 'conexizan-bench-salt';
    const keys = new Map<string, { storedKey: string; serverKey: string }>();
    accounts.forEach((account, i) => {
      let k = keys.get(account.password);
      if (!k) keys.set(account.password, (k = scramSha1Keys(account.password, salt, s.scramIterations)));
      const file = `${datamanagerEncode(account.username)}.dat`;
      writeFileSync(join(host, 'accounts', file), accountFile(k, salt, s.scramIterations));
      const contacts = rosterOf(i);
      if (contacts.length > 0) writeFileSync(join(host, 'roster', file), rosterFile(contacts.map((c) => `${accounts[c]!.username}@${DOMAIN}`)));
    });
  }

  async start(): Promise<void> {
    const p = this.#requirePorts();
    this.#process.spawn('prosody', ['--config', join(this.#dir, 'prosody.cfg.lua'), '-F'], { cwd: this.#dir, env: process.env, openFiles: this.#settings.openFiles });
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
    const result = await this.#process.stop();
    if (!keepFiles) rmSync(this.#dir, { recursive: true, force: true });
    return result;
  }

  killNow(): void {
    this.#process.killNow();
  }

  logTail(): string {
    return [this.#process.logTail(), new ServerProcess(join(this.#dir, 'prosody.log')).logTail()].filter(Boolean).join('\n');
  }

  #requirePorts(): ProsodyPorts {
    if (!this.#ports) throw new Error('prepare() first');
    return this.#ports;
  }
}
