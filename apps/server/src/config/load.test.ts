import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';
import { configSchema } from './schema.ts';

const example = fileURLToPath(new URL('../../conexizan.example.toml', import.meta.url));

function tomlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cnx-config-')), 'c.toml');
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('documents every option with its default in conexizan.example.toml', () => {
    expect(loadConfig({ file: example, env: {} })).toEqual(configSchema.parse({}));
  });

  it('lets environment variables override the file', () => {
    const config = loadConfig({ file: tomlFile('domain = "a.example"\n[ports]\nc2s = 1'), env: { CONEXIZAN_DOMAIN: 'b.example', CONEXIZAN_C2S_PORT: '0', CONEXIZAN_REGISTRATION: 'closed' } });
    expect(config.domain).toBe('b.example');
    expect(config.ports.c2s).toBe(0);
    expect(config.registration).toBe('closed');
  });

  it('reads the admins from a comma-separated CONEXIZAN_ADMINS', () => {
    expect(loadConfig({ env: {} }).admins).toEqual([]);
    expect(loadConfig({ env: { CONEXIZAN_ADMINS: 'root@a.example, ops@a.example' } }).admins).toEqual(['root@a.example', 'ops@a.example']);
    expect(() => loadConfig({ env: { CONEXIZAN_ADMINS: 'root@a.example/phone' } })).toThrow(/admins/);
  });

  it('names the option when a value is invalid', () => {
    expect(() => loadConfig({ env: { CONEXIZAN_REGISTRATION: 'sometimes' } })).toThrow(/registration \(or CONEXIZAN_REGISTRATION\)/);
    expect(() => loadConfig({ env: { CONEXIZAN_HTTP_PORT: 'eighty' } })).toThrow(/ports\.http \(CONEXIZAN_HTTP_PORT\)/);
    expect(() => loadConfig({ file: tomlFile('[ports]\nc2s = 70000'), env: {} })).toThrow(/ports\.c2s/);
  });

  it('refuses unknown options and broken files with a clear message', () => {
    expect(() => loadConfig({ file: tomlFile('[limits]\nmax_stanza_byte = 1'), env: {} })).toThrow(/unknown option limits\.max_stanza_byte/);
    expect(() => loadConfig({ file: tomlFile('domain = '), env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file: '/nonexistent/conexizan.toml', env: {} })).toThrow(/does not exist/);
  });

  it('refuses an empty domain with one line naming the variable', () => {
    expect(() => loadConfig({ env: { CONEXIZAN_DOMAIN: '' } })).toThrow(/^invalid option domain \(or CONEXIZAN_DOMAIN\): must not be empty$/);
    // Set but empty is set: it does not fall back to the file's value.
    expect(() => loadConfig({ file: tomlFile('domain = "a.example"'), env: { CONEXIZAN_DOMAIN: '' } })).toThrow(/domain/);
    expect(() => loadConfig({ env: { CONEXIZAN_HTTP_PORT: '' } })).toThrow(/ports\.http \(CONEXIZAN_HTTP_PORT\)/);
    expect(loadConfig({ file: tomlFile('database_url = "postgres://db/x"'), env: { CONEXIZAN_DATABASE_URL: '' } }).database_url).toBe('');
  });

  it('reads NAME_FILE as container secrets arrive, and refuses a secret that is not there', () => {
    const secret = tomlFile('');
    writeFileSync(secret, 'coturn shared secret\n');
    expect(loadConfig({ env: { CONEXIZAN_TURN_SECRET_FILE: secret } }).turn.secret).toBe('coturn shared secret');
    expect(() => loadConfig({ env: { CONEXIZAN_TURN_SECRET_FILE: '/run/secrets/nothing-here' } })).toThrow(/^CONEXIZAN_TURN_SECRET_FILE: cannot read \/run\/secrets\/nothing-here: no such file \(is the secret mounted\?\)$/);
    writeFileSync(secret, '\n');
    expect(() => loadConfig({ env: { CONEXIZAN_TURN_SECRET_FILE: secret } })).toThrow(/is empty/);
    expect(() => loadConfig({ env: { CONEXIZAN_TURN_SECRET_FILE: secret, CONEXIZAN_TURN_SECRET: 'x' } })).toThrow(/both set/);
  });
});
