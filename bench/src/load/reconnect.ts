import { LatencyRecorder, nowMs, type LatencySummary } from '../metrics/latency.ts';
import { CpuWindow, type CpuUsage, type ServerHandle } from '../metrics/proc.ts';
import type { ClientPool } from './pool.ts';
import type { ReconnectShareResult } from './protocol.ts';

export interface ReconnectOptions {
  /** logins in flight at once, all workers together; 0: every client at once */
  concurrency: number;
  /** offer each client's earlier TLS session (resumption) */
  resume: boolean;
  /** stop retrying this long after the drop */
  giveUpSeconds: number;
  localAddresses: string[];
  server: ServerHandle;
}

export interface ReconnectResult {
  resume: boolean;
  concurrency: number;
  dropped: number;
  back: number;
  /** from the drop until the last client was logged in again (or the give-up time) */
  secondsUntilAllBack: number;
  /** clients whose first attempt failed */
  refusedFirstTry: number;
  attempts: number;
  errors: Record<string, number>;
  /** from the drop to each client's login, retries included */
  latencyMs: LatencySummary;
  /** clients back whose TLS handshake resumed their earlier session */
  tlsResumed: number;
  cpu: CpuUsage;
  /** the server's CPU over the whole storm (the old sessions ending, the new logins) per client back */
  serverCpuMsPerLogin: number;
  /** global indices online afterwards */
  online: number[];
}

/** A network outage ends: every online client's connection is cut at once, and all log in again. */
export async function reconnectStorm(pool: ClientPool, options: ReconnectOptions): Promise<ReconnectResult> {
  const startAt = nowMs() + 200;
  const cpu = new CpuWindow(options.server);
  const shares = await pool.all<ReconnectShareResult>({
    type: 'reconnect',
    startAt,
    concurrency: options.concurrency > 0 ? Math.max(1, Math.ceil(options.concurrency / pool.size)) : 0,
    resume: options.resume,
    localAddresses: options.localAddresses,
    giveUpAt: startAt + options.giveUpSeconds * 1000,
  });
  const usage = cpu.end();
  const latency = new LatencyRecorder();
  const errors: Record<string, number> = {};
  const online: number[] = [];
  let dropped = 0;
  let refusedFirstTry = 0;
  let attempts = 0;
  let resumed = 0;
  for (const share of shares) {
    latency.recordAll(share.latencies);
    online.push(...share.back);
    dropped += share.dropped;
    refusedFirstTry += share.refusedFirstTry;
    attempts += share.attempts;
    resumed += share.resumed;
    for (const [reason, count] of Object.entries(share.errors)) errors[reason] = (errors[reason] ?? 0) + count;
  }
  const summary = latency.summary();
  return {
    resume: options.resume,
    concurrency: options.concurrency,
    dropped,
    back: online.length,
    secondsUntilAllBack: online.length === dropped ? summary.max / 1000 : options.giveUpSeconds,
    refusedFirstTry,
    attempts,
    errors,
    latencyMs: summary,
    tlsResumed: resumed,
    cpu: usage,
    serverCpuMsPerLogin: online.length > 0 ? (1000 * usage.serverCpuSeconds) / online.length : 0,
    online,
  };
}
