import WebSocket from 'ws';

/**
 * A V8 CPU profile of a running Node process over the inspector protocol
 * (Chrome DevTools Protocol: Profiler.start / Profiler.stop), so that a
 * profile covers exactly one phase instead of the whole process lifetime
 * that `--cpu-prof` records; and heap snapshots (HeapProfiler) at chosen moments. The process is started with --inspect on a
 * loopback address; its "Debugger listening on ws://…" line gives the URL.
 */
export class InspectorProfiler {
  readonly #ws: WebSocket;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** the heap snapshot being taken, as its chunks arrive */
  #snapshot: string[] | null = null;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; method?: string; params?: { chunk?: string }; result?: unknown; error?: { message: string } };
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk') this.#snapshot?.push(message.params!.chunk!);
      if (message.id === undefined) return;
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error.message));
      else pending?.resolve(message.result);
    });
  }

  static attach(url: string): Promise<InspectorProfiler> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 ** 3 });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new InspectorProfiler(ws)));
      ws.once('error', reject);
    });
  }

  /** The inspector URL from a process's output, if it has printed it yet. */
  static urlFrom(log: string): string | null {
    return /Debugger listening on (ws:\/\/\S+)/.exec(log)?.[1] ?? null;
  }

  async start(samplingIntervalUs = 500): Promise<void> {
    await this.#call('Profiler.enable');
    await this.#call('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await this.#call('Profiler.start');
  }

  /** Stops and returns the profile (the .cpuprofile JSON that DevTools and speedscope open). */
  async stop(): Promise<unknown> {
    const result = (await this.#call('Profiler.stop')) as { profile: unknown };
    return result.profile;
  }

  /** A heap snapshot (the .heapsnapshot JSON DevTools opens), after a full garbage collection. */
  async heapSnapshot(): Promise<string> {
    await this.#call('HeapProfiler.enable');
    await this.#call('HeapProfiler.collectGarbage');
    this.#snapshot = [];
    try {
      await this.#call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      return this.#snapshot.join('');
    } finally {
      this.#snapshot = null;
      await this.#call('HeapProfiler.disable');
    }
  }

  /** Samples allocations (one per 4 KiB on average), the garbage collected meanwhile included. */
  async startSampling(): Promise<void> {
    await this.#call('HeapProfiler.enable');
    await this.#call('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }

  /** Stops sampling and returns the sampling heap profile (.heapprofile, which DevTools opens). */
  async stopSampling(): Promise<unknown> {
    return ((await this.#call('HeapProfiler.stopSampling')) as { profile: unknown }).profile;
  }

  close(): void {
    this.#ws.close();
  }

  #call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }
}
