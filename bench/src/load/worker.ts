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
import type { CollectResult, LoginShareResult, WorkerInit, WorkerReply, WorkerRequest } from './protocol.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const clients = new Map<number, XmppClient>(); // global index → online client
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
}

const bareJid = (index: number) => `${init.usernames[index]}@${init.endpoint.domain}`;

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
        await client.login(init.endpoint, { ...init.settings, localAddress });
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

/** Records a chat message delivered to `receiver`: body is "<worker>.<seq> <sentAt> <senderIndex>". */
function onDelivery(state: MessageState, el: Element): void {
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
  state.latency.record(nowMs() - Number(parts[1]));
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
        const state: MessageState = { stopped: false, sent: 0, bounced: 0, misrouted: 0, receivedWorker: [], receivedSeq: [], latency: new LatencyRecorder() };
        messages = state;
        for (const client of clients.values()) client.onStanza = (el) => onDelivery(state, el);
        // Progress goes to the main thread until 'collect' ends the phase.
        const progress = setInterval(() => {
          if (messages !== state) clearInterval(progress);
          else reply({ type: 'progress', sent: state.sent, received: state.receivedSeq.length, bounced: state.bounced });
        }, 250);
        void sendMessages(request);
        return null;
      }
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
