import { LatencyRecorder, type LatencySummary } from '../metrics/latency.ts';
import { CpuWindow, type CpuUsage, type ServerHandle } from '../metrics/proc.ts';
import type { Account } from '../targets/target.ts';
import type { ClientPool } from './pool.ts';
import type { LoginShareResult } from './protocol.ts';

export interface LoginOptions {
  /** logins in flight at once, all workers together; the rest queue in the generator */
  concurrency: number;
  server: ServerHandle;
  /** source addresses for the clients, round robin (empty: the system's choice) */
  localAddresses: string[];
}

export interface LoginResult {
  attempted: number;
  succeeded: number;
  failed: number;
  firstError: string | null;
  wallSeconds: number;
  loginsPerSecond: number;
  /** from TCP connect to the echo of initial presence, per client */
  latencyMs: LatencySummary;
  cpu: CpuUsage;
  serverCpuMsPerLogin: number;
  /** server RSS when the phase ended */
  serverRssBytes: number;
  /** roster items each user got at login (min / max), to show rosters were provisioned */
  rosterItems: { min: number; max: number };
  /** the iteration counts the server's SCRAM challenges carried */
  scramIterations: number[];
}

/**
 * Logs `accounts` in (indices into the run's account list), spread round
 * robin over the workers, `concurrency` at a time in all. Bounded concurrency
 * keeps the latency figure meaningful while the server stays saturated.
 * Returns the global indices now online.
 */
export async function loginStorm(pool: ClientPool, accounts: { index: number; account: Account }[], options: LoginOptions): Promise<{ online: number[]; result: LoginResult }> {
  const cpu = new CpuWindow(options.server);
  const started = performance.now();
  const lanes = Math.max(1, Math.ceil(options.concurrency / pool.size));
  const shares = await pool.all<LoginShareResult>((w) => ({
    type: 'login',
    accounts: accounts.filter((_, i) => i % pool.size === w),
    concurrency: lanes,
    localAddresses: options.localAddresses,
  }));
  const wallSeconds = (performance.now() - started) / 1000;
  const usage = cpu.end();

  const latency = new LatencyRecorder();
  const online: number[] = [];
  const rosterSizes: number[] = [];
  const iterations = new Set<number>();
  let failed = 0;
  let firstError: string | null = null;
  for (const share of shares) {
    latency.recordAll(share.latencies);
    online.push(...share.online);
    rosterSizes.push(...share.rosterSizes);
    for (const i of share.scramIterations) iterations.add(i);
    failed += share.failed;
    firstError ??= share.firstError;
  }
  return {
    online,
    result: {
      attempted: accounts.length,
      succeeded: online.length,
      failed,
      firstError,
      wallSeconds,
      loginsPerSecond: online.length / wallSeconds,
      latencyMs: latency.summary(),
      cpu: usage,
      serverCpuMsPerLogin: online.length > 0 ? (1000 * usage.serverCpuSeconds) / online.length : 0,
      serverRssBytes: options.server.memory().rss,
      rosterItems: { min: rosterSizes.reduce((a, b) => Math.min(a, b), rosterSizes[0] ?? 0), max: rosterSizes.reduce((a, b) => Math.max(a, b), 0) },
      scramIterations: [...iterations].sort((a, b) => a - b),
    },
  };
}
