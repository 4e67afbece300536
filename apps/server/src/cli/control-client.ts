import { resolve } from 'node:path';
import { readPersistentSecret } from '../accounts/secrets.ts';
import type { Config } from '../config/schema.ts';
import { plainHttpBind } from '../http/http-server.ts';

/**
 * The command line's side of the control channel (http/control.ts): a
 * request to the server running with this configuration, over its plain
 * HTTP listener on this machine, with the token it keeps in the data
 * directory. `null` means no server answers there (none was ever started
 * with this data directory, or none is listening now), so the command may
 * act on the stored data itself.
 */
export interface ControlResponse {
  status: number;
  body: string;
}

export class ControlUnreachable extends Error {}

export async function controlRequest(config: Config, method: 'GET' | 'POST', path: string, body?: string, contentType = 'application/json', timeoutMs = 10 * 60_000): Promise<ControlResponse | null> {
  if (!config.ports.http) return null;
  const token = readPersistentSecret(resolve(config.data_dir), 'control');
  if (!token) return null;
  const bind = plainHttpBind(config);
  const host = ['0.0.0.0', '::'].includes(bind) ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  try {
    const response = await fetch(`http://${host}:${config.ports.http}${path}`, {
      method,
      headers: { authorization: `Bearer ${Buffer.from(token).toString('hex')}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    // Nobody listens: the server is not running.
    if (code === 'ECONNREFUSED') return null;
    throw new ControlUnreachable(`cannot reach the server at ${host}:${config.ports.http} (${code ?? (error as Error).message})`);
  }
}
