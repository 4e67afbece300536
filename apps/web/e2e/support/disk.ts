import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { xml } from '@conexizan/protocol';
import { base64Decode, base64Encode, utf8Encode } from '@conexizan/crypto/bytes';
import { ScramClientSession } from '@conexizan/crypto/scram';
import { XMLNS, connectSecure } from '../../../server/test/support/raw-xmpp.ts';

/**
 * What a person leaves on the disk of their computer: a browser profile's
 * files (IndexedDB and Local Storage are LevelDB directories) searched for
 * secrets in the forms a browser may write them: raw bytes, base64 (as
 * JSON or an older version would keep them), UTF-8 and UTF-16 text (V8
 * serialises strings as one byte per character or UTF-16).
 */
export async function profileFiles(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? (entry as { path?: string }).path ?? dir, entry.name);
    const bytes = await readFile(path).catch(() => null);
    if (bytes) out.push({ path: path.slice(dir.length), bytes });
  }
  return out;
}

export type Secret = { what: string; bytes: Uint8Array } | { what: string; text: string };

function forms(secret: Secret): Buffer[] {
  if ('text' in secret) return [Buffer.from(secret.text, 'utf8'), Buffer.from(secret.text, 'utf16le')];
  const b64 = base64Encode(secret.bytes);
  return [Buffer.from(secret.bytes), Buffer.from(b64, 'latin1'), Buffer.from(b64, 'utf16le')];
}

/** The files under `dir` that hold any of the secrets, as "what in which file" (empty when none does). */
export async function secretsOnDisk(dir: string, secrets: Secret[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of await profileFiles(dir)) {
    for (const secret of secrets) if (forms(secret).some((form) => file.bytes.includes(form))) found.push(`${secret.what} in ${file.path}`);
  }
  return found;
}

/**
 * The SCRAM SaltedPassword (RFC 5802 §3) the server's salt and iteration
 * count give for this password, for SHA-256 and SHA-1: what "stay logged in"
 * keeps instead of the password. Found by starting a SCRAM exchange as a
 * client would and stopping before the proof is sent.
 */
export async function scramSaltedPasswords(options: { port: number; username: string; password: string }): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const [mechanism, hash] of [['SCRAM-SHA-256', 'SHA-256'], ['SCRAM-SHA-1', 'SHA-1']] as const) {
    const { connection } = await connectSecure({ port: options.port });
    try {
      const scram = new ScramClientSession({ hash, username: options.username, password: options.password });
      connection.send(xml('auth', { xmlns: XMLNS.SASL, mechanism }, base64Encode(scram.first())));
      const challenge = await connection.inbox.waitFor((el) => el.getNS() === XMLNS.SASL, 'SCRAM server-first-message');
      if (challenge.name !== 'challenge') throw new Error(`no SCRAM challenge: ${challenge.toString()}`);
      await scram.final(base64Decode(challenge.getText().trim()));
      out.push(scram.saltedPassword!.key);
    } finally {
      connection.destroy();
    }
  }
  return out;
}

export { utf8Encode };
