/**
 * A client worker (worker_threads): logs in its share of the accounts, sends
 * its share of the message load on the common schedule, and records what its
 * users receive. Started by pool.ts; talks only through protocol.ts messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { xml, type Element } from '@conexizan/protocol';
import { LatencyRecorder, nowMs } from '../metrics/latency.ts';
import { mulberry32 } from './random.ts';
import { XmppClient } from './client.ts';
import type { Account } from '../targets/target.ts';
import type { CollectResult, LoginShareResult, ReconnectShareResult, WorkerInit, WorkerReply, WorkerRequest } from './protocol.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const clients = new Map<number, XmppClient>(); // global index → online client
/** The reason of a failed attempt without the account's name, so that alike failures count together. */
const reasonOf = (error: unknown) => (error as Error).message.replace(/bench\d+/g, 'USER').slice(0, 120);
const TICK_MS = 5;

let messages: MessageState | null = null;

interface MessageState {
  /** set by 'collect': the phase is over even if this worker is still behind schedule */
  stopped: boolean;
  sent: number;
  bounced: number;
  misrouted: number;
  receivedWorker: number[];
  receivedSeq: number[];
  latency: LatencyRecorder;
  sameNode: LatencyRecorder;
  crossNode: LatencyRecorder;
}

const bareJid = (index: number) => `${init.usernames[index]}@${init.endpoint.domain}`;
/** Users are spread over the server's nodes round robin. */
const nodeOf = (index: number) => index % init.endpoints.length;

async function login(accounts: { index: number; account: Account }[], concurrency: number, localAddresses: string[]): Promise<LoginShareResult> {
  const latency = new LatencyRecorder();
  const online: number[] = [];
  const rosterSizes: number[] = [];
  const iterations = new Set<number>();
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const lane = async () => {
    while (next < accounts.length) {
      const { index, account } = accounts[next++]!;
      const client = new XmppClient(account);
      const localAddress = localAddresses.length > 0 ? localAddresses[index % localAddresses.length] : undefined;
      const t0 = performance.now();
      try {
        await client.login(init.endpoints[nodeOf(index)]!, { ...init.settings, localAddress });
        latency.record(performance.now() - t0);
        clients.set(index, client);
        online.push(index);
        rosterSizes.push(client.rosterSize);
        iterations.add(client.scramIterations);
      } catch (error) {
        failed++;
        firstError ??= `${account.username}: ${(error as Error).message}`;
        client.destroy();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, accounts.length)) }, lane));
  return { online, failed, firstError, latencies: latency.samples(), rosterSizes, scramIterations: [...iterations] };
}

/**
 * The network goes away and comes back: every online client's connection is
 * cut at `startAt` (no closing of the stream), then each logs in again at
 * once (`concurrency` 0) or that many at a time, offering its TLS session
 * when `resume`, and retrying after a failure (1 s, 2 s… up to 5 s, as
 * clients back off) until `giveUpAt`.
 */
async function reconnect(request: Extract<WorkerRequest, { type: 'reconnect' }>): Promise<ReconnectShareResult> {
  const before = [...clients.entries()].map(([index, client]) => ({ index, account: client.account, session: request.resume ? client.tlsSession : null }));
  const wait = request.startAt - nowMs();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const droppedAt = nowMs();
  for (const client of clients.values()) client.drop();
  clients.clear();

  const latency = new LatencyRecorder();
  const back: number[] = [];
  const errors: Record<string, number> = {};
  let refusedFirstTry = 0;
  let attempts = 0;
  let resumed = 0;
  let next = 0;
  const lane = async () => {
    while (next < before.length) {
      const { index, account, session } = before[next++]!;
      const localAddress = request.localAddresses.length > 0 ? request.localAddresses[index % request.localAddresses.length] : undefined;
      for (let attempt = 1; ; attempt++) {
        attempts++;
        const client = new XmppClient(account);
        try {
          await client.login(init.endpoints[nodeOf(index)]!, { ...init.settings, localAddress, tlsSession: session });
          latency.record(nowMs() - droppedAt);
          if (client.tlsResumed) resumed++;
          clients.set(index, client);
          back.push(index);
          break;
        } catch (error) {
          client.destroy();
          if (attempt === 1) refusedFirstTry++;
          const reason = reasonOf(error);
          errors[reason] = (errors[reason] ?? 0) + 1;
          if (nowMs() >= request.giveUpAt) break;
          await new Promise((r) => setTimeout(r, Math.min(5000, 1000 * attempt) * (0.5 + Math.random())));
        }
      }
    }
  };
  const lanes = request.concurrency > 0 ? Math.min(request.concurrency, before.length) : before.length;
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
  return { dropped: before.length, back, latencies: latency.samples(), refusedFirstTry, attempts, errors, resumed };
}

/** Records a chat message delivered to `receiver`: body is "<worker>.<seq> <sentAt> <senderIndex>". */
function onDelivery(state: MessageState, el: Element, receiver: number): void {
  if (el.name !== 'message') return;
  if (el.attrs.type === 'error') {
    state.bounced++;
    return;
  }
  const parts = (el.getChildText('body') ?? '').split(' ');
  const [workerText, seqText] = (parts[0] ?? '').split('.');
  const worker = Number(workerText);
  const seq = Number(seqText);
  if (parts.length !== 3 || !Number.isInteger(worker) || !Number.isInteger(seq)) return;
  const latency = nowMs() - Number(parts[1]);
  state.latency.record(latency);
  if (init.endpoints.length > 1) (nodeOf(Number(parts[2])) === nodeOf(receiver) ? state.sameNode : state.crossNode).record(latency);
  state.receivedWorker.push(worker);
  state.receivedSeq.push(seq);
  if (el.attrs.from?.split('/')[0] !== bareJid(Number(parts[2]))) state.misrouted++;
}

async function sendMessages(request: Extract<WorkerRequest, { type: 'messages' }>): Promise<void> {
  const state = messages!;
  const senders = [...clients.keys()];
  const { online } = request;
  if (senders.length === 0 || online.length < 2) return;
  const random = mulberry32(request.seed + init.workerIndex * 7919);
  const total = Math.round(request.rate * request.durationSeconds);
  const wait = request.startAt - nowMs();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const start = nowMs();
  // A fixed schedule; a generator that falls behind catches up in bursts, and the
  // achieved rate shows it. Latency is taken from the actual send time.
  while (state.sent < total && !state.stopped) {
    const due = Math.min(total, Math.floor(((nowMs() - start) / 1000) * request.rate));
    for (; state.sent < due; state.sent++) {
      const from = senders[Math.floor(random() * senders.length)]!;
      let to = online[Math.floor(random() * online.length)]!;
      while (to === from) to = online[Math.floor(random() * online.length)]!;
      const body = `${init.workerIndex}.${state.sent} ${nowMs().toFixed(3)} ${from}`;
      clients.get(from)!.send(xml('message', { to: bareJid(to), type: 'chat', id: `m${init.workerIndex}-${state.sent}` }, xml('body', {}, body)));
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
}

function collect(): CollectResult {
  const state = messages;
  if (state) state.stopped = true;
  for (const client of clients.values()) client.onStanza = null;
  messages = null;
  return {
    sent: state?.sent ?? 0,
    receivedWorker: Uint16Array.from(state?.receivedWorker ?? []),
    receivedSeq: Uint32Array.from(state?.receivedSeq ?? []),
    latencies: state?.latency.samples() ?? new Float64Array(0),
    sameNodeLatencies: state?.sameNode.samples() ?? new Float64Array(0),
    crossNodeLatencies: state?.crossNode.samples() ?? new Float64Array(0),
    bounced: state?.bounced ?? 0,
    misrouted: state?.misrouted ?? 0,
    disconnected: [...clients.values()].filter((c) => !c.connected).length,
  };
}

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', (request: WorkerRequest) => {
  const run = async (): Promise<unknown> => {
    switch (request.type) {
      case 'login':
        return login(request.accounts, request.concurrency, request.localAddresses);
      case 'messages': {
        const state: MessageState = {
          stopped: false, sent: 0, bounced: 0, misrouted: 0, receivedWorker: [], receivedSeq: [],
          latency: new LatencyRecorder(), sameNode: new LatencyRecorder(), crossNode: new LatencyRecorder(),
        };
        messages = state;
        for (const [index, client] of clients) client.onStanza = (el) => onDelivery(state, el, index);
        // Progress goes to the main thread until 'collect' ends the phase.
        const progress = setInterval(() => {
          if (messages !== state) clearInterval(progress);
          else reply({ type: 'progress', sent: state.sent, received: state.receivedSeq.length, bounced: state.bounced });
        }, 250);
        void sendMessages(request);
        return null;
      }
      case 'reconnect':
        return reconnect(request);
      case 'collect':
        return collect();
      case 'close':
        await Promise.all([...clients.values()].map((c) => c.close(3000)));
        clients.clear();
        return null;
    }
  };
  run().then(
    (result) => {
      const transfer: ArrayBuffer[] = [];
      if (result && typeof result === 'object') {
        for (const value of Object.values(result)) if (ArrayBuffer.isView(value)) transfer.push(value.buffer as ArrayBuffer);
      }
      reply({ id: request.id, ok: true, result }, transfer);
    },
    (error: unknown) => reply({ id: request.id, ok: false, error: (error as Error).message }),
  );
});
