import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from './free-port.ts';
import { sleep } from './wait.ts';

/**
 * A real Redis (Debian's redis-server 7, installed by
 * scripts/install-test-deps.sh) for one test file: its own loopback address
 * and a free port, a password, nothing saved to disk. `restart` stops it
 * and starts it again on the same address (an empty Redis, as after a crash
 * without persistence); `stop` ends it for good.
 */
export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisInstance {
  readonly address: string;
  readonly port: number;
  readonly password: string;
  /** redis://:password@address:port */
  readonly url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function redisProblem(): string | null {
  return existsSync(REDIS_SERVER) ? null : 'redis-server is not installed (run scripts/install-test-deps.sh as root)';
}

export async function startRedis(options: { address: string }): Promise<RedisInstance> {
  const problem = redisProblem();
  if (problem) throw new Error(problem);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'conexizan-redis-'));
  let child: ChildProcess | null = null;
  let output = '';

  const start = async () => {
    output = '';
    const args = ['--bind', options.address, '--port', String(port), '--requirepass', password, '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
    const process_ = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    process_.stdout?.setEncoding('utf8').on('data', (data: string) => (output += data));
    process_.stderr?.setEncoding('utf8').on('data', (data: string) => (output += data));
    child = process_;
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(options.address, port, password))) {
      if (process_.exitCode !== null) throw new Error(`redis-server exited with ${process_.exitCode}:\n${output}`);
      if (Date.now() > deadline) {
        process_.kill('SIGKILL'); // not left running behind a failed test file
        throw new Error(`redis-server did not answer on ${options.address}:${port}:\n${output}`);
      }
      await sleep(50);
    }
  };
  const end = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    address: options.address,
    port,
    password,
    url: `redis://:${password}@${options.address}:${port}`,
    async restart() {
      await end();
      await start();
    },
    async stop() {
      await end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** AUTH and PING in Redis's own protocol, without a client library. */
function answersPing(host: string, port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    socket.on('data', (data) => {
      reply += data.toString();
      if (reply.includes('+PONG')) done(true);
      else if (reply.includes('-')) done(false);
    });
  });
}
