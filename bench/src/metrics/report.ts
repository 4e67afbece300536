import type { LoginResult } from '../load/login.ts';
import type { MessageResult } from '../load/messages.ts';
import type { StopResult } from '../targets/target.ts';
import type { LatencySummary } from './latency.ts';
import type { CpuUsage } from './proc.ts';

/**
 * Everything one run measured. The JSON file is this object as is, so later
 * runs (other targets, more sessions) can be compared by script; the table is
 * a view of it for people.
 */
export interface BenchReport {
  benchmark: 'conexizan-bench';
  schemaVersion: 1;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryBytes: number; node: string; platform: string };
  target: { name: string; scramIterations: number; transport: string };
  options: Record<string, unknown>;
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
  } | null;
  messages: MessageResult | null;
  /** growth of the target's own counters (extraStats) during a phase, e.g. storage calls per operation */
  serverCounters: { login?: Record<string, number>; messages?: Record<string, number> };
  shutdown: StopResult | null;
  /** things a reader must know to trust (or not) the figures */
  warnings: string[];
  /** no failed login, no lost message, clean shutdown */
  ok: boolean;
  error?: string;
}

/** Readers should know when the generator, not the server, limited a phase. */
export function cpuWarnings(phase: string, cpu: CpuUsage, cores: number): string[] {
  const out: string[] = [];
  if (cpu.generatorCorePercent >= 85) {
    out.push(`${phase}: the load generator used ${cpu.generatorCorePercent.toFixed(0)}% of a core; it may be the bottleneck (figures are a lower bound)`);
  }
  if (cpu.otherCorePercent >= 20) {
    out.push(`${phase}: other processes on the machine used ${cpu.otherCorePercent.toFixed(0)}% of a core meanwhile; the figures are disturbed, run again on a quiet machine`);
  }
  if (cpu.machineBusyPercent >= 90 && cores <= 2) {
    out.push(`${phase}: the machine was ${cpu.machineBusyPercent.toFixed(0)}% busy; server and generator competed for ${cores} cores`);
  }
  return out;
}

const f1 = (n: number) => n.toFixed(1);
const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
/** Work per unit → units per second if the server had one core entirely to itself. */
const ceiling = (perThousandOrMs: number) => (perThousandOrMs > 0 ? f0(1000 / perThousandOrMs) : 'n/a');
const cpuLine = (c: CpuUsage) => `${f0(c.serverCorePercent)}% / ${f0(c.generatorCorePercent)}% / ${f0(c.otherCorePercent)}%`;

export function formatReport(r: BenchReport): string {
  const rows: [string, string, string][] = [];
  const add = (phase: string, figure: string, value: string) => rows.push([phase, figure, value]);

  add('setup', 'accounts created (SCRAM iterations)', `${r.setup.accounts} (${r.target.scramIterations}) in ${f1(r.setup.prepareSeconds)} s`);
  add('', 'server start until listening', `${f1(r.setup.startupSeconds)} s`);
  if (r.warmup) {
    const w = r.warmup.latencyMs;
    add('', `unloaded login latency p50 / max (ms, ${r.warmup.logins} warm-up logins)`, `${ms(w.p50)} / ${ms(w.max)}`);
  }
  if (r.login) {
    const l = r.login;
    add('1 login storm', `sessions logged in / failed (${r.target.transport})`, `${l.succeeded} / ${l.failed}`);
    add('', 'logins per second', f1(l.loginsPerSecond));
    add('', `login latency p50 / p95 / p99 (ms, ${String(r.options.loginConcurrency)} in flight)`, `${ms(l.latencyMs.p50)} / ${ms(l.latencyMs.p95)} / ${ms(l.latencyMs.p99)}`);
    add('', 'server CPU per login (ceiling at 1 busy core)', `${ms(l.serverCpuMsPerLogin)} ms (${ceiling(l.serverCpuMsPerLogin)}/s)`);
    const calls = r.serverCounters.login?.storageCalls;
    if (calls !== undefined && l.succeeded > 0) add('', 'server storage calls per login', f1(calls / l.succeeded));
    add('', 'CPU server / generator / other', cpuLine(l.cpu));
  }
  add('2 idle hold', 'server RSS before connecting', mib(r.baseline.rssBytes) + (r.baseline.heapUsedBytes ? ` (heap ${mib(r.baseline.heapUsedBytes)})` : ''));
  if (r.hold) {
    const h = r.hold;
    add('', `server RSS with ${h.sessions} sessions`, mib(h.rssBytes) + (h.heapUsedBytes ? ` (heap ${mib(h.heapUsedBytes)})` : ''));
    // The heap delta per session is only in the JSON: without a forced GC in the server it is noise at small N.
    add('', 'memory per session (RSS delta / N)', kib(h.memoryPerSessionBytes));
  }
  if (r.messages) {
    const m = r.messages;
    add('3 messages', 'target rate / achieved send rate', `${f0(m.targetRate)} / ${f1(m.sentPerSecond)} msg/s`);
    add('', 'delivered per second', f1(m.deliveredPerSecond));
    add('', 'latency p50 / p95 / p99 / max (ms)', `${ms(m.latencyMs.p50)} / ${ms(m.latencyMs.p95)} / ${ms(m.latencyMs.p99)} / ${ms(m.latencyMs.max)}`);
    add('', 'sent / received / lost', `${m.sent} / ${m.received} / ${m.lost}`);
    add('', 'bounced / duplicates / misrouted', `${m.bounced} / ${m.duplicates} / ${m.misrouted}`);
    add('', 'server CPU per 1000 messages (ceiling at 1 busy core)', `${m.serverCpuSecondsPer1000.toFixed(3)} s (${ceiling(m.serverCpuSecondsPer1000)} msg/s)`);
    const calls = r.serverCounters.messages?.storageCalls;
    if (calls !== undefined && m.sent > 0) add('', 'server storage calls per message', f1(calls / m.sent));
    add('', 'CPU server / generator / other', cpuLine(m.cpu));
  }
  if (r.shutdown?.exitedEarly) add('4 shutdown', 'server exited on its own before SIGTERM', `exit code ${r.shutdown.exitCode}, signal ${r.shutdown.signal}`);
  else if (r.shutdown) add('4 shutdown', 'SIGTERM to exit (exit code)', `${r.shutdown.stopMs} ms (${r.shutdown.exitCode ?? r.shutdown.signal})`);

  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length), ['phase', 'figure', 'value'][i]!.length));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [
    `Conexizan benchmark, ${r.startedAt}`,
    `${r.machine.cpus} cores (${r.machine.cpuModel}), ${mib(r.machine.memoryBytes)}, Node ${r.machine.node}, ${r.machine.platform}`,
    '',
    line(['phase', 'figure', 'value']),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'CPU rows: % of one core used by the server process, by the load generator, and by everything else on the machine.',
  ];
  for (const w of r.warnings) out.push(`warning: ${w}`);
  if (r.error) out.push(`error: ${r.error}`);
  out.push(r.ok ? 'result: ok' : 'result: FAILED (see above)');
  return out.join('\n');
}
