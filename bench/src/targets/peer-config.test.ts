import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ejabberdConfig } from './ejabberd-config.ts';
import { accountFile, datamanagerEncode, prosodyConfig, rosterFile, scramSha1Keys } from './prosody-config.ts';

const ports = { c2s: 15222, c2sDirectTls: 15223, http: 15280, https: 15281 };
const input = { dir: '/tmp/p', host: '127.0.0.12', domain: 'localhost', ports, certFile: '/tmp/c/localhost.crt', keyFile: '/tmp/c/localhost.key', scramIterations: 4096, archive: true, archiveStore: 'sqlite' as const };

describe('Prosody setup', () => {
  it('derives SCRAM-SHA-1 keys that verify the RFC 5802 §5 example exchange', () => {
    const salt = Buffer.from('QSXCR+Q6sek8bf92', 'base64');
    const { serverKey } = scramSha1Keys('pencil', salt, 4096);
    const authMessage =
      'n=user,r=fyko+d2lbbFgONRv9qkxdawL,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096,c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j';
    const serverSignature = createHmac('sha1', Buffer.from(serverKey, 'hex')).update(authMessage).digest('base64');
    expect(serverSignature).toBe('rmF9pqV8S7suAoZWja4dJRkFsKQ=');
  });

  it('listens only on its loopback address, with direct TLS, the shared certificate and the iteration count', () => {
    const config = prosodyConfig(input);
    expect(config).toContain('interfaces = { "127.0.0.12" }');
    expect(config).toContain('c2s_direct_tls_ports = { 15223 }');
    expect(config).toContain('default_iteration_count = 4096');
    expect(config).toContain('certificate = "/tmp/c/localhost.crt"');
    expect(config).toContain('modules_disabled = { "s2s" }');
    expect(config).toMatch(/modules_enabled = \{[^}]*"mam"/);
    expect(prosodyConfig({ ...input, archive: false })).not.toContain('"mam"');
    expect(config).toContain('storage = { archive = "sql" }');
    expect(config).toContain('driver = "SQLite3"');
  });

  it('writes storage files the way util.datamanager names and reads them', () => {
    expect(datamanagerEncode('bench000001')).toBe('bench000001');
    expect(datamanagerEncode('example.com')).toBe('example%2ecom');
    expect(accountFile({ storedKey: 'aa', serverKey: 'bb' }, 'salt', 4096)).toBe('return {\n\t["iteration_count"] = 4096;\n\t["salt"] = "salt";\n\t["server_key"] = "bb";\n\t["stored_key"] = "aa";\n};\n');
    expect(rosterFile(['a@localhost'])).toContain('["a@localhost"] = { ["subscription"] = "both";');
  });
});

describe('ejabberd setup', () => {
  const config = (archive: boolean) => ejabberdConfig({ host: '127.0.0.13', domain: 'localhost', ports: { c2s: 1, c2sDirectTls: 2, https: 3, api: 4 }, pemFile: '/tmp/e/cert.pem', archive, archiveSqlite: archive ? '/tmp/e/ejabberd.db' : null });

  it('stores SCRAM-SHA-1 and listens only on its loopback address', () => {
    const yml = config(true);
    expect(yml).toContain('auth_password_format: scram');
    expect(yml).toContain('auth_scram_hash: sha');
    expect(yml.match(/ip: "127\.0\.0\.13"/g)).toHaveLength(4);
    expect(yml).toContain('tls: true');
  });

  it('archives only when asked, and lets provisioning through on loopback only', () => {
    expect(config(true)).toContain('mod_mam: {default: always, db_type: sql}');
    expect(config(true)).toContain('sql_type: sqlite');
    expect(config(false)).not.toContain('mod_mam');
    expect(config(false)).toContain('who: {ip: "127.0.0.0/8"}');
    expect(config(false)).toContain('what: ["register", "add_rosteritem"]');
  });
});

describe('a peer that is not installed', () => {
  it('is reported as not measured, with the reason, when installing is not allowed', async () => {
    const { PEER_PACKAGES, ensurePeerInstalled } = await import('./peers.ts');
    PEER_PACKAGES['absent-server'] = { binary: '/nonexistent/bin/absent-server', packages: ['absent-server-package'] };
    const log: string[] = [];
    expect(ensurePeerInstalled('absent-server', false, (t) => log.push(t))).toBe('absent-server-package is not installed (and --no-install was given)');
    expect(log).toEqual([]); // nothing was attempted
    delete PEER_PACKAGES['absent-server'];
  });
});
