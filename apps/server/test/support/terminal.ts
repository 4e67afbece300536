import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sleep } from './wait.ts';

/**
 * A terminal program (profanity, poezio) in a tmux server of its own,
 * typed into and read like a person would: keys go in with send-keys, the
 * screen (with its scrollback) comes out with capture-pane. Each terminal
 * has its own tmux socket, so closing it ends exactly the tmux server this
 * test started.
 */
const run = promisify(execFile);

export class Terminal {
  private constructor(private readonly socket: string) {}

  /** Starts `command` (a shell command line) in a 200×50 terminal. */
  static async start(name: string, command: string): Promise<Terminal> {
    const socket = `cnx-${name}-${process.pid}`;
    await run('tmux', ['-L', socket, 'new-session', '-d', '-s', name, '-x', '200', '-y', '50', command]);
    return new Terminal(socket);
  }

  /** What the terminal shows now, with its scrollback, wrapped lines joined. */
  async screen(): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.socket, 'capture-pane', '-p', '-J', '-S', '-1000']);
    return stdout;
  }

  /** The bottom line, where both clients echo what is typed. */
  async inputLine(): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.socket, 'capture-pane', '-p']);
    return stdout.trimEnd().split('\n').pop() ?? '';
  }

  /**
   * Types a line and presses Enter, the way a person would: each part is
   * typed only once the terminal shows the part before (poezio switches to
   * its command line on "/" and drops what arrives meanwhile, and takes an
   * Enter that comes with the text as part of it).
   */
  async type(line: string): Promise<void> {
    const parts = line.startsWith('/') ? ['/', line.slice(1)] : [line];
    let typed = '';
    for (const part of parts) {
      await this.#keys('-l', part);
      typed += part;
      await this.#until(async () => (await this.inputLine()).includes(typed), `the terminal to echo "${typed}"`, 10_000);
    }
    await this.#keys('Enter');
  }

  /** Waits until the screen matches (a pattern, or a test of the whole screen); returns the screen. */
  async waitForScreen(match: RegExp | ((screen: string) => boolean), what: string, ms = 30_000): Promise<string> {
    const matches = typeof match === 'function' ? match : (screen: string) => match.test(screen);
    let text = '';
    await this.#until(async () => matches((text = await this.screen())), what, ms);
    return text;
  }

  /** How often `pattern` (global) shows on the screen now: to wait for the next one. */
  async occurrences(pattern: RegExp): Promise<number> {
    return count(await this.screen(), pattern);
  }

  async waitForOccurrences(pattern: RegExp, atLeast: number, what: string, ms = 30_000): Promise<string> {
    return this.waitForScreen((screen) => count(screen, pattern) >= atLeast, what, ms);
  }

  /** Waits until the program has ended by itself (its tmux server ends with it). */
  async waitForExit(ms: number): Promise<void> {
    const alive = () => run('tmux', ['-L', this.socket, 'has-session']).then(() => true, () => false);
    await this.#until(async () => !(await alive()), 'the program to end', ms);
  }

  /** Ends the tmux server and the program in it. */
  async close(): Promise<void> {
    await run('tmux', ['-L', this.socket, 'kill-server']).catch(() => {});
  }

  async #keys(...args: string[]): Promise<void> {
    await run('tmux', ['-L', this.socket, 'send-keys', ...args]);
  }

  async #until(check: () => Promise<boolean>, what: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; the terminal shows:\n${(await this.screen()).trimEnd().slice(-4000)}`);
      await sleep(200);
    }
  }
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}
