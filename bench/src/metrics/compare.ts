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
    { label: 'memory per idle session, read again later (KiB)', cell: (r) => (r.hold?.settled ? { text: `${(r.hold.settled.memoryPerSessionBytes / 1024).toFixed(1)} (after ${r.hold.settled.seconds} s)`, value: r.hold.settled.memoryPerSessionBytes / 1024 } : text('–')) },
    { label: 'JS heap per idle session (KiB, own /metrics)', cell: (r) => num(r.hold?.heapPerSessionBytes != null ? r.hold.heapPerSessionBytes / 1024 : null) },
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
      ...(runs.some((r) => step(r, rate)?.byNode)
        ? [{
            label: `${rate} msg/s: latency p50 / p99, users on the same node | on different nodes (ms)`,
            cell: (r: BenchReport) => {
              const byNode = step(r, rate)?.byNode;
              const f = (n: number) => (n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'));
              return byNode ? text(`${f(byNode.sameNode.p50)} / ${f(byNode.sameNode.p99)} | ${f(byNode.crossNode.p50)} / ${f(byNode.crossNode.p99)}`) : text('–');
            },
          }]
        : []),
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
    { label: 'reconnect storm: clients back (of cut off)', cell: (r) => (r.reconnect ? { text: `${r.reconnect.back} (${r.reconnect.dropped})`, value: r.reconnect.back } : text('–')) },
    { label: 'reconnect storm: seconds until all were back', cell: (r) => num(r.reconnect?.secondsUntilAllBack) },
    { label: 'reconnect storm: first attempts refused or failed', cell: (r) => (r.reconnect ? num(r.reconnect.refusedFirstTry, 0) : text('–')) },
    { label: 'reconnect storm: back after p50 / p99 (ms)', cell: (r) => (r.reconnect ? { text: `${Math.round(r.reconnect.latencyMs.p50)} / ${Math.round(r.reconnect.latencyMs.p99)}`, value: r.reconnect.latencyMs.p99 } : text('–')) },
    { label: 'reconnect storm: TLS sessions resumed', cell: (r) => (r.reconnect ? text(r.reconnect.resume ? `${r.reconnect.tlsResumed} of ${r.reconnect.back}` : 'not offered') : text('–')) },
    { label: 'reconnect storm: server CPU per client back (ms)', cell: (r) => num(r.reconnect?.serverCpuMsPerLogin, 2) },
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

const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

/**
 * Issue 14's goals for one process, as measured (reported, not asserted),
 * for Conexizan on SQLite (the default) against the peers in these runs.
 */
export function goalLines(runs: BenchReport[], p99GoalMs: number): string[] {
  const usable = (r: BenchReport) => !r.notMeasured && !r.error;
  // One process: the default one, or on PostgreSQL when --nodes replaced it (the cluster's lines come at the end).
  const ours = runs.find((r) => r.target.name === 'conexizan' && usable(r)) ?? runs.find((r) => r.target.name === 'conexizan-postgresql' && usable(r));
  const prosody = runs.find((r) => r.target.name === 'prosody' && usable(r));
  const ejabberd = runs.find((r) => r.target.name === 'ejabberd' && usable(r));
  const out: string[] = [];
  if (!ours) return ['goals: Conexizan was not measured', ...clusterLines(runs.filter(usable), p99GoalMs)];
  const transport = ours.target.transport === 'websocket' ? 'WebSocket' : 'TLS';

  if (ours.login && ejabberd?.login) {
    const a = ours.login.serverCpuMsPerLogin;
    const b = ejabberd.login.serverCpuMsPerLogin;
    out.push(`server CPU per login: ${a.toFixed(2)} ms vs ejabberd's ${b.toFixed(2)} ms = ${(a / b).toFixed(2)}× (goal ≤ 1×): ${met(a <= b)}`);
    const p = ours.login.latencyMs.p99;
    const q = ejabberd.login.latencyMs.p99;
    out.push(`login latency p99 in the storm: ${Math.round(p)} ms vs ejabberd's ${Math.round(q)} ms (goal ≤ ejabberd's): ${met(p <= q)}`);
  }
  if (ours.hold && prosody?.hold) {
    const x = ours.hold.memoryPerSessionBytes / prosody.hold.memoryPerSessionBytes;
    out.push(`memory per idle ${transport} session: ${(ours.hold.memoryPerSessionBytes / 1024).toFixed(1)} KiB = ${x.toFixed(2)}× Prosody's (goal ≤ 0.80×): ${met(x <= 0.8)}`);
    const a = ours.hold.settled;
    const b = prosody.hold.settled;
    if (a && b) {
      const y = a.memoryPerSessionBytes / b.memoryPerSessionBytes;
      out.push(`memory per idle ${transport} session read again after ${a.seconds} s: ${(a.memoryPerSessionBytes / 1024).toFixed(1)} KiB = ${y.toFixed(2)}× Prosody's (goal ≤ 0.80×): ${met(y <= 0.8)}`);
    }
  }
  if (ejabberd && ours.messages.length > 0 && ejabberd.messages.length > 0) {
    const mine = sustainedRate(ours, p99GoalMs);
    const theirs = sustainedRate(ejabberd, p99GoalMs);
    out.push(`sustained 1:1 msg/s at p99 < ${p99GoalMs} ms on one process: ${mine} vs ejabberd's ${theirs} (goal ≥ ejabberd's): ${met(mine >= theirs && mine > 0)}`);
    // CPU per message depends on the rate: compare at each rate both ran.
    const pairs = ours.messages.flatMap((m) => {
      const e = ejabberd.messages.find((x) => x.targetRate === m.targetRate);
      return e ? [{ rate: m.targetRate, ours: m.serverCpuSecondsPer1000, theirs: e.serverCpuSecondsPer1000 }] : [];
    });
    if (pairs.length > 0) {
      const text = pairs.map((p) => `${p.rate}/s: ${p.ours.toFixed(2)} vs ${p.theirs.toFixed(2)} ms`).join(', ');
      out.push(`server CPU per message, archive ${ours.target.archive ? 'on' : 'off'}: ${text} (goal ≤ ejabberd's at each rate): ${met(pairs.every((p) => p.ours <= p.theirs))}`);
    }
  }
  if (ours.logout && ours.hold) {
    const per1000 = (ours.logout.serverCpuSeconds * 1000) / Math.max(1, ours.hold.sessions);
    out.push(`logout: ${ours.logout.serverCpuSeconds.toFixed(2)} s of server CPU for ${ours.hold.sessions} sessions = ${per1000.toFixed(2)} s per 1000 (goal ≤ 1 s per 1000): ${met(per1000 <= 1)}`);
  }
  out.push(...clusterLines(runs.filter(usable), p99GoalMs));
  const lost = runs.filter((r) => r.target.name.startsWith('conexizan') && usable(r)).reduce((s, r) => s + r.messages.reduce((t, m) => t + m.lost, 0), 0);
  out.push(`messages lost by Conexizan: ${lost} (goal 0): ${met(lost === 0)}`);
  if (ours.reconnect) {
    const r = ours.reconnect;
    out.push(`reconnect storm: ${r.back} of ${r.dropped} clients back after ${r.secondsUntilAllBack.toFixed(1)} s, ${r.refusedFirstTry} first attempts refused or failed`);
  }
  if (ours.hold && ours.hold.sessions >= 1000) {
    const perSession = ours.hold.memoryPerSessionBytes;
    const projected = ours.baseline.rssBytes + 100_000 * perSession;
    out.push(
      `100,000 idle ${transport} sessions, projected (not measured): ${(projected / 1024 ** 3).toFixed(2)} GiB = the RSS before logins (${(ours.baseline.rssBytes / MiB).toFixed(0)} MiB) ` +
        `+ 100,000 × the ${(perSession / 1024).toFixed(1)} KiB per idle session measured with ${ours.hold.sessions} sessions, rosters of ${ours.target.rosterSize}; assumes memory grows linearly ` +
        'and a machine allowing 100,000+ open files',
    );
  }
  return out;
}

/**
 * With --nodes: how far more nodes carry, against ejabberd (issue 13: two
 * nodes sustain at least twice its 1:1 msg/s at p99 under the goal, archive
 * on, nothing lost), and what routing between nodes costs a message:
 * latency (same run: users on the same node against users on different
 * nodes) and server CPU (one process on PostgreSQL against N nodes at the
 * highest rate both ran, put down to the messages that crossed nodes).
 */
export function clusterLines(measured: BenchReport[], p99GoalMs: number): string[] {
  const one = measured.find((r) => r.target.name === 'conexizan-postgresql');
  const two = measured.find((r) => r.target.name === 'conexizan ×2');
  const ejabberd = measured.find((r) => r.target.name === 'ejabberd');
  const out: string[] = [];
  if (two && ejabberd && two.messages.length > 0) {
    const mine = sustainedRate(two, p99GoalMs);
    const theirs = sustainedRate(ejabberd, p99GoalMs);
    const archive = two.target.archive ? 'archive on' : 'archive off (the goal is with the archive on)';
    const ok = theirs > 0 && mine >= 2 * theirs && two.target.archive && two.messages.every((m) => m.lost === 0);
    out.push(`two nodes, sustained 1:1 msg/s at p99 < ${p99GoalMs} ms: ${mine} vs ejabberd's ${theirs} = ${theirs > 0 ? `${(mine / theirs).toFixed(2)}×` : 'no ratio'} (goal ≥ 2×, ${archive}): ${met(ok)}`);
  }
  for (const run of measured.filter((r) => /^conexizan ×\d+$/.test(r.target.name))) {
    if (!one || one.messages.length === 0 || run.messages.length === 0) continue;
    const nodes = run.target.name.replace('conexizan ', '');
    out.push(`${nodes} nodes against one (both on PostgreSQL): sustained ${sustainedRate(one, p99GoalMs)} → ${sustainedRate(run, p99GoalMs)} msg/s`);
    const rate = run.messages.map((m) => m.targetRate).filter((r) => one.messages.some((m) => m.targetRate === r)).at(-1);
    const there = run.messages.find((m) => m.targetRate === rate);
    const here = one.messages.find((m) => m.targetRate === rate);
    if (!there?.byNode || !here) continue;
    const { sameNode: same, crossNode: cross } = there.byNode;
    const share = cross.count / Math.max(1, same.count + cross.count);
    const extra = there.serverCpuSecondsPer1000 - here.serverCpuSecondsPer1000; // s per 1000 messages = ms per message
    out.push(
      `routing between nodes at ${rate} msg/s: latency p50 ${same.p50.toFixed(1)} ms between users on the same node, ${cross.p50.toFixed(1)} ms across nodes ` +
        `(+${(cross.p50 - same.p50).toFixed(1)} ms; p99 ${same.p99.toFixed(1)} vs ${cross.p99.toFixed(1)}); server CPU ${there.serverCpuSecondsPer1000.toFixed(3)} against ` +
        `${here.serverCpuSecondsPer1000.toFixed(3)} ms per message: ${extra >= 0 ? '+' : ''}${(extra / Math.max(share, 0.01)).toFixed(3)} ms per message that crossed nodes (${Math.round(share * 100)} % of them)`,
    );
  }
  return out;
}
