/**
 * One benchmark run against one server: provision, start, warm up, then the
 * phases (login storm, idle hold, steady messages at one or more rates), and
 * stop. Everything measured goes into the BenchReport.
 */
import { readFileSync } from 'node:fs';
import type { ScramHash } from '@conexizan/crypto';
import type { Transport } from './load/client.ts';
import { loginStorm } from './load/login.ts';
import { reconnectStorm } from './load/reconnect.ts';
import { reconnectGiveUpSeconds } from './options.ts';
import { steadyMessages } from './load/messages.ts';
import { ClientPool } from './load/pool.ts';
import { rosterContacts } from './load/rosters.ts';
import { CpuWindow, serverHandle } from './metrics/proc.ts';
import { summariseAllocations, type SamplingHeapProfile } from './profile/allocations.ts';
import { heapGrowth, heapKinds } from './profile/heap.ts';
import { summariseProfile, type CpuProfile } from './profile/summary.ts';
import { cpuWarnings, type BenchReport } from './metrics/report.ts';
import { sleep } from './targets/server-process.ts';
import type { Account, Target } from './targets/target.ts';

export interface RunOptions {
  sessions: number;
  loginConcurrency: number;
  warmup: number;
  transport: Transport;
  scramHash: ScramHash;
  rosterSize: number;
  holdSeconds: number;
  /** a second reading of memory this long after the logins (0: none) */
  settleSeconds: number;
  /** message rates to run one after the other; stops after the first that misses the latency goal */
  rates: number[];
  durationSeconds: number;
  drainSeconds: number;
  seed: number;
  workers: number;
  localAddresses: string[];
  /** p99 delivery latency a rate step must stay under (the goal), in ms */
  p99GoalMs: number;
  /** profile the server during the message phase (targets that can) */
  profile: boolean;
  /** heap snapshots before the logins and with the sessions idle (targets that can) */
  heapSnapshots: boolean;
  /** the reconnect storm after the messages: with TLS resumption offered, without, or none */
  reconnect: 'resume' | 'full' | 'off';
  /** reconnecting logins in flight at once; 0: all */
  reconnectConcurrency: number;
}

export const progress = (text: string) => process.stderr.write(`[bench] ${text}\n`);

/** Live resources of the run in progress, for the cleanup on ctrl-c or the time limit. */
export interface Running {
  pool: ClientPool | null;
}

export async function runAgainst(target: Target, options: RunOptions, report: BenchReport, running: Running): Promise<void> {
  const accounts: Account[] = Array.from({ length: options.sessions }, (_, i) => ({
    username: `bench${String(i + 1).padStart(6, '0')}`,
    password: 'bench-password-not-secret',
  }));
  const label = `${target.name}${report.target.archive ? '' : ' (no archive)'}`;

  let t0 = performance.now();
  progress(`${label}: creating ${accounts.length} accounts with rosters of ${report.target.rosterSize}…`);
  await target.prepare(accounts, (i) => rosterContacts(i, accounts.length, options.rosterSize));
  report.setup.prepareSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  progress(`${label}: starting the server…`);
  await target.start();
  report.setup.startupSeconds = (performance.now() - t0) / 1000;
  const server = serverHandle(target);

  const pool = new ClientPool(options.workers, {
    endpoint: target.endpoint,
    endpoints: target.endpoints ?? [target.endpoint],
    settings: { transport: options.transport, scramHash: options.scramHash, timeoutMs: 60_000 },
    usernames: accounts.map((a) => a.username),
  });
  running.pool = pool;
  const indexed = accounts.map((account, index) => ({ index, account }));

  // Warm-up: a few logins load lazily loaded code and warm the JIT, so the baseline is a
  // server that has served. One at a time: their latency is that of a login on an idle server.
  if (options.warmup > 0) {
    progress(`${label}: warm-up, ${options.warmup} logins one at a time…`);
    const warm = await loginStorm(pool, indexed.slice(0, options.warmup), { concurrency: 1, server, localAddresses: options.localAddresses });
    if (warm.result.failed > 0) throw new Error(`warm-up login failed: ${warm.result.firstError}`);
    // A few messages too: they load the message path (and start ejabberd's SQL pool,
    // which otherwise drops the archiving of the first messages).
    if (options.durationSeconds > 0 && warm.online.length >= 2) {
      const perWorker = Array.from({ length: pool.size }, (_, w) => warm.online.filter((i) => i % pool.size === w).length);
      const m = await steadyMessages(pool, warm.online, perWorker, { rate: 20, durationSeconds: 2, drainSeconds: 10, seed: options.seed, server });
      if (m.lost > 0) report.warnings.push(`warm-up: ${m.lost} of ${m.sent} messages were not delivered`);
    }
    await pool.all({ type: 'close' });
    report.warmup = { logins: warm.result.succeeded, latencyMs: warm.result.latencyMs };
  }
  await sleep(2000); // let the server finish closing those sessions
  const beforeLogins = await target.extraStats();
  report.baseline = { rssBytes: server.memory().rss, heapUsedBytes: beforeLogins.heapUsedBytes ?? null };
  const snapshots = options.heapSnapshots && target.heapSnapshot !== undefined;
  const snapshotName = (when: string) => `${target.name}-archive-${report.target.archive ? 'on' : 'off'}-${when}`;
  const heapBefore = snapshots ? await target.heapSnapshot!(snapshotName('before-logins')) : null;

  progress(`${label}: phase 1, login storm over ${options.transport}, ${accounts.length} users, ${options.loginConcurrency} at a time…`);
  const profiling = options.profile && target.startProfile !== undefined;
  if (profiling) await target.startProfile!();
  const storm = await loginStorm(pool, indexed, { concurrency: options.loginConcurrency, server, localAddresses: options.localAddresses });
  if (profiling) await saveProfile(target, report, 'login storm', 'logins', storm.result.succeeded, 'login');
  report.login = storm.result;
  report.serverCounters.login = delta(beforeLogins, await target.extraStats());
  report.warnings.push(...cpuWarnings('login storm', storm.result.cpu, report.machine.cpus));
  if (storm.result.failed > 0) report.warnings.push(`login storm: ${storm.result.failed} logins failed, first: ${storm.result.firstError}`);
  const expectedRoster = report.target.rosterSize;
  if (storm.result.succeeded > 0 && (storm.result.rosterItems.min !== expectedRoster || storm.result.rosterItems.max !== expectedRoster)) {
    report.warnings.push(`login storm: rosters had ${storm.result.rosterItems.min}–${storm.result.rosterItems.max} items, ${expectedRoster} were provisioned`);
  }
  const online = storm.online;

  progress(`${label}: phase 2, holding ${online.length} idle sessions for ${options.holdSeconds} s…`);
  const holdCpu = new CpuWindow(server);
  await sleep(options.holdSeconds * 1000);
  const memory = server.memory();
  const heap = (await target.extraStats()).heapUsedBytes ?? null;
  const n = Math.max(1, online.length);
  report.hold = {
    sessions: online.length,
    seconds: options.holdSeconds,
    rssBytes: memory.rss,
    peakRssBytes: memory.peakRss,
    heapUsedBytes: heap,
    memoryPerSessionBytes: (memory.rss - report.baseline.rssBytes) / n,
    heapPerSessionBytes: heap !== null && report.baseline.heapUsedBytes !== null ? (heap - report.baseline.heapUsedBytes) / n : null,
    cpu: holdCpu.end(),
  };
  if (options.settleSeconds > options.holdSeconds) {
    // Garbage from the storm is still in the first reading of a garbage-collected server
    // (V8's memory reducer runs after the allocations have stopped for a while); read again later.
    await sleep((options.settleSeconds - options.holdSeconds) * 1000);
    const settled = server.memory().rss;
    report.hold.settled = { seconds: options.settleSeconds, rssBytes: settled, memoryPerSessionBytes: (settled - report.baseline.rssBytes) / n };
  }
  if (heapBefore) {
    const heapIdle = await target.heapSnapshot!(snapshotName('idle'));
    const growth = heapGrowth(heapKinds(readFileSync(heapBefore, 'utf8')), heapKinds(readFileSync(heapIdle, 'utf8')), n);
    report.heap = { files: [heapBefore, heapIdle], growth };
    report.warnings.push('heap snapshots were taken: the RSS figures include the memory the snapshots themselves took');
  }

  if (options.durationSeconds > 0 && online.length >= 2) {
    // How many of the online users each worker holds (accounts went round robin by index).
    const perWorker = Array.from({ length: pool.size }, (_, w) => online.filter((i) => i % pool.size === w).length);
    if (profiling) await target.startProfile!();
    for (const rate of options.rates) {
      progress(`${label}: phase 3, ${rate} messages/s for ${options.durationSeconds} s between random pairs…`);
      const before = await target.extraStats();
      const messages = await steadyMessages(pool, online, perWorker, { rate, durationSeconds: options.durationSeconds, drainSeconds: options.drainSeconds, seed: options.seed, server });
      const counters = delta(before, await target.extraStats());
      report.messages.push({ ...messages, serverCounters: counters });
      const step = `messages at ${rate}/s`;
      report.warnings.push(...cpuWarnings(step, messages.cpu, report.machine.cpus));
      if (messages.sentPerSecond < rate * 0.95) report.warnings.push(`${step}: the generator sent ${messages.sentPerSecond.toFixed(0)}/s`);
      if (messages.lost > 0) report.warnings.push(`${step}: ${messages.lost} messages were not delivered within ${options.drainSeconds} s of the last send`);
      if (messages.disconnected > 0) report.warnings.push(`${step}: ${messages.disconnected} sessions dropped`);
      if (messages.lost > 0 || messages.latencyMs.p99 >= options.p99GoalMs || messages.disconnected > 0) {
        if (rate !== options.rates.at(-1)) progress(`${label}: p99 ${messages.latencyMs.p99.toFixed(0)} ms, lost ${messages.lost}: no higher rate`);
        break;
      }
      await sleep(1000);
    }
    if (profiling) await saveProfile(target, report, 'message phase', 'messages', report.messages.reduce((n, m) => n + m.sent, 0), 'message');
  }

  if (options.reconnect !== 'off' && online.length > 0) {
    await sleep(2000);
    progress(`${label}: phase 4, cutting all ${online.length} connections at once; every client logs in again${options.reconnect === 'resume' ? ', offering its TLS session' : ''}…`);
    const before = await target.extraStats();
    const giveUpSeconds = reconnectGiveUpSeconds(online.length);
    const { online: _back, ...result } = await reconnectStorm(pool, { concurrency: options.reconnectConcurrency, resume: options.reconnect === 'resume', giveUpSeconds, localAddresses: options.localAddresses, server });
    report.reconnect = { ...result, serverCounters: delta(before, await target.extraStats()) };
    report.warnings.push(...cpuWarnings('reconnect storm', result.cpu, report.machine.cpus));
    if (result.back < result.dropped) report.warnings.push(`reconnect storm: ${result.dropped - result.back} of ${result.dropped} clients were not back within ${giveUpSeconds} s`);
    if (result.refusedFirstTry > 0) report.warnings.push(`reconnect storm: ${result.refusedFirstTry} first attempts failed: ${JSON.stringify(result.errors)}`);
  }
}

async function saveProfile(target: Target, report: BenchReport, phase: string, name: string, units: number, unit: string): Promise<void> {
  const files = await target.stopProfile!(`${target.name}-archive-${report.target.archive ? 'on' : 'off'}-${name}`);
  (report.profiles ??= []).push({
    phase,
    file: files.cpu,
    summary: summariseProfile(JSON.parse(readFileSync(files.cpu, 'utf8')) as CpuProfile),
    allocations: summariseAllocations(JSON.parse(readFileSync(files.allocations, 'utf8')) as SamplingHeapProfile, units, unit),
  });
  progress(`${target.name}: CPU profile and allocations of the ${phase} written to ${files.cpu} and ${files.allocations}`);
}

/** How much each counter the target reports grew during a phase. */
function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  // A counter first seen during the phase (prom-client shows a label only once used) started at 0.
  for (const [key, value] of Object.entries(after)) out[key] = value - (before[key] ?? 0);
  return out;
}
