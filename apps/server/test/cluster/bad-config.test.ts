import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/free-port.ts';
import { postgresUrlForTests } from '../support/cluster.ts';
import { startRedis, type RedisInstance } from '../support/redis.ts';

/**
 * Cluster mode refuses to start on a configuration that cannot work, with
 * one line that says what to fix (and never the password): a wrong Redis
 * password, no password, a Redis that is not there, SQLite instead of
 * PostgreSQL. `conexizan check` reports the same.
 */
const COMMAND = fileURLToPath(new URL('../../bin/conexizan.mjs', import.meta.url));
const ADDRESS = '127.0.0.54';
const postgresUrl = postgresUrlForTests();

let redis: RedisInstance;
let dir: string;

beforeAll(async () => {
  redis = await startRedis({ address: ADDRESS });
  dir = mkdtempSync(join(tmpdir(), 'conexizan-cluster-config-'));
});

afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], toml: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, toml);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [COMMAND, '--config', file, ...args], { env: { ...process.env, CONEXIZAN_CONFIG: undefined, ...env } });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function nodeToml(redisUrl: string, databaseUrl: string): Promise<string> {
  const [c2s, http] = (await freePorts(2)) as [number, number];
  return [
    'domain = "localhost"',
    `data_dir = "${join(dir, 'data')}"`,
    `database_url = ${JSON.stringify(databaseUrl)}`,
    `bind = "${ADDRESS}"`,
    '[ports]',
    `c2s = ${c2s}`,
    'c2s_tls = 0',
    's2s = 0',
    `http = ${http}`,
    'https = 0',
    '[cluster]',
    `redis_url = ${JSON.stringify(redisUrl)}`,
    'node_id = "config-test"',
    '',
  ].join('\n');
}

const otherUrl = (password: string) => `redis://:${password}@${ADDRESS}:${redis.port}`;

describe.skipIf(!postgresUrl)('a node that cannot join its cluster', () => {
  it('stops with one line naming the option when the Redis password is wrong, and never shows it', async () => {
    const { code, output } = await run(['serve'], await nodeToml(otherUrl('not-the-password'), postgresUrl!));
    expect(code).toBe(1);
    expect(output.trim()).toBe(`conexizan: Redis at ${ADDRESS}:${redis.port} refused the password in cluster.redis_url (CONEXIZAN_REDIS_URL)`);
    expect(output).not.toContain('not-the-password');
  });

  it('says that a password is needed when the URL has none', async () => {
    const { code, output } = await run(['serve'], await nodeToml(`redis://${ADDRESS}:${redis.port}`, postgresUrl!));
    expect(code).toBe(1);
    expect(output.trim()).toBe(`conexizan: Redis at ${ADDRESS}:${redis.port} needs a password: give it in cluster.redis_url as redis://:PASSWORD@${ADDRESS}:${redis.port}`);
  });

  it('says nothing listens when Redis is not there (CONEXIZAN_REDIS_URL overrides the file)', async () => {
    const [unused] = (await freePorts(1)) as [number];
    const { code, output } = await run(['serve'], await nodeToml(redis.url, postgresUrl!), { CONEXIZAN_REDIS_URL: `redis://:x@${ADDRESS}:${unused}` });
    expect(code).toBe(1);
    expect(output.trim()).toBe(`conexizan: cannot reach Redis at ${ADDRESS}:${unused}: connection refused (cluster.redis_url, CONEXIZAN_REDIS_URL)`);
  });

  it('refuses SQLite in cluster mode', async () => {
    const { code, output } = await run(['serve'], await nodeToml(redis.url, ''));
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      'conexizan: invalid option cluster.redis_url (or CONEXIZAN_REDIS_URL): cluster mode needs PostgreSQL: set database_url (CONEXIZAN_DATABASE_URL) to a postgresql:// URL that every node shares (SQLite belongs to one process)',
    );
  });

  it('conexizan check reports a wrong password as a problem and a working Redis as ok', async () => {
    const wrong = await run(['check'], await nodeToml(otherUrl('wrong'), postgresUrl!));
    expect(wrong.code).toBe(1);
    expect(wrong.output).toContain(`PROBLEM  cluster: Redis at ${ADDRESS}:${redis.port} refused the password in cluster.redis_url (CONEXIZAN_REDIS_URL)`);
    const right = await run(['check'], await nodeToml(redis.url, postgresUrl!));
    expect(right.output).toMatch(new RegExp(`ok {7}cluster: Redis \\d+\\.[0-9.]+ at ${ADDRESS.replace(/\./g, '\\.')}:${redis.port} reachable; node id config-test; 0 other node\\(s\\) alive`));
    expect(right.output).not.toContain(redis.password);
  });
});
