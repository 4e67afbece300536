import type { ScramHash } from '@conexizan/crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TRANSPORTS, type Transport } from './load/client.ts';
import { effectiveRosterSize } from './load/rosters.ts';
import type { RunOptions } from './run.ts';

export const USAGE = `usage: pnpm --filter @conexizan/bench bench -- [options]

  --servers LIST         servers to compare, in this order (default conexizan,prosody,ejabberd);
                         a missing Prosody or ejabberd is installed with apt-get (as root), or reported "not measured";
                         conexizan-postgresql is Conexizan with PostgreSQL as its store (see --postgres-url)
  --sessions N           concurrent users logged in (default 1000)
  --transport T          direct-tls (XEP-0368, default), starttls, or websocket (wss, RFC 7395)
  --roster N             contacts in each user's roster, mutual subscriptions (default 10; even)
  --archive A            on, off or both: archive every 1:1 message (XEP-0313) on every server (default on)
  --login-concurrency N  logins in flight at once during the storm, all workers together (default 100)
  --warmup N             logins done one at a time and closed before the baseline (default 10)
  --hold S               seconds to hold the idle sessions before measuring memory (default 10)
  --settle S             read memory again this many seconds after the logins (default 30; 0: not again)
  --rate LIST            1:1 messages per second, all users together; several rates run one after the
                         other and stop after the first whose p99 misses --p99-goal or that loses a message
                         (default 125,250,500,1000,2000)
  --duration S           seconds of steady messaging per rate (default 15; 0 skips the phase)
  --drain S              longest wait for in-flight messages after each rate (default 20)
  --p99-goal MS          p99 delivery latency a rate must stay under to count as sustained (default 50)
  --reconnect R          after the messages, cut every client's connection at once (a network outage) and let all log
                         in again at once: resume (offering their TLS sessions, default), full (no resumption) or off
  --reconnect-concurrency N
                         reconnecting logins in flight at once (default 0: all at once)
  --scram H              sha-1 (default; Prosody 0.12 and ejabberd's SCRAM store offer it) or sha-256 (Conexizan only)
  --scram-iterations N   PBKDF2 iterations of the accounts, on all servers (default 4096, ejabberd's fixed count)
  --workers N            client worker threads (default 2)
  --source-addresses N   loopback source addresses for the clients, 127.0.1.1… (default: one per 20,000 sessions)
  --seed N               seed for the random sender/recipient pairs (default 1)
  --timeout S            hard limit for the whole run (default: derived from the other options)
  --json FILE            also write every figure as JSON to FILE
  --keep-data            keep the servers' temporary data dirs and logs
  --profile DIR          profile Conexizan (V8 inspector) over the login storm and the message phase, write the
                         .cpuprofile into DIR and summarise it by area (XML, routing, storage, TLS…)
  --heap-snapshot DIR    take heap snapshots of Conexizan (V8 inspector) before the logins and with the sessions idle,
                         write them into DIR and show what one session holds, by kind of object; RSS figures of
                         such a run include the snapshots' own memory
  --nodes LIST           Conexizan as that many processes behind one domain (cluster mode, PostgreSQL and Redis), one run
                         per number, e.g. 1,2: 'conexizan' in --servers becomes conexizan ×2 (…) and, for 1,
                         conexizan-postgresql, so that they compare on one store; the clients are spread over the nodes
  --postgres-url URL     PostgreSQL for conexizan-postgresql and --nodes (default: CONEXIZAN_TEST_POSTGRES_URL, else the
                         cluster scripts/ensure-postgres.sh starts); each run gets a schema of its own, dropped after
  --no-install           do not apt-get install a missing peer
`;

const SERVERS = ['conexizan', 'prosody', 'ejabberd'];
/** may be named in --servers, not run by default */
const OPTIONAL_SERVERS = ['conexizan-postgresql'];

export function parseOptions(argv: string[]) {
  // pnpm passes a literal "--" through to the script; it is not an option terminator here.
  const args = argv.filter((a) => a !== '--');
  const { values } = parseArgs({
    args,
    options: {
      servers: { type: 'string', default: SERVERS.join(',') },
      sessions: { type: 'string', default: '1000' },
      transport: { type: 'string', default: 'direct-tls' },
      roster: { type: 'string', default: '10' },
      archive: { type: 'string', default: 'on' },
      'login-concurrency': { type: 'string', default: '100' },
      warmup: { type: 'string', default: '10' },
      hold: { type: 'string', default: '10' },
      settle: { type: 'string', default: '30' },
      rate: { type: 'string', default: '125,250,500,1000,2000' },
      duration: { type: 'string', default: '15' },
      drain: { type: 'string', default: '20' },
      'p99-goal': { type: 'string', default: '50' },
      reconnect: { type: 'string', default: 'resume' },
      'reconnect-concurrency': { type: 'string', default: '0' },
      scram: { type: 'string', default: 'sha-1' },
      'scram-iterations': { type: 'string', default: '4096' },
      workers: { type: 'string', default: '2' },
      'source-addresses': { type: 'string' },
      seed: { type: 'string', default: '1' },
      timeout: { type: 'string' },
      json: { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      profile: { type: 'string' },
      'heap-snapshot': { type: 'string' },
      'postgres-url': { type: 'string' },
      nodes: { type: 'string', default: '1' },
      'no-install': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const number = (name: string, text: string | undefined, min: number, max: number) => {
    const n = Number(text);
    if (text === undefined || text.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  const num = (name: keyof typeof values, min: number, max: number) => number(name, values[name] as string | undefined, min, max);

  const named = String(values.servers).split(',').map((s) => s.trim()).filter(Boolean);
  const known = [...SERVERS, ...OPTIONAL_SERVERS];
  for (const s of named) if (!known.includes(s)) throw new Error(`--servers: unknown server ${s} (known: ${known.join(', ')})`);
  if (named.length === 0 || new Set(named).size !== named.length) throw new Error('--servers must name each server once');
  // --nodes: Conexizan as a cluster of each size, most nodes first (the table's ratios are that run's), one node on PostgreSQL too.
  const nodes = [...new Set(String(values.nodes).split(',').map((n) => number('nodes', n, 1, 8)))].sort((a, b) => b - a);
  const servers = nodes.length === 1 && nodes[0] === 1
    ? named
    : named.flatMap((s) => (s === 'conexizan' ? nodes.map((n) => (n > 1 ? `conexizan ×${n}` : 'conexizan-postgresql')) : [s]));
  if (new Set(servers).size !== servers.length) throw new Error('--nodes 1 already runs conexizan-postgresql: name it once');
  if (!TRANSPORTS.includes(values.transport as Transport)) throw new Error(`--transport must be one of ${TRANSPORTS.join(', ')}`);
  const archiveSettings = { on: [true], off: [false], both: [true, false] }[values.archive as 'on'] as boolean[] | undefined;
  if (!archiveSettings) throw new Error('--archive must be on, off or both');
  const scramHash = ({ 'sha-1': 'SHA-1', 'sha-256': 'SHA-256' } as Record<string, ScramHash>)[String(values.scram)];
  if (!scramHash) throw new Error('--scram must be sha-1 or sha-256');
  if (scramHash === 'SHA-256' && servers.some((s) => !s.startsWith('conexizan'))) throw new Error('--scram sha-256: Prosody 0.12 and this ejabberd setup offer SCRAM-SHA-1 only; use it with --servers conexizan');
  if (!['resume', 'full', 'off'].includes(String(values.reconnect))) throw new Error('--reconnect must be resume, full or off');
  const rates = String(values.rate).split(',').map((r) => number('rate', r, 1, 100_000));

  // Upper bounds keep a typo from turning into an unbounded run.
  const sessions = num('sessions', 2, 120_000);
  const sourceAddresses = values['source-addresses'] ? num('source-addresses', 1, 250) : Math.ceil(sessions / 20_000);
  const base = process.env.INIT_CWD ?? process.cwd(); // pnpm runs scripts in bench/; paths are relative to where the command was typed
  const run: RunOptions = {
    sessions,
    loginConcurrency: num('login-concurrency', 1, 5_000),
    warmup: Math.min(num('warmup', 0, 1_000), sessions),
    transport: values.transport as Transport,
    scramHash,
    rosterSize: num('roster', 0, 1_000),
    holdSeconds: num('hold', 0, 3_600),
    settleSeconds: num('settle', 0, 3_600),
    rates,
    durationSeconds: num('duration', 0, 3_600),
    drainSeconds: num('drain', 0, 600),
    seed: num('seed', 0, 2 ** 32 - 1),
    workers: num('workers', 1, 16),
    localAddresses: sessions > 20_000 || values['source-addresses'] ? Array.from({ length: sourceAddresses }, (_, i) => `127.0.1.${i + 1}`) : [],
    p99GoalMs: num('p99-goal', 1, 60_000),
    reconnect: values.reconnect as 'resume' | 'full' | 'off',
    reconnectConcurrency: num('reconnect-concurrency', 0, 120_000),
    profile: values.profile !== undefined,
    heapSnapshots: values['heap-snapshot'] !== undefined,
  };
  const perServerSeconds =
    120 + sessions * 0.08 + sessions * run.rosterSize * 0.003 + Math.max(run.holdSeconds, run.settleSeconds) + rates.length * (run.durationSeconds + run.drainSeconds + 5) + (run.reconnect === 'off' ? 0 : reconnectGiveUpSeconds(sessions) + 10);
  const runsCount = servers.length * archiveSettings.length;
  return {
    command: ['pnpm --filter @conexizan/bench bench', ...(args.length ? ['--', ...args] : [])].join(' '),
    servers,
    archiveSettings,
    run,
    effectiveRosterSize: effectiveRosterSize(run.rosterSize, sessions),
    scramIterations: num('scram-iterations', 4096, 1_000_000),
    // the server: one socket per session plus files; the generator: the same again
    openFiles: Math.max(20_000, sessions * 2 + 2_000),
    json: values.json ? resolve(base, values.json) : undefined,
    keepData: values['keep-data'],
    profileDir: values.profile ? resolve(base, values.profile) : undefined,
    heapSnapshotDir: values['heap-snapshot'] ? resolve(base, values['heap-snapshot']) : undefined,
    install: !values['no-install'],
    postgresUrl: values['postgres-url'] ?? process.env.CONEXIZAN_TEST_POSTGRES_URL,
    timeoutSeconds: values.timeout ? num('timeout', 10, 86_400) : Math.ceil(runsCount * perServerSeconds),
  };
}

export type Options = ReturnType<typeof parseOptions>;

/** How long reconnecting clients keep retrying: a minute, and more for many clients. */
export function reconnectGiveUpSeconds(sessions: number): number {
  return 60 + sessions * 0.02;
}
