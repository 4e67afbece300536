/**
 * Messages between the benchmark's main thread and its client workers. Each
 * worker holds a share of the connections; the main thread only coordinates
 * and adds up, so that the generator's work is spread over threads.
 */
import type { Account, Endpoint } from '../targets/target.ts';
import type { LoginSettings } from './client.ts';

export interface WorkerInit {
  workerIndex: number;
  endpoint: Endpoint;
  /** the server's nodes (one for a single process): user i logs in at endpoints[i % length] */
  endpoints: Endpoint[];
  settings: LoginSettings;
  /** every account of the run, indexed globally (to address recipients held by other workers) */
  usernames: string[];
}

export type WorkerRequest =
  | { id: number; type: 'login'; accounts: { index: number; account: Account }[]; concurrency: number; localAddresses: string[] }
  | { id: number; type: 'messages'; online: number[]; rate: number; durationSeconds: number; startAt: number; seed: number }
  | { id: number; type: 'reconnect'; startAt: number; concurrency: number; resume: boolean; localAddresses: string[]; giveUpAt: number }
  | { id: number; type: 'collect' }
  | { id: number; type: 'close' };

export interface LoginShareResult {
  /** global indices now online in this worker */
  online: number[];
  failed: number;
  firstError: string | null;
  latencies: Float64Array;
  rosterSizes: number[];
  scramIterations: number[];
}

export interface ReconnectShareResult {
  /** clients whose connection was dropped */
  dropped: number;
  /** global indices logged in again */
  back: number[];
  /** per client back: ms from the drop until its login completed */
  latencies: Float64Array;
  /** clients whose first attempt failed (refused, reset, timed out, or an error from the server) */
  refusedFirstTry: number;
  attempts: number;
  /** why attempts failed: a short reason → how often */
  errors: Record<string, number>;
  /** logins back whose TLS handshake resumed the earlier session */
  resumed: number;
}

export interface CollectResult {
  /** messages this worker sent (its sequence numbers run 0..sent-1) */
  sent: number;
  /** per received message: the sending worker and its sequence number */
  receivedWorker: Uint16Array;
  receivedSeq: Uint32Array;
  latencies: Float64Array;
  /** with several nodes: the latencies of messages whose sender and recipient were on the same node, and on different ones */
  sameNodeLatencies: Float64Array;
  crossNodeLatencies: Float64Array;
  bounced: number;
  misrouted: number;
  /** sessions that dropped during the phase */
  disconnected: number;
}

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { type: 'progress'; sent: number; received: number; bounced: number };
