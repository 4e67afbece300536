import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A random secret made once and kept (owner-only) in the data directory. */
export function persistentSecret(dataDir: string, name: string, bytes = 32): Uint8Array {
  const dir = join(dataDir, 'secrets');
  const file = join(dir, name);
  if (existsSync(file)) {
    const stored = readFileSync(file);
    if (stored.length === bytes) return new Uint8Array(stored);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(bytes);
  writeFileSync(file, secret, { mode: 0o600 });
  return new Uint8Array(secret);
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
