import { spawn } from 'node:child_process';

/**
 * Runs a command that ends by itself (a Python script, tsung) and collects
 * what it printed, killed after `timeoutMs`. With `ownGroup` it runs in a
 * process group of its own and the timeout kills the whole group (tsung's
 * Erlang VM is a grandchild).
 */
export interface CommandRun {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  timedOut: boolean;
}

export function runCommand(command: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv; ownGroup?: boolean }): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, detached: options.ownGroup ?? false });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (data: string) => (stdout += data));
    child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data));
    const timer = setTimeout(() => {
      timedOut = true;
      if (options.ownGroup) process.kill(-child.pid!, 'SIGKILL');
      else child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exitCode, timedOut });
    });
  });
}
