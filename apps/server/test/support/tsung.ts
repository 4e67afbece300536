import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';
import { runCommand } from './run-command.ts';

/**
 * Runs tsung 1.7 (Debian; an Erlang load generator nobody here wrote) on a
 * scenario and returns what it reports: the totals of its statistics
 * (tsung.log) and its traffic dump (tsung.dump, with `dumptraffic="true"`).
 *
 * Erlang wants a name server (epmd) and tsung a web dashboard: this run
 * gets its own epmd on a free port, bound to 127.0.0.1, stopped afterwards,
 * and no dashboard; Erlang's distribution listens on 127.0.0.1 only. Its
 * HOME (cookie, ~/.tsung) is a temporary directory.
 */
const exec = promisify(execFile);

export interface TsungRun {
  exitCode: number | null;
  timedOut: boolean;
  /** what tsung printed */
  output: string;
  /** each statistic's total over the run (counters, and counts of samples) */
  totals: Map<string, number>;
  /** the traffic dump: Send:/Recv: lines with the session's Erlang pid */
  dump: string;
}

export async function runTsung(scenario: string, timeoutMs: number): Promise<TsungRun> {
  const home = await mkdtemp(join(tmpdir(), 'conexizan-tsung-'));
  const epmdPort = await freePort();
  const env = {
    ...process.env,
    HOME: home,
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_AFLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  try {
    await writeFile(join(home, 'scenario.xml'), scenario);
    const logs = join(home, 'log');
    const { exitCode, timedOut, stdout, stderr } = await runCommand('tsung', ['-n', '-f', join(home, 'scenario.xml'), '-l', logs, 'start'], { env, timeoutMs, ownGroup: true });
    const output = stdout + stderr;
    const [dir] = await readdir(logs).catch(() => [] as string[]);
    if (!dir) throw new Error(`tsung wrote no logs (exit ${exitCode}${timedOut ? ', timed out' : ''}):\n${output}`);
    const [log, dump] = await Promise.all([readFile(join(logs, dir, 'tsung.log'), 'utf8'), readFile(join(logs, dir, 'tsung.dump'), 'utf8').catch(() => '')]);
    return { exitCode, timedOut, output, totals: totalsOf(log), dump };
  } finally {
    await exec('epmd', ['-port', String(epmdPort), '-kill'], { env }).catch(() => {});
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * tsung.log holds a block of "stats: NAME …" lines every few seconds. A
 * counter's line is "NAME this-block total"; a sample's is "NAME count mean
 * stddev max min mean-before count-before", so its total is count +
 * count-before. The last block has every statistic seen in the run.
 */
function totalsOf(log: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [, name, numbers] of log.matchAll(/^stats: (\S+) (.*)$/gm)) {
    const values = numbers!.trim().split(/\s+/).map(Number);
    if (values.length === 2) totals.set(name!, values[1]!);
    else if (values.length === 7) totals.set(name!, values[0]! + values[6]!);
  }
  return totals;
}
