import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * profanity 0.13 (Debian, the terminal client nobody here wrote; OMEMO
 * through libsignal-protocol-c, OpenPGP for XMPP through GPGME) in a tmux
 * session of its own, typed into and read like a person would (its screen,
 * with the scrollback), with its own HOME (accounts, keys).
 */
const run = promisify(execFile);

/**
 * Each harness runs its own tmux server, its socket in profanity's HOME:
 * other tmux sessions on the machine are not ours to see or end, quitting
 * ends only this server, and removing the HOME removes the socket.
 */
function tmux(socket: string, args: string[]) {
  return run('tmux', ['-S', socket, ...args]);
}

export class Profanity {
  private constructor(
    readonly jid: string,
    readonly home: string,
    private readonly session: string,
    private readonly socket: string,
  ) {}

  /** Starts profanity for an existing account and logs in (TLS with the test server's own certificate trusted). */
  static async start(options: { home: string; user: string; password: string; port: number }): Promise<Profanity> {
    const jid = `${options.user}@localhost`;
    const data = join(options.home, '.local/share/profanity');
    await mkdir(data, { recursive: true });
    await mkdir(join(options.home, '.config/profanity'), { recursive: true });
    await writeFile(
      join(data, 'accounts'),
      [`[${jid}]`, 'enabled=true', `jid=${jid}`, 'server=127.0.0.1', `port=${options.port}`, `password=${options.password}`, 'resource=profanity', 'tls.policy=trust', ''].join('\n'),
    );
    const session = `cnx-${options.user}-${process.pid}`;
    const command = `env HOME=${options.home} TERM=xterm-256color LANG=C.UTF-8 profanity -l DEBUG`;
    const socket = join(options.home, 'tmux.sock');
    await tmux(socket, ['new-session', '-d', '-s', session, '-x', '220', '-y', '50', command]);
    const p = new Profanity(jid, options.home, session, socket);
    await p.waitForScreen(/Type '\/help'/, 'profanity to start');
    await p.type(`/connect ${jid}`);
    await p.waitForScreen(/logged in successfully/, 'profanity to log in');
    return p;
  }

  /** Types one line (a command or a message) into the current window. */
  async type(line: string): Promise<void> {
    await tmux(this.socket, ['send-keys', '-t', this.session, '-l', line]);
    await tmux(this.socket, ['send-keys', '-t', this.session, 'Enter']);
  }

  /** What the terminal shows now (the visible window and its scrollback). */
  async screen(): Promise<string> {
    const { stdout } = await tmux(this.socket, ['capture-pane', '-p', '-J', '-t', this.session, '-S', '-500']);
    return stdout;
  }

  async waitForScreen(pattern: RegExp, what: string, ms = 60_000): Promise<string> {
    return this.#poll(async () => {
      const text = await this.screen();
      return pattern.test(text) ? text : null;
    }, what, ms, () => this.screen());
  }

  /**
   * `/omemo start` in the open window until its title says [OMEMO]: right
   * after entering a group profanity may not yet know that the group is
   * members-only and non-anonymous, and refuses until it does.
   */
  async startOmemo(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      await this.type('/omemo start');
      try {
        await this.waitForScreen(/\[OMEMO\]/, 'profanity to switch OMEMO on', 3000);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  /**
   * Waits until profanity shows `text` as an OMEMO-encrypted message (its
   * "~" mark, which it only puts on messages it decrypted).
   */
  async waitForEncrypted(text: string, what: string, ms = 60_000): Promise<void> {
    const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await this.waitForScreen(new RegExp(`~ [^:\\n]+: ${escaped}`), what, ms);
  }

  async #poll<T>(check: () => Promise<T | null>, what: string, ms: number, describe: () => Promise<string>): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = await check();
      if (found !== null) return found;
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; profanity shows:\n${(await describe()).slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** /quit, and once profanity has ended (or after 5 s) this harness's tmux server. */
  async quit(): Promise<void> {
    await this.type('/quit').catch(() => {});
    await this.#poll(
      async () => ((await tmux(this.socket, ['has-session', '-t', this.session]).then(() => true, () => false)) ? null : true),
      'profanity to quit',
      5000,
      async () => '',
    ).catch(() => {});
    await tmux(this.socket, ['kill-server']).catch(() => {});
  }
}
