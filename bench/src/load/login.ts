import { LatencyRecorder, type LatencySummary } from '../metrics/latency.ts';
import { CpuWindow, type CpuUsage } from '../metrics/proc.ts';
import type { Account, Endpoint } from '../targets/target.ts';
import { XmppClient, type Transport } from './client.ts';

export interface LoginOptions {
  /** logins in flight at once; the rest queue in the generator */
  concurrency: number;
  transport: Transport;
  timeoutMs: number;
  serverPid: number;
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
}

/**
 * Logs every account in, `concurrency` at a time. Bounded concurrency keeps
 * the latency figure meaningful (time of one login, not time spent queued in
 * the generator) while still keeping the server saturated.
 */
export async function loginStorm(endpoint: Endpoint, accounts: Account[], options: LoginOptions): Promise<{ clients: XmppClient[]; result: LoginResult }> {
  const clients: XmppClient[] = [];
  const latency = new LatencyRecorder();
  const cpu = new CpuWindow(options.serverPid);
  const started = performance.now();
  let firstError: string | null = null;
  let failed = 0;
  let next = 0;

  const worker = async () => {
    while (next < accounts.length) {
      const client = new XmppClient(accounts[next++]!);
      const t0 = performance.now();
      try {
        await client.login(endpoint, options.transport, options.timeoutMs);
        latency.record(performance.now() - t0);
        clients.push(client);
      } catch (error) {
        failed++;
        firstError ??= `${client.account.username}: ${(error as Error).message}`;
        client.destroy();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, accounts.length) }, worker));

  const wallSeconds = (performance.now() - started) / 1000;
  const usage = cpu.end();
  return {
    clients,
    result: {
      attempted: accounts.length,
      succeeded: clients.length,
      failed,
      firstError,
      wallSeconds,
      loginsPerSecond: clients.length / wallSeconds,
      latencyMs: latency.summary(),
      cpu: usage,
      serverCpuMsPerLogin: clients.length > 0 ? (1000 * usage.serverCpuSeconds) / clients.length : 0,
    },
  };
}
