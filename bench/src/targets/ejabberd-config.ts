/**
 * ejabberd 23.01's configuration (YAML) for the benchmark: c2s with STARTTLS
 * and with direct TLS, WebSocket over HTTPS, SCRAM-SHA-1 credentials (its
 * scram.erl uses 4096 iterations, not configurable in 23.01), and a plain HTTP
 * API listener on the loopback address for provisioning (mod_http_api:
 * `register`, `add_rosteritem`). JSON is valid YAML, so values are quoted with
 * JSON.stringify. Listen backlogs are 511 on every server, Node's default,
 * so that a login storm is not throttled by SYN retransmits on one of them.
 */
export interface EjabberdPorts {
  c2s: number;
  c2sDirectTls: number;
  https: number;
  api: number;
}

export interface EjabberdConfigInput {
  host: string;
  domain: string;
  ports: EjabberdPorts;
  /** certificate and key in one PEM file */
  pemFile: string;
  archive: boolean;
  /** SQLite file for the archive (needs erlang-p1-sqlite3); null: Mnesia */
  archiveSqlite: string | null;
}

/** ejabberd's own fixed SCRAM iteration count (ejabberd 23.01, src/scram.erl). */
export const EJABBERD_SCRAM_ITERATIONS = 4096;

/** Modules of a typical chat server (as in ejabberd's example config), minus s2s, registration and MUC. */
export const EJABBERD_MODULES = ['mod_roster', 'mod_disco', 'mod_carboncopy', 'mod_caps', 'mod_pubsub', 'mod_private', 'mod_blocking', 'mod_privacy', 'mod_vcard', 'mod_version', 'mod_time', 'mod_ping', 'mod_offline', 'mod_admin_extra', 'mod_http_api'];

export function ejabberdConfig(c: EjabberdConfigInput): string {
  const q = JSON.stringify;
  const modules = EJABBERD_MODULES.map((m) => `  ${m}: ${m === 'mod_pubsub' ? '{plugins: [flat, pep]}' : '{}'}`);
  if (c.archive) modules.push(`  mod_mam: {default: always, db_type: ${c.archiveSqlite ? 'sql' : 'mnesia'}}`);
  const sql = c.archive && c.archiveSqlite ? `sql_type: sqlite\nsql_database: ${q(c.archiveSqlite)}\n` : '';
  return `# written by the Conexizan benchmark; loopback only, removed after the run
hosts: [${q(c.domain)}]
loglevel: warning
log_rotate_count: 0
certfiles: [${q(c.pemFile)}]
auth_method: internal
auth_password_format: scram
auth_scram_hash: sha
s2s_access: none
${sql}listen:
  - {port: ${c.ports.c2s}, ip: ${q(c.host)}, module: ejabberd_c2s, starttls_required: true, max_stanza_size: 262144, backlog: 511}
  - {port: ${c.ports.c2sDirectTls}, ip: ${q(c.host)}, module: ejabberd_c2s, tls: true, max_stanza_size: 262144, backlog: 511}
  - port: ${c.ports.https}
    ip: ${q(c.host)}
    module: ejabberd_http
    tls: true
    backlog: 511
    request_handlers: {"/xmpp-websocket": ejabberd_http_ws}
  - port: ${c.ports.api}
    ip: ${q(c.host)}
    module: ejabberd_http
    request_handlers: {"/api": mod_http_api}
api_permissions:
  "bench provisioning on loopback":
    from: [mod_http_api]
    who: {ip: "127.0.0.0/8"}
    what: ["register", "add_rosteritem"]
modules:
${modules.join('\n')}
`;
}
