import { z } from 'zod';

/**
 * Every option, its default and its meaning. `conexizan.example.toml` at the
 * server's root mirrors this file; the environment variables in env.ts
 * override the file.
 */
const port = z.number().int().min(0).max(65535);
const contactUris = z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/, 'expected URIs such as mailto:abuse@example.org or xmpp:admin@example.org')).default([]);

export const configSchema = z.strictObject({
  /** the XMPP domain this server hosts */
  domain: z.string().min(1, 'must not be empty').default('localhost'),
  /** where the SQLite database, the generated certificate and other state live */
  data_dir: z.string().min(1, 'must not be empty').default('./data'),
  /** empty: embedded SQLite in data_dir; postgres://… selects PostgreSQL */
  database_url: z.string().default(''),
  /** listen address for every listener */
  bind: z.string().min(1, 'must not be empty').default('0.0.0.0'),
  /**
   * listen address of the plain (unencrypted) HTTP listener, which carries XMPP over WebSocket and BOSH and file
   * uploads: empty = `bind` when that is a loopback address, else 127.0.0.1, so logins never cross the network
   * in the clear (use https, or a TLS-terminating reverse proxy on this machine); set it to serve plain HTTP elsewhere
   */
  http_bind: z.string().default(''),
  /** open: anyone may register in-band; invite: only with an invitation; closed: only `conexizan user add` */
  registration: z.enum(['open', 'invite', 'closed']).default('open'),
  /** the built web client served at `/` over HTTP(S); empty: apps/web/dist of this checkout, if built */
  web_root: z.string().default(''),
  /** bare JIDs of the operators who may run the XEP-0133 administration commands (XEP-0050) */
  admins: z.array(z.string().regex(/^[^@/\s]+@[^@/\s]+$/, 'expected bare JIDs such as admin@example.org')).default([]),
  /**
   * reverse proxies / load balancers (addresses or CIDR ranges) whose word on the client's address is believed:
   * a PROXY protocol header (v1 or v2) on the c2s ports, X-Forwarded-For/-Proto (or Forwarded) on the HTTP ports.
   * None by default, not even this machine: a trusted peer's c2s connections are first read for a PROXY
   * header, and any local program could name any address. A reverse proxy beside the server is listed here.
   */
  trusted_proxies: z.array(z.string().regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, 'expected addresses or CIDR ranges such as 10.0.0.0/8')).default([]),

  ports: z.strictObject({
    c2s: port.default(5222),
    c2s_tls: port.default(5223),
    /** federation (server-to-server, STARTTLS); 0: no federation at all */
    s2s: port.default(5269),
    /** federation with TLS from the first byte (XEP-0368, `_xmpps-server` SRV records); 0: off */
    s2s_tls: port.default(0),
    http: port.default(5280),
    https: port.default(5281),
    /** external components (XEP-0114); 0: off */
    component: port.default(0),
    /** SOCKS5 bytestreams proxy (XEP-0065) served as proxy.<domain>; 0: off */
    proxy65: port.default(0),
  }).prefault({}),

  /** external components (XEP-0114) allowed to connect on ports.component: a subdomain each and its shared secret */
  components: z.array(z.strictObject({
    domain: z.string().min(1),
    secret: z.string().min(1),
  })).default([]),

  /** federation with other XMPP servers (RFC 6120 server-to-server, XEP-0220 dialback, XEP-0178 certificates) */
  s2s: z.strictObject({
    /** TLS on every server-to-server stream; peers without it are refused */
    require_encryption: z.boolean().default(true),
    /** accept only peers whose certificate verifies for their domain (no dialback fallback) */
    require_valid_certificates: z.boolean().default(false),
    /** extra CA certificates (PEM file) trusted for peers, besides the system's */
    ca_file: z.string().default(''),
    /** domains (and their subdomains) never federated with, inbound or outbound; re-read on SIGHUP */
    blocked_domains: z.array(z.string().min(1)).default([]),
    /** if not empty: the only domains (and their subdomains) federated with; re-read on SIGHUP */
    allowed_domains: z.array(z.string().min(1)).default([]),
    /** domain -> "host:port" (STARTTLS) or "tls://host:port" (TLS from the first byte) used instead of DNS, for private deployments */
    hosts: z.record(z.string(), z.string().regex(/^(tls:\/\/)?(\[[0-9A-Fa-f:.]+\]|[^:/\s]+)(:\d{1,5})?$/, 'expected host:port or tls://host:port')).default({}),
    /** time to open a TCP connection to one address of a peer */
    connect_timeout_seconds: z.number().int().min(1).default(10),
    /** further connection attempts (with backoff) before waiting stanzas bounce */
    retries: z.number().int().min(0).max(10).default(2),
    /** a stanza that waited this long for its connection bounces with remote-server-timeout */
    queue_timeout_seconds: z.number().int().min(1).default(60),
    /** stanzas waiting per remote domain while its connection is set up */
    queue_stanzas: z.number().int().min(1).default(1000),
    /** streams without traffic for this long are closed */
    idle_seconds: z.number().int().min(10).default(600),
    /** use one connection both ways with peers that offer it (XEP-0288 bidirectional streams) */
    bidi: z.boolean().default(true),
    /** stanzas per second accepted from one remote domain (all its streams); faster peers are paused */
    stanzas_per_second: z.number().int().min(1).default(200),
  }).prefault({}),

  /** the SOCKS5 bytestreams proxy (XEP-0065), when ports.proxy65 is set */
  proxy65: z.strictObject({
    /** the host clients connect to; empty: the bind address (or the domain when binding to every address) */
    host: z.string().default(''),
    /** transfers relayed at once */
    max_transfers: z.number().int().min(1).default(16),
    /** a connection with no data in either direction for this long is closed */
    idle_seconds: z.number().int().min(1).default(60),
    /** bytes relayed per transfer, both directions together */
    max_bytes: z.number().int().min(1).default(104_857_600),
  }).prefault({}),

  tls: z.strictObject({
    /** PEM certificate chain; empty: a self-signed one is made in data_dir on first start */
    cert: z.string().default(''),
    /** PEM private key belonging to cert */
    key: z.string().default(''),
  }).prefault({}),

  limits: z.strictObject({
    /** largest stanza (bytes) a client may send; bigger ones end the stream with policy-violation */
    max_stanza_bytes: z.number().int().min(4096).default(262_144),
    /** time a connection may take to authenticate */
    unauthenticated_seconds: z.number().int().min(1).default(30),
    /** bytes a connection may send before it authenticates */
    unauthenticated_bytes: z.number().int().min(4096).default(65_536),
    /** connections one address may hold open before they authenticate (or, over HTTP, send a request); TLS handshakes and first requests must come within unauthenticated_seconds */
    unauthenticated_connections_per_address: z.number().int().min(1).default(32),
    /** a stanza whose sending stops half-way for this long ends the stream (connection-timeout) */
    stanza_idle_seconds: z.number().int().min(1).default(60),
    /** bytes per second a client may send once authenticated; faster senders are paused, not cut off */
    bytes_per_second: z.number().int().min(1024).default(262_144),
    /** connected resources per account */
    resources_per_account: z.number().int().min(1).default(20),
    /** offline messages kept per user (XEP-0160) */
    offline_messages: z.number().int().min(0).default(1000),
    /** JIDs a user may block (XEP-0191) */
    blocklist_items: z.number().int().min(1).default(1000),
    /** in-band registrations allowed per source address per hour (counted in memory; in a cluster, in Redis for all nodes) */
    registrations_per_hour: z.number().int().min(0).default(5),
    /** failed logins one source address may have in a burst; it earns one more a minute (counted in memory; in a cluster, in Redis for all nodes) */
    failed_logins_per_address: z.number().int().min(1).default(10),
    /** SASL exchanges one address may run at once; more wait their turn (up to 10 s) */
    concurrent_logins_per_address: z.number().int().min(1).default(3),
    /** failed logins against one account, from addresses it was never used from, before each further one is held back a second */
    failed_logins_per_account: z.number().int().min(1).default(10),
    /** how long a session whose connection dropped waits to be resumed (XEP-0198) */
    resume_seconds: z.number().int().min(0).max(86_400).default(300),
    /** unacknowledged stanzas kept per session (XEP-0198); a client this far behind is disconnected */
    unacked_stanzas: z.number().int().min(10).default(5000),
  }).prefault({}),

  accounts: z.strictObject({
    /** PBKDF2 iteration count for new SCRAM credentials (as Prosody; RFC 7677 asks for at least 4096); existing ones keep theirs */
    scram_iterations: z.number().int().min(4096).max(1_000_000).default(10_000),
    /** a deleted account's name stays reserved this many days */
    reserve_deleted_days: z.number().int().min(0).default(30),
    /** shortest password accepted */
    min_password_length: z.number().int().min(1).default(8),
    /**
     * who must give the current password to change it (XEP-0077 change-password form):
     * web (sessions over WebSocket or BOSH, i.e. browsers), always, never
     */
    password_change_needs_current: z.enum(['web', 'always', 'never']).default('web'),
    /** a suspended account (and everything it stored) is deleted this many days after its suspension; 0: kept until an operator acts */
    suspended_keep_days: z.number().int().min(0).default(90),
  }).prefault({}),

  /** how open registration (`registration = "open"`) is slowed and which names it refuses */
  registration_policy: z.strictObject({
    /** an in-band registration is answered no sooner than this many seconds after its stream began (bots pay in time; people barely notice) */
    delay_seconds: z.number().int().min(0).max(120).default(0),
    /** names nobody may register in-band, besides admin, abuse, support, postmaster, hostmaster, webmaster, root, security, noc, info, abuse-reports (operators may still create them) */
    reserved_names: z.array(z.string().min(1)).default([]),
    /** the admins get a list of new accounts every this many hours (nothing when there were none); 0: no digest */
    digest_hours: z.number().int().min(0).max(24 * 30).default(24),
  }).prefault({}),

  /** abuse reports (XEP-0377) */
  reports: z.strictObject({
    /** reports one user may send per hour; more are refused with resource-constraint, the block with them, so the reporter knows */
    per_hour: z.number().int().min(1).default(10),
    /** reports forwarded by other servers (their `report-origin` processing): none, only from trusted_servers, or from any */
    from_other_servers: z.enum(['none', 'trusted', 'any']).default('none'),
    /** the servers whose forwarded reports are accepted when from_other_servers = "trusted" */
    trusted_servers: z.array(z.string().min(1)).default([]),
    /** reports forwarded by other servers per hour, all servers together */
    remote_per_hour: z.number().int().min(1).default(30),
    /** closed reports are deleted this many days after they were closed */
    keep_closed_days: z.number().int().min(1).default(90),
  }).prefault({}),

  /** the audit log of operator actions (who, what, when; never an address) */
  audit: z.strictObject({
    /** entries are deleted this many days after they were written */
    retention_days: z.number().int().min(1).default(365),
  }).prefault({}),

  server: z.strictObject({
    /** answer XEP-0092 software version queries */
    show_version: z.boolean().default(true),
  }).prefault({}),

  upload: z.strictObject({
    /** offer HTTP file upload (XEP-0363) on the HTTP(S) listeners */
    enabled: z.boolean().default(true),
    /** where uploaded files are kept; empty: data_dir/uploads */
    path: z.string().default(''),
    /** the HTTP(S) listener as clients reach it, e.g. https://chat.example.org; empty: https://<domain>:<https port> */
    public_url: z.string().default(''),
    /** largest file one slot may hold */
    max_file_bytes: z.number().int().min(1).default(52_428_800),
    /** bytes of files (and open slots) one account may have stored at once; 0: no limit */
    quota_bytes: z.number().int().min(0).default(524_288_000),
    /** files are deleted this many days after upload; 0: kept until the account is deleted */
    expire_days: z.number().int().min(0).default(30),
  }).prefault({}),

  turn: z.strictObject({
    /** STUN/TURN server announced to clients (XEP-0215); empty: none */
    host: z.string().default(''),
    /** its STUN/TURN port (UDP and TCP) */
    port: port.default(3478),
    /** its TURN-over-TLS port; 0: not offered */
    tls_port: port.default(5349),
    /** coturn's static-auth-secret (REST API credentials); empty: STUN only */
    secret: z.string().default(''),
    /** how long handed-out TURN credentials stay valid */
    ttl_seconds: z.number().int().min(60).max(604_800).default(86_400),
  }).prefault({}),

  /** XEP-0157 contact addresses (mailto:, xmpp:, https: URIs) shown in the server's disco#info */
  contact: z.strictObject({
    abuse: contactUris,
    admin: contactUris,
    feedback: contactUris,
    sales: contactUris,
    security: contactUris,
    support: contactUris,
  }).prefault({}),

  /** the message archive (XEP-0313) */
  archive: z.strictObject({
    /** what is archived for users who never chose (XEP-0441): always | roster (contacts only) | never */
    default_preference: z.enum(['always', 'roster', 'never']).default('always'),
    /** archived messages are deleted this many days after they arrived */
    retention_days: z.number().int().min(1).max(3650).default(7),
  }).prefault({}),

  /** group chat (XEP-0045) as conference.<domain>, with room archives (XEP-0313) kept for archive.retention_days */
  muc: z.strictObject({
    enabled: z.boolean().default(true),
    /** the service's JID; empty: conference.<domain> */
    domain: z.string().default(''),
    /** its name in service discovery */
    name: z.string().min(1).default('Group chats'),
    /** who may create rooms: everyone (also people from other servers), local (this server's users), admins */
    room_creation: z.enum(['everyone', 'local', 'admins']).default('everyone'),
    /** people in one room at once (the room's own maximum may be lower) */
    max_occupants: z.number().int().min(2).max(100_000).default(200),
    /** rooms one person may have created (operators are not limited) */
    max_rooms_per_user: z.number().int().min(1).default(20),
    /** rooms on the whole service */
    max_rooms: z.number().int().min(1).default(10_000),
    /** messages one occupant may send per minute on average, and in one burst */
    messages_per_minute: z.number().int().min(1).default(60),
    message_burst: z.number().int().min(1).default(10),
    /** recent messages a room keeps for people entering (the most a client may ask for) */
    history_size: z.number().int().min(0).max(1000).default(50),
    /** how many of them a client gets when it does not say */
    default_history: z.number().int().min(0).max(1000).default(20),
    /** new rooms keep an archive (the owner can switch it off) */
    archive_by_default: z.boolean().default(true),
    /** new rooms outlive their last occupant (the owner decides in the configuration form) */
    default_persistent: z.boolean().default(true),
    /** new rooms are listed in the service's directory */
    default_public: z.boolean().default(true),
  }).prefault({}),

  /** stopping (SIGTERM, `conexizan drain`): listeners close at once and every client is told to go elsewhere */
  shutdown: z.strictObject({
    /** the process exits at most this long after SIGTERM, whatever the clients do (keep it below the platform's own limit) */
    grace_seconds: z.number().int().min(2).max(3600).default(20),
    /**
     * host:port of another node of this service: TCP clients are sent there with the stream error
     * see-other-host (RFC 6120 §4.9.3.19) instead of system-shutdown; empty: system-shutdown
     */
    see_other_host: z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[^:/\s[\]]+)(:\d{1,5})?$/, 'expected host or host:port').or(z.literal('')).default(''),
  }).prefault({}),

  /** the public website at / (what the service is, its rules and privacy statement, apps, invitation pages) and the web client at /chat/ */
  website: z.strictObject({
    /** serve the website; false: only the web client and the XMPP endpoints answer over HTTP */
    enabled: z.boolean().default(true),
    /** the service's name on its pages; empty: the domain */
    name: z.string().default(''),
    /** where people open the website, e.g. https://chat.example.org (used in invitation links); empty: https://<domain>:<https port> */
    public_url: z.string().default(''),
    /** the source of the running version (AGPL §13); empty: the server offers its own source at /source/ */
    source_url: z.string().default(''),
  }).prefault({}),

  log: z.strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** auto: human-readable on a terminal, JSON otherwise */
    format: z.enum(['auto', 'json', 'pretty']).default('auto'),
  }).prefault({}),

  metrics: z.strictObject({
    /** empty: /metrics answers loopback clients only; otherwise it needs "Authorization: Bearer <token>" */
    token: z.string().default(''),
  }).prefault({}),

  /** several processes (nodes) serving this one domain; see "Running several nodes" in the README */
  cluster: z.strictObject({
    /**
     * redis://[:password@]host:port[/db] or rediss://… of the Redis the nodes share for what is live (sessions,
     * routing between nodes, rooms' placement, login counters); empty: one process, no Redis. Needs PostgreSQL
     */
    redis_url: z.string().regex(/^(rediss?:\/\/\S+)?$/, 'expected redis://[:password@]host:port or rediss://…').default(''),
    /** this node's name, different on every node; empty: the machine's host name */
    node_id: z.string().regex(/^([A-Za-z0-9][A-Za-z0-9._-]{0,62})?$/, 'expected letters, digits, dots, dashes or underscores (at most 63)').default(''),
    /** a node that has not renewed its lease in Redis for this long is taken for dead: its sessions go, its rooms move */
    node_timeout_seconds: z.number().int().min(2).max(120).default(5),
  }).prefault({}),
}).superRefine((config, context) => {
  if (config.cluster.redis_url && !/^postgres(ql)?:\/\//.test(config.database_url)) {
    context.addIssue({
      code: 'custom',
      path: ['cluster', 'redis_url'],
      message: 'cluster mode needs PostgreSQL: set database_url (CONEXIZAN_DATABASE_URL) to a postgresql:// URL that every node shares (SQLite belongs to one process)',
    });
  }
});

export type Config = z.infer<typeof configSchema>;
