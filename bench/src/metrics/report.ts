import type { LoginResult } from '../load/login.ts';
import type { MessageResult } from '../load/messages.ts';
import type { ReconnectResult } from '../load/reconnect.ts';
import type { StopResult } from '../targets/target.ts';
import type { LatencySummary } from './latency.ts';
import type { ProfileSummary } from '../profile/summary.ts';
import type { HeapGrowth } from '../profile/heap.ts';
import type { AllocationSummary } from '../profile/allocations.ts';
import type { CpuUsage } from './proc.ts';

/**
 * Everything one run against one server measured. The JSON file holds these
 * as they are, so runs can be compared by script; the tables are views of them.
 */
export interface BenchReport {
  startedAt: string;
  machine: MachineInfo;
  target: {
    name: string;
    version: string;
    notes: string[];
    host: string;
    scramHash: string;
    scramIterations: number;
    transport: string;
    archive: boolean;
    rosterSize: number;
  };
  setup: { accounts: number; prepareSeconds: number; startupSeconds: number };
  /** logins one at a time on an otherwise idle server, before the baseline */
  warmup: { logins: number; latencyMs: LatencySummary } | null;
  baseline: { rssBytes: number; heapUsedBytes: number | null };
  login: LoginResult | null;
  hold: {
    sessions: number;
    seconds: number;
    rssBytes: number;
    peakRssBytes: number;
    heapUsedBytes: number | null;
    memoryPerSessionBytes: number;
    heapPerSessionBytes: number | null;
    cpu: CpuUsage;
    /** the same reading once the sessions have been idle for longer (--settle) */
    settled?: { seconds: number; rssBytes: number; memoryPerSessionBytes: number };
  } | null;
  /** one entry per message rate step, in the order run */
  messages: (MessageResult & { serverCounters: Record<string, number> })[];
  /** every connection cut at once, every client logging in again (after the messages) */
  reconnect?: Omit<ReconnectResult, 'online'> & { serverCounters: Record<string, number> };
  /** growth of the target's own counters (extraStats) during the login storm */
  serverCounters: { login?: Record<string, number> };
  /** after every client closed its stream: how long the server stayed busy, and its CPU meanwhile */
  logout?: { seconds: number; serverCpuSeconds: number };
  shutdown: StopResult | null;
  /** things a reader must know to trust (or not) the figures */
  warnings: string[];
  /** no failed login, no lost message, clean shutdown */
  ok: boolean;
  error?: string;
  /** CPU profiles of the server over the login storm and the message phase, summarised by area, and the allocations meanwhile */
  profiles?: { phase: string; file: string; summary: ProfileSummary; allocations?: AllocationSummary }[];
  /** heap snapshots before the logins and with the sessions idle, and what grew per session */
  heap?: { files: string[]; growth: HeapGrowth };
  /** the server could not be measured at all (e.g. not installable) */
  notMeasured?: string;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  kernel: string;
  /** 1-minute load average when the run started: other work on the machine */
  loadAverage: number;
}

/** Readers should know when the generator, not the server, limited a phase. */
export function cpuWarnings(phase: string, cpu: CpuUsage, cores: number): string[] {
  const out: string[] = [];
  if (cpu.generatorCorePercent >= 85) {
    out.push(`${phase}: the load generator used ${cpu.generatorCorePercent.toFixed(0)}% of a core; it may be the bottleneck (figures are a lower bound)`);
  }
  if (cpu.otherCorePercent >= 20) {
    out.push(`${phase}: other processes on the machine used ${cpu.otherCorePercent.toFixed(0)}% of a core meanwhile; the figures are disturbed`);
  }
  if (cpu.machineBusyPercent >= 90 && cores <= 2) {
    out.push(`${phase}: the machine was ${cpu.machineBusyPercent.toFixed(0)}% busy; server and generator competed for ${cores} cores`);
  }
  return out;
}

/** The highest rate step delivered with no loss and p99 under the goal; 0 if none. */
export function sustainedRate(r: BenchReport, p99GoalMs: number): number {
  let best = 0;
  for (const m of r.messages) {
    if (m.lost === 0 && m.disconnected === 0 && m.latencyMs.count > 0 && m.latencyMs.p99 < p99GoalMs) best = Math.max(best, m.targetRate);
  }
  return best;
}

export function runOk(r: BenchReport): boolean {
  const s = r.shutdown;
  return !r.error && r.login !== null && r.login.failed === 0 && (!r.reconnect || r.reconnect.back === r.reconnect.dropped) && r.messages.every((m) => m.lost === 0 && m.duplicates === 0 && m.misrouted === 0) && s !== null && !s.exitedEarly && (s.exitCode === 0 || s.signal === 'SIGTERM');
}
