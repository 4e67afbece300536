import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestServer } from './test-server.ts';

/**
 * The `conexizan` command as an operator runs it: its own process, with a
 * config file naming the same domain, data directory and ports as a test
 * server, so that it finds the running server (its control channel) or,
 * with the server stopped, its stored data.
 */
const COMMAND = fileURLToPath(new URL('../../bin/conexizan.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Writes conexizan.toml beside the server's data and returns its path. */
export function cliConfigFor(server: TestServer, extra = ''): string {
  const file = join(server.dataDir, 'conexizan.toml');
  writeFileSync(
    file,
    `domain = "${server.domain}"\ndata_dir = "${server.dataDir}"\nbind = "127.0.0.1"\n${extra}\n[ports]\nc2s = ${server.ports.c2s}\nhttp = ${server.ports.http}\nhttps = ${server.ports.https}\ns2s = 0\n`,
  );
  return file;
}

/** Runs `conexizan --config FILE args…`, with `input` on standard input if given. */
export function conexizan(configFile: string, args: string[], input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COMMAND, '--config', configFile, ...args], {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, CONEXIZAN_CONFIG: undefined },
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
    if (input !== undefined) child.stdin!.end(input);
  });
}
