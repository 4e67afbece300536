/**
 * Conexizan load benchmark: starts the server as a child process on free
 * loopback ports, then runs the phases in order: login storm, idle hold
 * (memory per session), steady 1:1 messages; stops the server whatever happens.
 *
 *   pnpm --filter @conexizan/bench bench -- --sessions 200 --duration 20 --rate 500 --json out.json
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Transport, XmppClient } from './load/client.ts';
import { loginStorm } from './load/login.ts';
import { steadyMessages } from './load/messages.ts';
import { readMemory } from './metrics/proc.ts';
import { cpuWarnings, formatReport, type BenchReport } from './metrics/report.ts';
import { ConexizanTarget } from './targets/conexizan.ts';
import { sleep } from './targets/server-process.ts';
import type { Account, Target } from './targets/target.ts';

const USAGE = `usage: pnpm --filter @conexizan/bench bench -- [options]

  --sessions N           concurrent users logged in (default 200)
  --login-concurrency N  logins in flight at once during the storm (default 50)
  --warmup N             logins done one at a time and closed before the baseline (default 10);
                         their latency is reported as the unloaded login latency
  --transport T          direct-tls (XEP-0368, default) or starttls
  --hold S               seconds to hold the idle sessions before measuring memory (default 5)
  --rate R               1:1 messages per second, all users together (default 500)
  --duration S           seconds of steady messaging (default 20; 0 skips the phase)
  --drain S              longest wait for in-flight messages afterwards (default 10)
  --scram-iterations N   PBKDF2 iterations of the accounts (default 4096, the server's default)
  --seed N               seed for the random sender/recipient pairs (default 1)
  --timeout S            hard limit for the whole run (default: derived from the other options)
  --json FILE            also write every figure as JSON to FILE
  --keep-data            keep the server's temporary data dir and log
  --profile DIR          the server writes a V8 CPU profile of the whole run into DIR
                         (open it in Chrome DevTools or speedscope)
`;

function parseOptions() {
  // pnpm passes a literal "--" through to the script; it is not an option terminator here.
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const { values } = parseArgs({
    args,
    options: {
      sessions: { type: 'string', default: '200' },
      'login-concurrency': { type: 'string', default: '50' },
      warmup: { type: 'string', default: '10' },
      transport: { type: 'string', default: 'direct-tls' },
      hold: { type: 'string', default: '5' },
      rate: { type: 'string', default: '500' },
      duration: { type: 'string', default: '20' },
      drain: { type: 'string', default: '10' },
      'scram-iterations': { type: 'string', default: '4096' },
      seed: { type: 'string', default: '1' },
      timeout: { type: 'string' },
      json: { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const num = (name: keyof typeof values, min: number, max: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  if (values.transport !== 'direct-tls' && values.transport !== 'starttls') throw new Error('--transport must be direct-tls or starttls');
  // Upper bounds keep a typo from turning into an unbounded run.
  const options = {
    transport: values.transport as Transport,
    sessions: num('sessions', 2, 20_000),
    loginConcurrency: num('login-concurrency', 1, 5_000),
    warmup: num('warmup', 0, 1_000),
    holdSeconds: num('hold', 0, 600),
    rate: num('rate', 1, 100_000),
    durationSeconds: num('duration', 0, 3_600),
    drainSeconds: num('drain', 0, 600),
    scramIterations: num('scram-iterations', 4096, 1_000_000),
    seed: num('seed', 0, 2 ** 32 - 1),
    // pnpm runs scripts in bench/; a relative path means relative to where the command was typed.
    json: values.json ? resolve(process.env.INIT_CWD ?? process.cwd(), values.json) : undefined,
    keepData: values['keep-data'],
    profileDir: values.profile ? resolve(process.env.INIT_CWD ?? process.cwd(), values.profile) : undefined,
    timeoutSeconds: 0,
  };
  options.warmup = Math.min(options.warmup, options.sessions);
  options.timeoutSeconds = values.timeout
    ? num('timeout', 10, 86_400)
    : Math.ceil(180 + options.sessions * 0.2 + options.holdSeconds + options.durationSeconds * 1.5 + options.drainSeconds);
  return options;
}

type Options = ReturnType<typeof parseOptions>;

const progress = (text: string) => process.stderr.write(`[bench] ${text}\n`);

async function run(options: Options, target: Target, report: BenchReport, clients: XmppClient[]): Promise<void> {
  const accounts: Account[] = Array.from({ length: options.sessions }, (_, i) => ({
    username: `bench${String(i + 1).padStart(5, '0')}`,
    password: 'bench-password-not-secret',
  }));

  let t0 = performance.now();
  progress(`creating ${accounts.length} accounts…`);
  await target.prepare(accounts);
  report.setup.prepareSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  progress('starting the server…');
  await target.start();
  report.setup.startupSeconds = (performance.now() - t0) / 1000;
  const pid = target.pid;
  const endpoint = target.endpoint;

  const { transport } = options;
  // Warm-up: a few logins load the lazily imported code and JIT the hot paths, so the
  // baseline is a server that has served, and the per-session figure excludes one-off costs.
  // One at a time, so their latency is that of a login on an idle server.
  if (options.warmup > 0) {
    progress(`warm-up: ${options.warmup} logins, one at a time…`);
    const warm = await loginStorm(endpoint, accounts.slice(0, options.warmup), { concurrency: 1, transport, timeoutMs: 30_000, serverPid: pid });
    if (warm.result.failed > 0) throw new Error(`warm-up login failed: ${warm.result.firstError}`);
    await Promise.all(warm.clients.map((c) => c.close()));
    report.warmup = { logins: warm.result.succeeded, latencyMs: warm.result.latencyMs };
  }
  await sleep(1000); // let the server finish closing those sessions
  const beforeLogins = await target.extraStats();
  report.baseline = { rssBytes: readMemory(pid).rss, heapUsedBytes: beforeLogins.heapUsedBytes ?? null };

  progress(`phase 1: login storm over ${transport}, ${accounts.length} users, ${options.loginConcurrency} at a time…`);
  const storm = await loginStorm(endpoint, accounts, { concurrency: options.loginConcurrency, transport, timeoutMs: 30_000, serverPid: pid });
  clients.push(...storm.clients);
  report.login = storm.result;
  report.serverCounters.login = delta(beforeLogins, await target.extraStats());
  report.warnings.push(...cpuWarnings('login storm', storm.result.cpu, report.machine.cpus));
  if (storm.result.failed > 0) report.warnings.push(`login storm: ${storm.result.failed} logins failed, first: ${storm.result.firstError}`);

  progress(`phase 2: holding ${clients.length} idle sessions for ${options.holdSeconds} s…`);
  await sleep(options.holdSeconds * 1000);
  const memory = readMemory(pid);
  const heap = (await target.extraStats()).heapUsedBytes ?? null;
  const n = Math.max(1, clients.length);
  report.hold = {
    sessions: clients.length,
    seconds: options.holdSeconds,
    rssBytes: memory.rss,
    peakRssBytes: memory.peakRss,
    heapUsedBytes: heap,
    memoryPerSessionBytes: (memory.rss - report.baseline.rssBytes) / n,
    heapPerSessionBytes: heap !== null && report.baseline.heapUsedBytes !== null ? (heap - report.baseline.heapUsedBytes) / n : null,
  };

  if (options.durationSeconds > 0 && clients.length >= 2) {
    progress(`phase 3: ${options.rate} messages/s for ${options.durationSeconds} s between random pairs…`);
    const beforeMessages = await target.extraStats();
    const messages = await steadyMessages(clients, {
      rate: options.rate,
      durationSeconds: options.durationSeconds,
      drainSeconds: options.drainSeconds,
      seed: options.seed,
      serverPid: pid,
    });
    report.messages = messages;
    report.serverCounters.messages = delta(beforeMessages, await target.extraStats());
    report.warnings.push(...cpuWarnings('messages', messages.cpu, report.machine.cpus));
    if (messages.sentPerSecond < options.rate * 0.95) report.warnings.push(`messages: the generator sent ${messages.sentPerSecond.toFixed(0)}/s, short of the ${options.rate}/s asked for`);
    if (messages.lost > 0) report.warnings.push(`messages: ${messages.lost} messages were not delivered within ${options.drainSeconds} s of the last send`);
  }
}

/** How much each counter the target reports grew during a phase. */
function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  // A counter first seen during the phase (prom-client shows a label only once used) started at 0.
  for (const [key, value] of Object.entries(after)) out[key] = value - (before[key] ?? 0);
  return out;
}

async function main(): Promise<number> {
  const options = parseOptions();
  const target: Target = new ConexizanTarget({ scramIterations: options.scramIterations, profileDir: options.profileDir });
  const clients: XmppClient[] = [];
  const cpu = cpus();
  const report: BenchReport = {
    benchmark: 'conexizan-bench',
    schemaVersion: 1,
    startedAt: new Date().toISOString(),
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model.trim() ?? 'unknown', memoryBytes: totalmem(), node: process.versions.node, platform: `${process.platform} ${process.arch}` },
    target: { name: target.name, scramIterations: options.scramIterations, transport: options.transport },
    options: { ...options },
    setup: { accounts: options.sessions, prepareSeconds: 0, startupSeconds: 0 },
    warmup: null,
    baseline: { rssBytes: 0, heapUsedBytes: null },
    login: null,
    hold: null,
    messages: null,
    serverCounters: {},
    shutdown: null,
    warnings: [],
    ok: false,
  };

  // The server must not outlive the benchmark: stop it on ctrl-c, on SIGTERM,
  // on the overall deadline, and (synchronously) when this process exits anyway.
  let finishing: Promise<void> | null = null;
  const finish = () =>
    (finishing ??= (async () => {
      progress('closing sessions and stopping the server…');
      await Promise.all(clients.map((c) => c.close(2000)));
      // A failed run keeps the server's files (log, database) for whoever investigates.
      const keep = options.keepData || report.error !== undefined || target.unexpectedExit() !== null;
      report.shutdown = await target.stop(keep);
      if (keep) progress(`server files kept in ${target.filesDir}`);
    })());
  const abort = (why: string) => {
    progress(`${why}: stopping`);
    void finish().finally(() => process.exit(130));
    setTimeout(() => process.exit(130), 15_000).unref();
  };
  process.once('SIGINT', () => abort('interrupted'));
  process.once('SIGTERM', () => abort('terminated'));
  process.once('exit', () => target.killNow());
  const deadline = setTimeout(() => abort(`time limit of ${options.timeoutSeconds} s reached`), options.timeoutSeconds * 1000);
  deadline.unref();

  try {
    await run(options, target, report, clients);
  } catch (error) {
    const died = target.unexpectedExit();
    // A vanished server makes /proc reads fail; say that rather than ENOENT.
    report.error = died ? `the server stopped on its own during the run (${died}); cause: ${(error as Error).message}` : ((error as Error).stack ?? String(error));
    const tail = target.logTail();
    if (tail) process.stderr.write(`--- end of the server log ---\n${tail}\n---\n`);
  } finally {
    await finish();
    clearTimeout(deadline);
  }

  const s = report.shutdown;
  if (s?.exitedEarly) report.warnings.push(`the server exited on its own before the end (exit code ${s.exitCode}, signal ${s.signal})`);
  else if (s && s.exitCode !== 0) report.warnings.push(`the server did not exit cleanly on SIGTERM (exit code ${s.exitCode}, signal ${s.signal})`);
  report.ok = !report.error && report.login?.failed === 0 && (report.messages?.lost ?? 0) === 0 && s?.exitCode === 0 && !s.exitedEarly;
  process.stdout.write(`${formatReport(report)}\n`);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    progress(`JSON written to ${options.json}`);
  }
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
