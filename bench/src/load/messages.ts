import { xml, type Element } from '@conexizan/protocol';
import { LatencyRecorder, nowMs, type LatencySummary } from '../metrics/latency.ts';
import { CpuWindow, readCpuSeconds, readMemory, type CpuUsage } from '../metrics/proc.ts';
import { sleep } from '../targets/server-process.ts';
import type { XmppClient } from './client.ts';

export interface MessageOptions {
  /** messages per second, all senders together */
  rate: number;
  durationSeconds: number;
  /** how long to wait for stragglers after the last send */
  drainSeconds: number;
  /** PRNG seed for the sender/recipient pairs, so runs are repeatable */
  seed: number;
  serverPid: number;
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
  sendSeconds: number;
  sentPerSecond: number;
  /** received ÷ (last delivery − first send) */
  deliveredPerSecond: number;
  latencyMs: LatencySummary;
  cpu: CpuUsage;
  serverCpuSecondsPer1000: number;
  timeline: TimelinePoint[];
}

const TICK_MS = 5;

/**
 * Steady one-to-one chat: at each tick, as many messages as the schedule
 * owes go from a random online user to another random one (addressed to the
 * bare JID, as a chat client does). The body carries a sequence number and
 * the send time; the receiving side checks who sent it and records latency.
 */
export async function steadyMessages(clients: XmppClient[], options: MessageOptions): Promise<MessageResult> {
  if (clients.length < 2) throw new Error('the message phase needs at least two online users');
  const total = Math.round(options.rate * options.durationSeconds);
  const senderOf = new Int32Array(total); // which client sent sequence number n
  const seen = new Uint8Array(total);
  const latency = new LatencyRecorder();
  let received = 0;
  let bounced = 0;
  let duplicates = 0;
  let misrouted = 0;
  let lastDelivery = 0;

  clients.forEach((client) => {
    client.onStanza = (el: Element) => {
      if (el.name !== 'message') return;
      if (el.attrs.type === 'error') {
        bounced++;
        return;
      }
      const [seqText, sentAt] = (el.getChildText('body') ?? '').split(' ');
      const seq = Number(seqText);
      if (!Number.isInteger(seq) || seq < 0 || seq >= total) return;
      if (seen[seq]) {
        duplicates++;
        return;
      }
      seen[seq] = 1;
      const now = nowMs();
      if (el.attrs.from?.split('/')[0] !== clients[senderOf[seq]!]!.bareJid) misrouted++;
      latency.record(now - Number(sentAt));
      received++;
      lastDelivery = now;
    };
  });

  const random = mulberry32(options.seed);
  const pick = () => Math.floor(random() * clients.length);
  const cpu = new CpuWindow(options.serverPid);
  const timeline: TimelinePoint[] = [];
  let sent = 0;
  const sampler = startSampler(options.serverPid, timeline, () => ({ sent, received }));
  const start = nowMs();

  // Send on a fixed schedule; if the generator falls behind it catches up in bursts, and the
  // achieved rate (sentPerSecond) shows that. Latency is taken from the actual send time.
  while (sent < total) {
    const due = Math.min(total, Math.floor(((nowMs() - start) / 1000) * options.rate));
    for (; sent < due; sent++) {
      const from = pick();
      let to = pick();
      while (to === from) to = pick();
      senderOf[sent] = from;
      const recipient = clients[to]!;
      clients[from]!.send(xml('message', { to: recipient.bareJid, type: 'chat', id: `m${sent}` }, xml('body', {}, `${sent} ${nowMs().toFixed(3)}`)));
    }
    await sleep(TICK_MS);
  }
  const sendSeconds = (nowMs() - start) / 1000;

  const drainDeadline = nowMs() + options.drainSeconds * 1000;
  while (received + bounced < sent && nowMs() < drainDeadline) await sleep(20);
  const usage = cpu.end();
  sampler.stop();
  for (const client of clients) client.onStanza = null;

  return {
    targetRate: options.rate,
    sent,
    received,
    lost: sent - received,
    bounced,
    duplicates,
    misrouted,
    sendSeconds,
    sentPerSecond: sent / sendSeconds,
    deliveredPerSecond: received > 0 ? received / ((lastDelivery - start) / 1000) : 0,
    latencyMs: latency.summary(),
    cpu: usage,
    serverCpuSecondsPer1000: sent > 0 ? (1000 * usage.serverCpuSeconds) / sent : 0,
    timeline,
  };
}

/** Once a second: progress and the server's CPU and RSS, for the JSON timeline. */
function startSampler(pid: number, timeline: TimelinePoint[], counts: () => { sent: number; received: number }) {
  let lastCpu = readCpuSeconds(pid);
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const cpu = readCpuSeconds(pid);
    const at = performance.now();
    timeline.push({
      second: timeline.length + 1,
      ...counts(),
      serverCorePercent: Math.round((100 * (cpu - lastCpu)) / ((at - lastAt) / 1000)),
      serverRssBytes: readMemory(pid).rss,
    });
    lastCpu = cpu;
    lastAt = at;
  }, 1000);
  return { stop: () => clearInterval(timer) };
}

/** Small seeded PRNG (public domain mulberry32); Math.random cannot be seeded. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
