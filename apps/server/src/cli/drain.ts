import type { Config } from '../config/schema.ts';
import { ControlUnreachable, controlRequest } from './control-client.ts';

/**
 * `conexizan drain`: tells the server running with this configuration to
 * stop taking client connections and move its clients away (as SIGTERM
 * does, but the process stays up until it is stopped), and returns once it
 * has. Meant for a Kubernetes preStop hook or a rolling restart. It asks
 * over the control channel (control-client.ts): the HTTP listener on this
 * machine, with the control token the server keeps in its data directory,
 * so only someone who may read that directory can drain the node.
 */
export async function runDrain(config: Config): Promise<number> {
  if (!config.ports.http) {
    process.stderr.write('conexizan drain: needs the http listener (ports.http is 0)\n');
    return 1;
  }
  let response;
  try {
    response = await controlRequest(config, 'POST', '/drain', undefined, undefined, (config.shutdown.grace_seconds + 5) * 1000);
  } catch (error) {
    if (!(error instanceof ControlUnreachable)) throw error;
    process.stderr.write(`conexizan drain: ${error.message}\n`);
    return 1;
  }
  if (!response) {
    process.stderr.write(`conexizan drain: no server answers with this configuration (data_dir ${config.data_dir}): is it running?\n`);
    return 1;
  }
  const body = response.body.trim();
  if (response.status !== 200) {
    process.stderr.write(`conexizan drain: the server refused (${response.status}): ${body}\n`);
    return 1;
  }
  const { sessions } = JSON.parse(body) as { sessions: number };
  process.stdout.write(`drained: no new client connections; ${sessions} session(s) still open\n`);
  return 0;
}
