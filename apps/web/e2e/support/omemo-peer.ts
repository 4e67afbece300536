import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM_PYTHON, slixmppProblem, type Observation } from '../../../server/test/support/python.ts';
import { Inbox } from '../../../server/test/support/wait.ts';

/**
 * python-omemo 1.0 (oldmemo over slixmpp) as a user beside the browsers: the
 * server's interop peer, used by path (apps/server/test/interop/slixmpp/omemo_peer.py),
 * driven by JSON lines on stdin and observed by JSON lines on stdout.
 */
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../../server/test/interop/slixmpp/omemo_peer.py');

export interface OmemoPeer {
  ready: Observation;
  send(command: Record<string, unknown>): void;
  /** the next observation that matches (a failed command or a fatal error ends the wait with an error) */
  next(match: (o: Observation) => boolean, what: string, ms?: number): Promise<Observation>;
  quit(): Promise<void>;
}

export async function startOmemoPeer(options: { c2sPort: number; user: string; password: string; state: string }): Promise<OmemoPeer> {
  const problem = slixmppProblem();
  if (problem) throw new Error(problem);
  const args = ['-u', SCRIPT, '--port', String(options.c2sPort), '--user', options.user, '--password', options.password, '--state', options.state];
  const child = spawn(SYSTEM_PYTHON, args, { cwd: dirname(SCRIPT), stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const inbox = new Inbox<Observation>((o) => JSON.stringify(o).slice(0, 300));
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (data: string) => {
    pending += data;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim().startsWith('{')) inbox.push(JSON.parse(line) as Observation);
  });
  child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr = (stderr + data).slice(-5000)));
  child.on('close', () => inbox.close(`the python-omemo peer exited; stderr:\n${stderr}`));
  const next = async (match: (o: Observation) => boolean, what: string, ms = 60_000) => {
    const o = await inbox.waitFor((x) => match(x) || x.step === 'command_failed' || x.step === 'fatal', what, ms);
    if (!match(o)) throw new Error(`python-omemo: ${String(o.error)}\n${String(o.trace ?? '')}`);
    return o;
  };
  const ready = await next((o) => o.step === 'ready', 'python-omemo to log in and publish its device', 60_000);
  return {
    ready,
    next,
    send: (command) => child.stdin.write(`${JSON.stringify(command)}\n`),
    quit: async () => {
      if (child.exitCode !== null) return;
      const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
      child.stdin.write(`${JSON.stringify({ cmd: 'quit' })}\n`);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
}
