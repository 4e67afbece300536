import { resolve } from 'node:path';
import { readPersistentSecret } from '../accounts/secrets.ts';
import type { Config } from '../config/schema.ts';

/**
 * `conexizan drain`: tells the server running with this configuration to
 * stop taking client connections and move its clients away (as SIGTERM
 * does, but the process stays up until it is stopped), and returns once it
 * has. Meant for a Kubernetes preStop hook or a rolling restart. It asks
 * over the HTTP listener from this machine, with the control token the
 * server keeps in its data directory, so only someone who may read that
 * directory can drain the node.
 */
export async function runDrain(config: Config): Promise<number> {
  if (!config.ports.http) {
    process.stderr.write('conexizan drain: needs the http listener (ports.http is 0)\n');
    return 1;
  }
  const dataDir = resolve(config.data_dir);
  const token = readPersistentSecret(dataDir, 'control');
  if (!token) {
    process.stderr.write(`conexizan drain: no control token in ${dataDir}/secrets: is a server running with this data_dir?\n`);
    return 1;
  }
  const host = ['0.0.0.0', '::'].includes(config.bind) ? '127.0.0.1' : config.bind.includes(':') ? `[${config.bind}]` : config.bind;
  let response: Response;
  try {
    response = await fetch(`http://${host}:${config.ports.http}/drain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${Buffer.from(token).toString('hex')}` },
      signal: AbortSignal.timeout((config.shutdown.grace_seconds + 5) * 1000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    process.stderr.write(`conexizan drain: cannot reach the server at ${host}:${config.ports.http} (${cause})\n`);
    return 1;
  }
  const body = (await response.text()).trim();
  if (!response.ok) {
    process.stderr.write(`conexizan drain: the server refused (${response.status}): ${body}\n`);
    return 1;
  }
  const { sessions } = JSON.parse(body) as { sessions: number };
  process.stdout.write(`drained: no new client connections; ${sessions} session(s) still open\n`);
  return 0;
}
