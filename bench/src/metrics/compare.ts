import type { CpuUsage } from './proc.ts';
import { sustainedRate, type BenchReport } from './report.ts';

/**
 * The side-by-side view: one column per server (same archive setting), and
 * for each numeric row the ratio Conexizan ÷ that server. Markdown, so that a
 * run's output can go into BENCHMARKS.md as it is.
 */
type Cell = { text: string; value: number | null };
interface Row {
  label: string;
  cell: (r: BenchReport) => Cell;
}

const num = (value: number | null | undefined, digits = 1): Cell =>
  value === null || value === undefined || !Number.isFinite(value) ? { text: '–', value: null } : { text: value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }), value };
const text = (t: string): Cell => ({ text: t, value: null });
const MiB = 1048576;
const cpuText = (c: CpuUsage | undefined, pick: (c: CpuUsage) => number) => (c ? `${Math.round(pick(c))}` : '–');

export function comparisonRows(runs: BenchReport[], p99GoalMs: number): Row[] {
  const rates = [...new Set(runs.flatMap((r) => r.messages.map((m) => m.targetRate)))].sort((a, b) => a - b);
  const step = (r: BenchReport, rate: number) => r.messages.find((m) => m.targetRate === rate);
  const lastStep = (r: BenchReport) => r.messages.at(-1);
  const rows: Row[] = [
    { label: 'version', cell: (r) => text(r.target.version) },
    { label: 'sessions held (of attempted)', cell: (r) => (r.login ? { text: `${r.login.succeeded} (${r.login.attempted})`, value: r.login.succeeded } : text('–')) },
    { label: 'logins per second', cell: (r) => num(r.login?.loginsPerSecond) },
    { label: 'login latency p50 in the storm (ms)', cell: (r) => num(r.login?.latencyMs.p50) },
    { label: 'login latency p99 in the storm (ms)', cell: (r) => num(r.login?.latencyMs.p99) },
    { label: 'unloaded login latency p50 (ms)', cell: (r) => num(r.warmup?.latencyMs.p50) },
    { label: 'server CPU per login (ms)', cell: (r) => num(r.login?.serverCpuMsPerLogin, 2) },
    {
      label: 'storage calls per login (own /metrics)',
      cell: (r) => {
        const calls = r.serverCounters.login?.storageCalls;
        return calls !== undefined && r.login?.succeeded ? num(calls / r.login.succeeded) : text('–');
      },
    },
    { label: 'server RSS before logins (MiB)', cell: (r) => num(r.baseline.rssBytes ? r.baseline.rssBytes / MiB : null) },
    { label: 'server RSS with the sessions idle (MiB)', cell: (r) => num(r.hold ? r.hold.rssBytes / MiB : null) },
    { label: '**memory per idle session (KiB)**', cell: (r) => num(r.hold ? r.hold.memoryPerSessionBytes / 1024 : null) },
  ];
  for (const rate of rates) {
    rows.push(
      { label: `${rate} msg/s: delivered per second`, cell: (r) => num(step(r, rate)?.deliveredPerSecond) },
      {
        label: `${rate} msg/s: latency p50 / p95 / p99 / max (ms)`,
        cell: (r) => {
          const m = step(r, rate);
          if (!m) return text('not run');
          const l = m.latencyMs;
          const f = (n: number) => (n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'));
          return { text: `${f(l.p50)} / ${f(l.p95)} / ${f(l.p99)} / ${f(l.max)}`, value: l.p99 };
        },
      },
      { label: `${rate} msg/s: sent / lost`, cell: (r) => (step(r, rate) ? { text: `${step(r, rate)!.sent} / ${step(r, rate)!.lost}`, value: null } : text('–')) },
      { label: `${rate} msg/s: server CPU per 1000 messages (s)`, cell: (r) => num(step(r, rate)?.serverCpuSecondsPer1000, 3) },
      {
        label: `${rate} msg/s: storage calls per message (own /metrics)`,
        cell: (r) => {
          const m = step(r, rate);
          const calls = m?.serverCounters.storageCalls;
          return m && calls !== undefined && m.sent > 0 ? num(calls / m.sent) : text('–');
        },
      },
    );
  }
  rows.push(
    { label: `**sustained 1:1 msg/s with p99 < ${p99GoalMs} ms, none lost**`, cell: (r) => (r.messages.length ? num(sustainedRate(r, p99GoalMs), 0) : text('–')) },
    { label: 'messages lost, all steps', cell: (r) => text(String(r.messages.reduce((s, m) => s + m.lost, 0))) },
    { label: 'server CPU, % of a core: storm / idle / last msg step', cell: (r) => text(`${cpuText(r.login?.cpu, (c) => c.serverCorePercent)} / ${cpuText(r.hold?.cpu, (c) => c.serverCorePercent)} / ${cpuText(lastStep(r)?.cpu, (c) => c.serverCorePercent)}`) },
    { label: 'server CPU seconds: storm / idle / all msg steps', cell: (r) => text(`${r.login?.cpu.serverCpuSeconds.toFixed(1) ?? '–'} / ${r.hold?.cpu.serverCpuSeconds.toFixed(1) ?? '–'} / ${r.messages.reduce((s, m) => s + m.cpu.serverCpuSeconds, 0).toFixed(1)}`) },
    { label: 'generator CPU, % of a core: storm / idle / last msg step', cell: (r) => text(`${cpuText(r.login?.cpu, (c) => c.generatorCorePercent)} / ${cpuText(r.hold?.cpu, (c) => c.generatorCorePercent)} / ${cpuText(lastStep(r)?.cpu, (c) => c.generatorCorePercent)}`) },
    { label: 'other processes, % of a core: storm / idle / last msg step', cell: (r) => text(`${cpuText(r.login?.cpu, (c) => c.otherCorePercent)} / ${cpuText(r.hold?.cpu, (c) => c.otherCorePercent)} / ${cpuText(lastStep(r)?.cpu, (c) => c.otherCorePercent)}`) },
    { label: 'server RSS after the messages (MiB)', cell: (r) => num(lastStep(r) ? lastStep(r)!.serverRssBytes / MiB : null) },
    { label: 'all sessions log out: server busy for (s) / its CPU (s)', cell: (r) => text(r.logout ? `${r.logout.seconds.toFixed(1)} / ${r.logout.serverCpuSeconds.toFixed(1)}` : '–') },
    { label: 'SIGTERM to exit (ms)', cell: (r) => text(r.shutdown ? `${r.shutdown.stopMs}${r.shutdown.signal === 'SIGKILL' ? ' (killed)' : ''}` : '–') },
  );
  return rows;
}

const ratio = (ours: number | null, theirs: number | null) => (ours === null || theirs === null || theirs === 0 ? '' : `${(ours / theirs).toFixed(2)}×`);

/** One markdown table for runs that share an archive setting; the first run is ours. */
export function comparisonTable(runs: BenchReport[], p99GoalMs: number): string {
  const [ours, ...others] = runs;
  const header = ['figure', ...runs.map((r) => r.target.name), ...others.map((o) => `${ours!.target.name} ÷ ${o.target.name}`)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of comparisonRows(runs, p99GoalMs)) {
    const cells = runs.map((r) => (r.notMeasured ? { text: 'not measured', value: null } : row.cell(r)));
    const ratios = cells.slice(1).map((c) => ratio(cells[0]!.value, c.value));
    lines.push(`| ${[row.label, ...cells.map((c) => c.text), ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The goals, as measured (reported, not asserted). */
export function goalLines(runs: BenchReport[], p99GoalMs: number): string[] {
  const find = (name: string) => runs.find((r) => r.target.name === name && !r.notMeasured && !r.error);
  const ours = find('conexizan');
  const prosody = find('prosody');
  const out: string[] = [];
  if (!ours) return ['goals: Conexizan was not measured'];
  if (ours.hold && prosody?.hold) {
    const x = ours.hold.memoryPerSessionBytes / prosody.hold.memoryPerSessionBytes;
    out.push(`memory per idle session: ${x.toFixed(2)}× Prosody's (goal ≤ 0.80×): ${x <= 0.8 ? 'met' : 'NOT met'}`);
  }
  const peers = runs.filter((r) => r.target.name !== 'conexizan' && !r.notMeasured && !r.error);
  if (peers.length > 0 && ours.messages.length > 0) {
    const best = Math.max(...peers.map((p) => sustainedRate(p, p99GoalMs)));
    const mine = sustainedRate(ours, p99GoalMs);
    const capped = (r: BenchReport) => r.messages.length > 0 && sustainedRate(r, p99GoalMs) === r.messages.at(-1)!.targetRate && r.messages.at(-1)!.latencyMs.p99 < p99GoalMs;
    const note = peers.some(capped) || capped(ours) ? ' (a server that passed the highest step run may sustain more)' : '';
    const x = best > 0 ? `${(mine / best).toFixed(2)}×` : 'no ratio (no peer sustained the lowest rate)';
    out.push(`sustained 1:1 msg/s at p99 < ${p99GoalMs} ms: ${mine} vs best peer ${best} = ${x} (goal ≥ 2×): ${best > 0 && mine >= 2 * best ? 'met' : 'NOT met'}${note}`);
  }
  const lost = ours.messages.reduce((s, m) => s + m.lost, 0);
  out.push(`messages lost by Conexizan: ${lost} (goal 0): ${lost === 0 ? 'met' : 'NOT met'}`);
  if (ours.hold && ours.hold.sessions >= 1000) {
    const projected = ours.baseline.rssBytes + 100_000 * ours.hold.memoryPerSessionBytes;
    out.push(`100,000 idle sessions projected from this run: ${(projected / 1024 ** 3).toFixed(2)} GiB (goal ≤ 8 GiB; a projection, not a measurement)`);
  }
  return out;
}
