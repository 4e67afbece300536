import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Terminal } from './terminal.ts';

/**
 * profanity 0.13 (Debian's terminal client, nobody here wrote it) in a
 * terminal of its own, with its own HOME (account, settings, local history,
 * debug log). It trusts the server's certificate as it is (`tls.policy=trust`).
 */
export class Profanity {
  private constructor(
    readonly jid: string,
    readonly home: string,
    readonly terminal: Terminal,
  ) {}

  /** Starts profanity for an existing account (not connected yet). */
  static async start(options: { home: string; user: string; password: string; port: number; domain?: string }): Promise<Profanity> {
    const jid = `${options.user}@${options.domain ?? 'localhost'}`;
    const data = join(options.home, '.local/share/profanity');
    await mkdir(data, { recursive: true });
    await mkdir(join(options.home, '.config/profanity'), { recursive: true });
    const account = [`[${jid}]`, 'enabled=true', `jid=${jid}`, 'server=127.0.0.1', `port=${options.port}`, `password=${options.password}`];
    await writeFile(join(data, 'accounts'), [...account, 'resource=profanity', `muc.nick=${options.user}`, 'tls.policy=trust', ''].join('\n'));
    // -l DEBUG: its log then holds every stanza it sent and received (libstrophe's SENT:/RECV: lines).
    const terminal = await Terminal.start('profanity', `env HOME=${options.home} TERM=xterm-256color LANG=C.UTF-8 profanity -l DEBUG`);
    const profanity = new Profanity(jid, options.home, terminal);
    await terminal.waitForScreen(/Type '\/help'/, 'profanity to start');
    return profanity;
  }

  /** `/connect`, and waits for this login's "logged in successfully". */
  async connect(): Promise<void> {
    const before = await this.terminal.occurrences(/logged in successfully/g);
    await this.terminal.type(`/connect ${this.jid}`);
    await this.terminal.waitForOccurrences(/logged in successfully/g, before + 1, 'profanity to log in');
  }

  async disconnect(): Promise<void> {
    const before = await this.terminal.occurrences(/logged out successfully/g);
    await this.terminal.type('/disconnect');
    await this.terminal.waitForOccurrences(/logged out successfully/g, before + 1, 'profanity to log out');
  }

  /** The stanzas profanity sent, from its debug log. */
  async sentStanzas(): Promise<string[]> {
    const log = await readFile(join(this.home, '.local/share/profanity/logs/profanity.log'), 'utf8');
    return [...log.matchAll(/ SENT: (.*)$/gm)].map((match) => match[1]!);
  }

  async quit(): Promise<void> {
    await this.terminal.close();
  }
}
