import { spawnSync } from 'node:child_process';
import { runCommand, type CommandRun } from './run-command.ts';

/**
 * Runs the Python side of an interop test (Debian's python3 with
 * python3-slixmpp, see scripts/install-test-deps.sh) and collects the one
 * JSON object per line it prints. The process is killed after `timeoutMs`.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface Observation {
  step: string;
  [key: string]: unknown;
}

export interface PythonRun extends CommandRun {
  observations: Observation[];
}

/** Calls `onObject` with each JSON object a long-lived Python process prints, one a line, as they come. */
export function onJsonLines(stream: NodeJS.ReadableStream, onObject: (object: Record<string, unknown>) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (data: string) => {
    buffered += data;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line.startsWith('{')) onObject(JSON.parse(line) as Record<string, unknown>);
    }
  });
}

/** null if slixmpp can be imported by the system python, else why not. */
export function slixmppProblem(): string | null {
  const result = spawnSync(SYSTEM_PYTHON, ['-c', 'import slixmpp, sys; sys.stdout.write(slixmpp.__version__)'], { encoding: 'utf8', timeout: 20_000 });
  if (result.error) return `${SYSTEM_PYTHON} cannot run: ${result.error.message}`;
  if (result.status !== 0) return `python3-slixmpp is not installed (run scripts/install-test-deps.sh as root): ${result.stderr.trim().split('\n').pop()}`;
  return null;
}

/** Runs a slixmpp script, after making sure slixmpp is there (a clear failure if it is not). */
export async function runSlixmpp(script: string, args: string[], timeoutMs: number): Promise<PythonRun> {
  const problem = slixmppProblem();
  if (problem) throw new Error(problem);
  return runPython(script, args, timeoutMs);
}

export async function runPython(script: string, args: string[], timeoutMs: number): Promise<PythonRun> {
  const run = await runCommand(SYSTEM_PYTHON, ['-u', script, ...args], { timeoutMs, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const observations: Observation[] = [];
  for (const line of run.stdout.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    try {
      observations.push(JSON.parse(text) as Observation);
    } catch {
      // a half-written line from a killed process
    }
  }
  return { observations, ...run };
}

/** The observations of one step (optionally filtered by fields), for readable assertions. */
export function observed(run: PythonRun, step: string, fields: Record<string, unknown> = {}): Observation[] {
  return run.observations.filter((o) => o.step === step && Object.entries(fields).every(([key, value]) => o[key] === value));
}

/** Exactly one matching observation, or an error that shows everything the script printed. */
export function theOne(run: PythonRun, step: string, fields: Record<string, unknown> = {}): Observation {
  const found = observed(run, step, fields);
  if (found.length !== 1) {
    throw new Error(
      `expected one "${step}" observation matching ${JSON.stringify(fields)}, found ${found.length}.\n` +
        `script output:\n${run.stdout}\nstderr (tail):\n${run.stderr.slice(-3000)}${run.timedOut ? '\n(the script was killed after its timeout)' : ''}`,
    );
  }
  return found[0]!;
}
