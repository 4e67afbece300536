/**
 * What the load generator needs to know about a server under test: Conexizan,
 * Prosody and ejabberd each provision accounts and rosters their own way and
 * start with their own configuration, while the phases and reports are the same.
 */
export interface Account {
  username: string;
  password: string;
}

/** What every server of a comparison is set up with alike. */
export interface TargetSettings {
  /** loopback address the server listens on (each server its own) */
  host: string;
  /** PBKDF2 iterations of the stored SCRAM-SHA-1/-256 credentials */
  scramIterations: number;
  /** archive every 1:1 message (XEP-0313) for both parties */
  archive: boolean;
  /** the same self-signed certificate for all (EC P-256) */
  certFile: string;
  keyFile: string;
  /** open-file limit to start the server with (it must hold the sessions) */
  openFiles: number;
  /** the server writes a V8 CPU profile there (Conexizan only) */
  profileDir?: string | undefined;
  /** heap snapshots of the server go there (Conexizan only) */
  heapSnapshotDir?: string | undefined;
}

/** Each user's roster, as indices into the account list (mutual subscriptions). */
export type RosterOf = (index: number) => number[];

export interface Endpoint {
  host: string;
  /** the XMPP domain (stream 'to', JIDs, TLS SNI) */
  domain: string;
  /** c2s port with TLS from the first byte (XEP-0368) */
  directTlsPort: number;
  /** c2s port with mandatory STARTTLS */
  starttlsPort: number;
  /** wss:// URL of the RFC 7395 endpoint */
  websocketUrl: string;
}

export interface StopResult {
  exitCode: number | null;
  signal: string | null;
  /** from SIGTERM to exit */
  stopMs: number;
  /** the server had already exited on its own when stop() came */
  exitedEarly: boolean;
}

export interface Target {
  readonly name: string;
  /** the server's version, as its package or checkout says */
  readonly version: string;
  /** how this server is set up beyond the common settings (storage, modules), for the report */
  readonly notes: string[];
  /** Creates the accounts and rosters, before start(), the way that server's operators would. */
  prepare(accounts: Account[], rosterOf: RosterOf): Promise<void>;
  /** Starts the server and resolves when it accepts connections. */
  start(): Promise<void>;
  readonly endpoint: Endpoint;
  /** every node's endpoint when the server runs as several processes (clients go round robin), else absent */
  readonly endpoints?: Endpoint[];
  /** the server's process id, for /proc figures */
  readonly pid: number;
  /** resident memory of all its processes together (a cluster's nodes and Redis); default: its process's */
  memory?(): { rss: number; peakRss: number };
  /**
   * CPU seconds the server has used so far, with the helper processes it
   * needs (a database server); without this, its own process's.
   */
  cpuSeconds?(): number;
  /** Server-specific figures the target can read itself (e.g. heap used from /metrics); may be empty. */
  extraStats(): Promise<Record<string, number>>;
  /** How the server ended if it stopped on its own before stop(), else null. */
  unexpectedExit(): string | null;
  /**
   * Stops the server (SIGTERM, SIGKILL after a grace period) and removes its
   * files unless keepFiles; safe to call more than once, or before start.
   */
  stop(keepFiles: boolean): Promise<StopResult>;
  /** Synchronous last resort for process 'exit': signals the server if it still runs. */
  killNow(): void;
  /** Starts a CPU profile of the server, where the target can (Conexizan, with a profile dir). */
  startProfile?(): Promise<void>;
  /**
   * Stops the profile and writes it as `<name>.cpuprofile` into the profile
   * dir, with the allocations sampled meanwhile as `<name>.heapprofile`; returns the files.
   */
  stopProfile?(name: string): Promise<{ cpu: string; allocations: string }>;
  /** Takes a heap snapshot of the server into the heap snapshot dir as `<name>.heapsnapshot`; returns the file. */
  heapSnapshot?(name: string): Promise<string>;
  /** the end of the server's output, shown when something goes wrong */
  logTail(): string;
  /** where the server's files (log, data) are, for a reader chasing a failure */
  readonly filesDir: string;
}
