import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A random secret made once and kept (owner-only) in the data directory.
 * The nodes of a cluster share that directory, so they share the secrets
 * (dialback keys, upload signatures, the fake salts of unknown users): the
 * first node to need one creates it, exclusively, and every other node
 * reads that one, even if they start at the same moment.
 */
export function persistentSecret(dataDir: string, name: string, bytes = 32): Uint8Array {
  const dir = join(dataDir, 'secrets');
  const file = join(dir, name);
  const stored = readIfComplete(file, bytes);
  if (stored) return stored;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(bytes);
  // Written whole under a name of its own, then linked into place: nobody ever reads half a secret,
  // and of two nodes starting together exactly one wins (link fails if the name exists).
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, secret, { mode: 0o600 });
  try {
    // Another node may have linked a whole one since we looked; only a truncated one (an interrupted run) goes.
    const theirs = readIfComplete(file, bytes);
    if (theirs) return theirs;
    if (existsSync(file)) rmSync(file);
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  return readIfComplete(file, bytes) ?? new Uint8Array(secret);
}

function readIfComplete(file: string, bytes: number): Uint8Array | null {
  if (!existsSync(file)) return null;
  const stored = readFileSync(file);
  return stored.length === bytes ? new Uint8Array(stored) : null;
}

/** The secret persistentSecret() keeps, or null while the server has not made it (nothing is created). */
export function readPersistentSecret(dataDir: string, name: string, bytes = 32): Uint8Array | null {
  try {
    const stored = readFileSync(join(dataDir, 'secrets', name));
    return stored.length === bytes ? new Uint8Array(stored) : null;
  } catch {
    return null;
  }
}
