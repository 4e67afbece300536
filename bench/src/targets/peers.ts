import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The peers (Prosody, ejabberd) come from Debian's packages. If one is
 * missing, the bench installs it (as root, bounded in time); if that fails it
 * says why, and the comparison goes on without that server.
 */
export const PEER_PACKAGES: Record<string, { binary: string; packages: string[] }> = {
  // the SQLite drivers let both keep their archive in SQLite, as Conexizan does
  prosody: { binary: '/usr/bin/prosody', packages: ['prosody', 'lua-unbound', 'lua-dbi-sqlite3'] },
  ejabberd: { binary: '/usr/lib/erlang/bin/erl', packages: ['ejabberd', 'erlang-p1-sqlite3'] },
  // what the nodes of a Conexizan cluster share (--nodes 2 or more)
  redis: { binary: '/usr/bin/redis-server', packages: ['redis-server'] },
};

export function packageVersion(name: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' }).trim() || 'unknown';
  } catch {
    return 'not installed';
  }
}

/** null when the peer can run, else why not. */
export function ensurePeerInstalled(name: string, allowInstall: boolean, log: (text: string) => void): string | null {
  const peer = PEER_PACKAGES[name];
  if (!peer) return `unknown server ${name}`;
  const installed = () => existsSync(peer.binary) && peer.packages.every((p) => packageVersion(p) !== 'not installed');
  if (installed()) return null;
  if (!allowInstall) return `${peer.packages[0]} is not installed (and --no-install was given)`;
  if (process.getuid?.() !== 0) return `${peer.packages[0]} is not installed, and installing it needs root`;
  log(`installing ${peer.packages.join(' ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]) => spawnSync('apt-get', args, { env, encoding: 'utf8', timeout: 10 * 60_000 });
  let result = run(['install', '-y', '--no-install-recommends', ...peer.packages]);
  if (result.status !== 0) {
    run(['update']);
    result = run(['install', '-y', '--no-install-recommends', ...peer.packages]);
  }
  if (result.status !== 0 || !installed()) {
    const why = (result.stderr || result.error?.message || '').trim().split('\n').pop() ?? '';
    return `apt-get install ${peer.packages.join(' ')} failed${why ? `: ${why}` : ''}`;
  }
  // Debian starts services after installing them where it can; the bench runs its own instance.
  return null;
}
