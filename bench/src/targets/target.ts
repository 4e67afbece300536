/**
 * What the load generator needs to know about a server under test. Conexizan
 * is the only target today; Prosody and ejabberd are meant to slot in as
 * further implementations (own accounts setup, own command line), while the
 * phases and reports stay the same.
 */
export interface Account {
  username: string;
  password: string;
}

export interface Endpoint {
  host: string;
  /** the XMPP domain (stream 'to', JIDs, TLS SNI) */
  domain: string;
  /** c2s port with TLS from the first byte (XEP-0368) */
  directTlsPort: number;
  /** c2s port with mandatory STARTTLS */
  starttlsPort: number;
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
  /** Creates the accounts, before start(), the way that server's operators would. */
  prepare(accounts: Account[]): Promise<void>;
  /** Starts the server and resolves when it accepts connections. */
  start(): Promise<void>;
  readonly endpoint: Endpoint;
  /** the server's process id, for /proc figures */
  readonly pid: number;
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
  /** the end of the server's output, shown when something goes wrong */
  logTail(): string;
  /** where the server's files (log, data) are, for a reader chasing a failure */
  readonly filesDir: string;
}
