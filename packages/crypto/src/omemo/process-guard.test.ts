import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('loading OMEMO in Node', () => {
  it('leaves the host process without libsignal\'s uncaughtException/unhandledRejection listeners', () => {
    // A fresh process: vitest's workers have listeners of their own.
    const index = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = `const m = await import(${JSON.stringify(index)}); await m.OmemoAccount.open({ jid: 'a@b', store: new m.MemoryOmemoStore() });
      console.log(JSON.stringify([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')]));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout.trim())).toEqual([0, 0]);
  });
});
