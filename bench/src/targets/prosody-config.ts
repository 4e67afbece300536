import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

/**
 * Prosody 0.12's configuration and its internal storage files, written by the
 * bench instead of through prosodyctl (a Lua process per account would take
 * minutes at 10k accounts). The formats are those of mod_storage_internal
 * (util.datamanager: a Lua chunk returning a table per user and store) and
 * mod_auth_internal_hashed (SCRAM-SHA-1 StoredKey/ServerKey in hex, the salt
 * as a plain string, the iteration count).
 */
export interface ProsodyPorts {
  c2s: number;
  c2sDirectTls: number;
  http: number;
  https: number;
}

export interface ProsodyConfigInput {
  dir: string;
  host: string;
  domain: string;
  ports: ProsodyPorts;
  certFile: string;
  keyFile: string;
  scramIterations: number;
  archive: boolean;
  /** where the archive lives: SQLite through mod_storage_sql (needs lua-dbi-sqlite3), or the internal files */
  archiveStore: 'sqlite' | 'internal';
}

/** Modules of a typical chat server (Debian's example configuration), minus s2s and registration. */
export const PROSODY_MODULES = ['roster', 'saslauth', 'tls', 'disco', 'carbons', 'pep', 'private', 'blocklist', 'vcard4', 'vcard_legacy', 'version', 'uptime', 'time', 'ping', 'websocket'];

const lua = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function prosodyConfig(c: ProsodyConfigInput): string {
  const modules = [...PROSODY_MODULES, ...(c.archive ? ['mam'] : [])];
  const ssl = `{ certificate = ${lua(c.certFile)}; key = ${lua(c.keyFile)}; }`;
  return `-- written by the Conexizan benchmark; loopback only, removed after the run
daemonize = false
run_as_root = true
pidfile = ${lua(`${c.dir}/prosody.pid`)}
data_path = ${lua(`${c.dir}/data`)}
log = { { levels = { min = "warn" }, to = "file", filename = ${lua(`${c.dir}/prosody.log`)} } }

interfaces = { ${lua(c.host)} }
local_interfaces = { ${lua(c.host)} }
c2s_ports = { ${c.ports.c2s} }
c2s_direct_tls_ports = { ${c.ports.c2sDirectTls} }
s2s_ports = { }
http_ports = { ${c.ports.http} }
http_interfaces = { ${lua(c.host)} }
https_ports = { ${c.ports.https} }
https_interfaces = { ${lua(c.host)} }
certificates = ${lua(c.certFile.slice(0, c.certFile.lastIndexOf('/')) || '.')}
ssl = ${ssl}
https_certificates = ${lua(c.certFile.slice(0, c.certFile.lastIndexOf('/')) || '.')}
ssl = ${ssl}
c2s_direct_tls_certificates = ${lua(c.certFile.slice(0, c.certFile.lastIndexOf('/')) || '.')}
ssl = ${ssl}

network_settings = { tcp_backlog = 511 } -- as Node's default, so a login storm queues alike
c2s_require_encryption = true
authentication = "internal_hashed"
default_iteration_count = ${c.scramIterations}
${c.archiveStore === 'sqlite' ? `storage = { archive = "sql" } -- everything else internal\nsql = { driver = "SQLite3", database = ${lua(`${c.dir}/prosody.sqlite`)} }` : 'storage = "internal"'}
allow_registration = false
${c.archive ? 'default_archive_policy = true\narchive_expires_after = "1w"\n' : ''}
modules_enabled = { ${modules.map(lua).join(', ')} }
modules_disabled = { "s2s" }

VirtualHost ${lua(c.domain)}
`;
}

/** util.datamanager's file name encoding: every non-alphanumeric byte as %xx. */
export function datamanagerEncode(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** SCRAM-SHA-1 keys (RFC 5802 §3) for a password; the same salt for all accounts keeps provisioning fast. */
export function scramSha1Keys(password: string, salt: string | Uint8Array, iterations: number): { storedKey: string; serverKey: string } {
  const salted = pbkdf2Sync(password, salt, iterations, 20, 'sha1');
  const clientKey = createHmac('sha1', salted).update('Client Key').digest();
  return {
    storedKey: createHash('sha1').update(clientKey).digest('hex'),
    serverKey: createHmac('sha1', salted).update('Server Key').digest('hex'),
  };
}

export function accountFile(keys: { storedKey: string; serverKey: string }, salt: string, iterations: number): string {
  return `return {\n\t["iteration_count"] = ${iterations};\n\t["salt"] = ${lua(salt)};\n\t["server_key"] = ${lua(keys.serverKey)};\n\t["stored_key"] = ${lua(keys.storedKey)};\n};\n`;
}

/** A roster of mutual subscriptions; the [false] entry holds the roster's metadata. */
export function rosterFile(contactJids: string[]): string {
  const items = contactJids.map((jid) => `\t[${lua(jid)}] = { ["subscription"] = "both"; ["groups"] = { }; };\n`).join('');
  return `return {\n\t[false] = { ["version"] = 1; ["pending"] = { }; };\n${items}};\n`;
}
