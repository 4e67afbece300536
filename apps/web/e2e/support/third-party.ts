import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM_PYTHON, slixmppProblem, type Observation } from '../../../server/test/support/python.ts';
import { Inbox } from '../../../server/test/support/wait.ts';

/**
 * A slixmpp user running beside the browser (slixmpp/third_party.py). Unlike
 * the server's runSlixmpp, which collects a finished story, this one is
 * interactive: the test waits for each observation as it happens while it
 * drives the browser, and ends the script by closing its standard input.
 */
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../slixmpp/third_party.py');

export interface ThirdParty {
  readonly jid: string;
  /** waits for the next observation of `step` whose fields match */
  next(step: string, fields?: Record<string, unknown>, ms?: number): Promise<Observation>;
  /** one JSON command line on the script's standard input (for the scripts that take commands, such as spammer.py) */
  send(command: Record<string, unknown>): void;
  /** ends the script (it leaves cleanly) and returns everything it printed */
  finish(): Promise<{ observations: Observation[]; stderr: string }>;
}

/** `script` and `args` run another script of slixmpp/ (for example room_party.py) with the same observation protocol. */
export function startThirdParty(options: { c2sPort: number; user: string; password: string; peers?: string[]; script?: string; args?: string[] }): ThirdParty {
  const problem = slixmppProblem();
  if (problem) throw new Error(problem);
  const script = options.script ? join(dirname(SCRIPT), options.script) : SCRIPT;
  const args = ['-u', script, '--port', String(options.c2sPort), '--user', options.user, '--password', options.password, ...(options.peers ?? []).flatMap((peer) => ['--peer', peer]), ...(options.args ?? [])];
  const child = spawn(SYSTEM_PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const inbox = new Inbox<Observation>((o) => JSON.stringify(o).slice(0, 500));
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (data: string) => {
    pending += data;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim().startsWith('{')) continue;
      try {
        inbox.push(JSON.parse(line) as Observation);
      } catch {
        // not one of ours
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr = (stderr + data).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('close', () => {
    inbox.close(`slixmpp exited; stderr tail:\n${stderr.slice(-3000)}`);
    resolve();
  }));

  return {
    jid: `${options.user}@localhost`,
    next: (step, fields = {}, ms = 60_000) =>
      inbox.waitFor((o) => o.step === step && Object.entries(fields).every(([key, value]) => o[key] === value), `slixmpp "${step}" ${JSON.stringify(fields)}`, ms),
    send(command) {
      child.stdin.write(`${JSON.stringify(command)}\n`);
    },
    async finish() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      return { observations: inbox.received, stderr };
    },
  };
}
