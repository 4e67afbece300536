import { LatencyRecorder, nowMs, type LatencySummary } from '../metrics/latency.ts';
import { CpuWindow, type CpuUsage, type ServerHandle } from '../metrics/proc.ts';
import { sleep } from '../targets/server-process.ts';
import type { ClientPool } from './pool.ts';
import type { CollectResult } from './protocol.ts';

export interface MessageOptions {
  /** messages per second, all senders together */
  rate: number;
  durationSeconds: number;
  /** how long to wait for stragglers after the last send */
  drainSeconds: number;
  /** PRNG seed for the sender/recipient pairs, so runs are repeatable */
  seed: number;
  server: ServerHandle;
}

export interface TimelinePoint {
  second: number;
  sent: number;
  received: number;
  serverCorePercent: number;
  serverRssBytes: number;
}

export interface MessageResult {
  targetRate: number;
  sent: number;
  received: number;
  /** sent − received after the drain period; anything but 0 is a bug */
  lost: number;
  /** error stanzas that came back to senders instead */
  bounced: number;
  duplicates: number;
  /** a message from a peer that was not the sender we recorded */
  misrouted: number;
  /** sessions that dropped during the phase */
  disconnected: number;
  sendSeconds: number;
  sentPerSecond: number;
  /** received ÷ (time from the first send to the end of the drain) */
  deliveredPerSecond: number;
  latencyMs: LatencySummary;
  /** with several nodes: messages between users on the same node, and between users on different nodes (routed through Redis) */
  byNode?: { sameNode: LatencySummary; crossNode: LatencySummary };
  cpu: CpuUsage;
  serverCpuSecondsPer1000: number;
  /** server RSS when the phase ended */
  serverRssBytes: number;
  timeline: TimelinePoint[];
}

/**
 * Steady one-to-one chat between random pairs of online users (`online`:
 * global indices), the rate split over the workers by how many users each
 * holds. Each message is addressed to the bare JID, as a chat client does;
 * its body carries the sending worker, a sequence number and the send time,
 * and the receiving worker records latency and who it came from.
 */
export async function steadyMessages(pool: ClientPool, online: number[], perWorkerOnline: number[], options: MessageOptions): Promise<MessageResult> {
  if (online.length < 2) throw new Error('the message phase needs at least two online users');
  pool.resetProgress();
  const cpu = new CpuWindow(options.server);
  const timeline: TimelinePoint[] = [];
  const sampler = startSampler(options.server, timeline, () => pool.progress());
  // All workers start on the same clock a moment from now, so their schedules add up.
  const startAt = nowMs() + 200;
  await pool.all((w) => ({
    type: 'messages',
    online,
    rate: (options.rate * perWorkerOnline[w]!) / online.length,
    durationSeconds: options.durationSeconds,
    startAt,
    seed: options.seed,
  }));
  const expected = Math.round(options.rate * options.durationSeconds);
  const sendEnd = startAt + options.durationSeconds * 1000;
  // Wait for the schedule, then for deliveries to catch up (bounded by the drain time).
  while (nowMs() < sendEnd) await sleep(50);
  const drainDeadline = nowMs() + options.drainSeconds * 1000;
  for (;;) {
    const p = pool.progress();
    if (p.sent >= expected * 0.999 && p.received + p.bounced >= p.sent) break;
    if (nowMs() >= drainDeadline) break;
    await sleep(50);
  }
  // Progress reports come every 250 ms, so delivery ended up to that long before this.
  const endAt = Math.max(sendEnd, nowMs() - 125);
  await sleep(300);
  const usage = cpu.end();
  sampler.stop();
  const shares = await pool.all<CollectResult>({ type: 'collect' });
  return summarise(shares, options, startAt, endAt, usage, timeline);
}

function summarise(shares: CollectResult[], options: MessageOptions, startAt: number, endAt: number, usage: CpuUsage, timeline: TimelinePoint[]): MessageResult {
  const seen = shares.map((s) => new Uint8Array(s.sent));
  const latency = new LatencyRecorder();
  const sameNode = new LatencyRecorder();
  const crossNode = new LatencyRecorder();
  let received = 0;
  let duplicates = 0;
  let bounced = 0;
  let misrouted = 0;
  let disconnected = 0;
  for (const share of shares) {
    latency.recordAll(share.latencies);
    sameNode.recordAll(share.sameNodeLatencies);
    crossNode.recordAll(share.crossNodeLatencies);
    bounced += share.bounced;
    misrouted += share.misrouted;
    disconnected += share.disconnected;
    for (let i = 0; i < share.receivedSeq.length; i++) {
      const flags = seen[share.receivedWorker[i]!];
      const seq = share.receivedSeq[i]!;
      if (!flags || seq >= flags.length) continue; // not one of ours
      if (flags[seq]) duplicates++;
      else {
        flags[seq] = 1;
        received++;
      }
    }
  }
  const sent = shares.reduce((sum, s) => sum + s.sent, 0);
  const sendSeconds = options.durationSeconds;
  return {
    targetRate: options.rate,
    sent,
    received,
    lost: sent - received,
    bounced,
    duplicates,
    misrouted,
    disconnected,
    sendSeconds,
    sentPerSecond: sent / sendSeconds,
    deliveredPerSecond: received / ((endAt - startAt) / 1000),
    latencyMs: latency.summary(),
    ...(crossNode.count > 0 ? { byNode: { sameNode: sameNode.summary(), crossNode: crossNode.summary() } } : {}),
    cpu: usage,
    serverCpuSecondsPer1000: sent > 0 ? (1000 * usage.serverCpuSeconds) / sent : 0,
    serverRssBytes: options.server.memory().rss,
    timeline,
  };
}

/** Once a second: progress and the server's CPU and RSS, for the JSON timeline. */
function startSampler(server: ServerHandle, timeline: TimelinePoint[], counts: () => { sent: number; received: number }) {
  let lastCpu = server.cpuSeconds();
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const cpu = server.cpuSeconds();
    const at = performance.now();
    const { sent, received } = counts();
    timeline.push({
      second: timeline.length + 1,
      sent,
      received,
      serverCorePercent: Math.round((100 * (cpu - lastCpu)) / ((at - lastAt) / 1000)),
      serverRssBytes: server.memory().rss,
    });
    lastCpu = cpu;
    lastAt = at;
  }, 1000);
  return { stop: () => clearInterval(timer) };
}
