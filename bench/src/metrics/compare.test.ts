import { describe, expect, it } from 'vitest';
import { comparisonTable, goalLines } from './compare.ts';
import type { BenchReport } from './report.ts';

const cpu = { wallSeconds: 10, serverCpuSeconds: 5, serverCorePercent: 50, generatorCpuSeconds: 1, generatorCorePercent: 10, machineBusyPercent: 40, otherCorePercent: 5 };
const latency = (p99: number) => ({ count: 1000, min: 1, mean: 2, p50: 2, p95: 5, p99, max: p99 * 2 });

function report(name: string, perSessionKiB: number, steps: [rate: number, p99: number, lost: number][]): BenchReport {
  return {
    startedAt: '2026-11-27T20:00:00Z',
    machine: { cpus: 2, cpuModel: 'test', memoryBytes: 2 ** 34, node: '20', platform: 'linux x64', kernel: '6', loadAverage: 0 },
    target: { name, version: '1', notes: [], host: '127.0.0.1', scramHash: 'SHA-1', scramIterations: 4096, transport: 'direct-tls', archive: true, rosterSize: 10 },
    setup: { accounts: 1000, prepareSeconds: 1, startupSeconds: 1 },
    warmup: null,
    baseline: { rssBytes: 100 * 2 ** 20, heapUsedBytes: null },
    login: { attempted: 1000, succeeded: 1000, failed: 0, firstError: null, wallSeconds: 10, loginsPerSecond: 100, latencyMs: latency(900), cpu, serverCpuMsPerLogin: 5, serverRssBytes: 0, rosterItems: { min: 10, max: 10 }, scramIterations: [4096] },
    hold: { sessions: 1000, seconds: 10, rssBytes: 0, peakRssBytes: 0, heapUsedBytes: null, memoryPerSessionBytes: perSessionKiB * 1024, heapPerSessionBytes: null, cpu },
    messages: steps.map(([rate, p99, lost]) => ({ targetRate: rate, sent: rate * 10, received: rate * 10 - lost, lost, bounced: 0, duplicates: 0, misrouted: 0, disconnected: 0, sendSeconds: 10, sentPerSecond: rate, deliveredPerSecond: rate, latencyMs: latency(p99), cpu, serverCpuSecondsPer1000: 1, serverRssBytes: 0, timeline: [], serverCounters: {} })),
    serverCounters: {},
    shutdown: { exitCode: 0, signal: null, stopMs: 10, exitedEarly: false },
    warnings: [],
    ok: true,
  };
}

describe('comparison table', () => {
  const ours = report('conexizan', 40, [[100, 5, 0], [200, 20, 0], [400, 80, 0]]);
  const prosody = report('prosody', 50, [[100, 10, 0], [200, 60, 0]]);
  const ejabberd = { ...report('ejabberd', 0, []), notMeasured: 'apt-get install ejabberd failed' };

  it('has a column per server and a ratio column per peer', () => {
    const table = comparisonTable([ours, prosody, ejabberd], 50);
    expect(table.split('\n')[0]).toBe('| figure | conexizan | prosody | ejabberd | conexizan ÷ prosody | conexizan ÷ ejabberd |');
    expect(table).toContain('| **memory per idle session (KiB)** | 40.0 | 50.0 | not measured | 0.80× |  |');
    // the highest rate with p99 under the goal: 200 for ours, 100 for Prosody
    expect(table).toContain('| **sustained 1:1 msg/s with p99 < 50 ms, none lost** | 200 | 100 | not measured | 2.00× |  |');
    expect(table).toContain('| 400 msg/s: latency p50 / p95 / p99 / max (ms) | 2.0 / 5.0 / 80 / 160 | not run |');
  });

  it('reports the goals as measured, and a loss as a loss', () => {
    const measured = report('ejabberd', 100, [[100, 3, 0], [200, 9, 0], [400, 30, 0]]);
    measured.login!.serverCpuMsPerLogin = 4;
    measured.messages[0]!.serverCpuSecondsPer1000 = 2;
    const goals = goalLines([ours, prosody, measured], 50);
    expect(goals).toContain("server CPU per login: 5.00 ms vs ejabberd's 4.00 ms = 1.25× (goal ≤ 1×): NOT met");
    expect(goals).toContain("memory per idle TLS session: 40.0 KiB = 0.80× Prosody's (goal ≤ 0.80×): met");
    // ours sustains 200 (p99 80 ms at 400), ejabberd 400
    expect(goals).toContain("sustained 1:1 msg/s at p99 < 50 ms on one process: 200 vs ejabberd's 400 (goal ≥ ejabberd's): NOT met");
    expect(goals).toContain("server CPU per message, archive on: 100/s: 1.00 vs 2.00 ms, 200/s: 1.00 vs 1.00 ms, 400/s: 1.00 vs 1.00 ms (goal ≤ ejabberd's at each rate): met");
    expect(goals.find((g) => g.startsWith('100,000'))).toContain('+ 100,000 × the 40.0 KiB per idle session measured with 1000 sessions');
    const lossy = report('conexizan', 40, [[100, 5, 3]]);
    expect(goalLines([lossy, prosody], 50)).toContain('messages lost by Conexizan: 3 (goal 0): NOT met');
  });
});

describe('one node against two (--nodes)', () => {
  const summary = (p50: number, p99: number, count: number) => ({ count, min: 1, mean: p50, p50, p95: p99, p99, max: p99 });
  const two = report('conexizan ×2', 40, [[250, 10, 0], [500, 30, 0], [1000, 90, 0]]);
  two.messages[1]!.byNode = { sameNode: summary(4, 20, 2500), crossNode: summary(6, 35, 2500) };
  two.messages[1]!.serverCpuSecondsPer1000 = 1.5;
  const one = report('conexizan-postgresql', 40, [[250, 20, 0], [500, 70, 0]]);
  one.messages[1]!.serverCpuSecondsPer1000 = 1.2;
  const ejabberd = report('ejabberd', 50, [[250, 10, 0], [500, 60, 0]]);

  it('shows the latency of messages within a node and across nodes, and says what two nodes reach against ejabberd', () => {
    const table = comparisonTable([two, one, ejabberd], 50);
    expect(table).toContain('| 500 msg/s: latency p50 / p99, users on the same node | on different nodes (ms) | 4.0 / 20 | 6.0 / 35 | – | – |');
    const goals = goalLines([two, one, ejabberd], 50);
    expect(goals).toContain("two nodes, sustained 1:1 msg/s at p99 < 50 ms: 500 vs ejabberd's 250 = 2.00× (goal ≥ 2×, archive on): met");
    expect(goals).toContain('×2 nodes against one (both on PostgreSQL): sustained 250 → 500 msg/s');
    // 0.3 ms more CPU per message, half of them crossed: 0.6 ms per crossing message.
    expect(goals.find((line) => line.startsWith('routing between nodes at 500 msg/s'))).toBe(
      'routing between nodes at 500 msg/s: latency p50 4.0 ms between users on the same node, 6.0 ms across nodes (+2.0 ms; p99 20.0 vs 35.0); server CPU 1.500 against 1.200 ms per message: +0.600 ms per message that crossed nodes (50 % of them)',
    );
  });
});
