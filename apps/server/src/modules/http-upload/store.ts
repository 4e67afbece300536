import { randomBytes } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Uploaded files on disk: `<id>.bin` holds the bytes and `<id>.json` a small
 * sidecar (owner key, size, content type, times). Nothing else is kept: no
 * file name (it lives only in the URL) and no address. Paths are built from
 * ids this store made itself (checked with isUploadId), never from anything
 * a client sent, so no request can reach a file outside the directory.
 *
 * A slot is recorded as `pending` when it is handed out, so that it counts
 * against the owner's quota at once; the upload turns it into `stored`.
 *
 * The index in memory is a cache of the sidecars: the nodes of a cluster
 * share the directory, and each change here is reported (`onChange`) so
 * that the others read that sidecar again (refresh); a slot another node
 * handed out a moment ago is read from disk when it is first asked for.
 */
export interface UploadRecord {
  id: string;
  /** a keyed hash of the uploader's bare JID (for the quota and account deletion) */
  owner: string;
  size: number;
  /** the content type the file will be served with */
  type: string;
  /** when the slot was handed out (ms since the epoch) */
  created: number;
  /** a pending slot is gone after this (ms since the epoch) */
  slotExpires: number;
  state: 'pending' | 'stored';
}

const ID_PATTERN = /^[A-Za-z0-9_-]{32}$/;
/** a half-written file untouched this long belongs to an upload nobody finishes any more */
const ABANDONED_MS = 3_600_000;

/** 24 random bytes: 192 bits nobody can guess. */
export function newUploadId(): string {
  return randomBytes(24).toString('base64url');
}

export function isUploadId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** 'gone': the slot was deleted (expiry, account deletion) while the bytes came in */
export type WriteOutcome = 'stored' | 'too-long' | 'too-short' | 'gone';

export class UploadStore {
  readonly #dir: string;
  readonly #records = new Map<string, UploadRecord>();
  readonly #usage = new Map<string, number>();
  /** slots whose upload is running now: a second PUT must not interleave */
  readonly #writing = new Set<string>();
  readonly #onChange: (id: string) => void;

  constructor(dir: string, onChange: (id: string) => void = () => undefined) {
    this.#dir = dir;
    this.#onChange = onChange;
  }

  /** Reads every sidecar (at start) and drops half-written files abandoned long ago. */
  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.#dir)) {
      const id = name.replace(/\.(json|bin|part|tmp)$/, '');
      if (!isUploadId(id)) continue;
      if (name.endsWith('.part') || name.endsWith('.tmp')) {
        // Not one another node of a cluster is writing right now.
        const path = this.#path(id, name.slice(id.length + 1) as 'part' | 'tmp');
        const changed = await stat(path).then((info) => info.mtimeMs, () => 0);
        if (changed < Date.now() - ABANDONED_MS) await rm(path, { force: true });
        continue;
      }
      if (name.endsWith('.json')) await this.refresh(id);
    }
  }

  /** Reads every sidecar again (another node may have changed any of them). */
  async reload(): Promise<void> {
    for (const record of [...this.#records.values()]) this.#unindex(record);
    await this.open();
  }

  /** Reads one sidecar again: another node handed out, filled or deleted that slot. */
  async refresh(id: string): Promise<UploadRecord | null> {
    if (!isUploadId(id)) return null;
    let record: UploadRecord | null = null;
    try {
      const stored = JSON.parse(await readFile(this.#path(id, 'json'), 'utf8')) as UploadRecord;
      if (stored.id === id && Number.isSafeInteger(stored.size)) record = stored;
    } catch {
      // gone, or an unreadable sidecar: the sweep cannot date it, so leave the file to the operator
    }
    const known = this.#records.get(id);
    if (known) this.#unindex(known);
    if (record) this.#index(record);
    return record;
  }

  get(id: string): UploadRecord | null {
    return isUploadId(id) ? (this.#records.get(id) ?? null) : null;
  }

  /** get(), or the sidecar on disk: a slot handed out by another node a moment ago. */
  async find(id: string): Promise<UploadRecord | null> {
    return this.get(id) ?? (await this.refresh(id));
  }

  /** Bytes an owner has stored or reserved. */
  usage(owner: string): number {
    return this.#usage.get(owner) ?? 0;
  }

  /**
   * Records a slot if the owner stays within `quota` (0: no limit); checked
   * and counted in one step, so parallel requests cannot both squeeze in.
   */
  async reserve(record: UploadRecord, quota: number): Promise<boolean> {
    if (quota > 0 && this.usage(record.owner) + record.size > quota) return false;
    this.#index(record);
    try {
      await this.#writeSidecar(record);
    } catch (error) {
      this.#unindex(record);
      throw error;
    }
    this.#onChange(record.id);
    return true;
  }

  isWriting(id: string): boolean {
    return this.#writing.has(id);
  }

  /**
   * Writes exactly `record.size` bytes from `body`; stops reading as soon as
   * more arrive. The bytes become visible (renamed into place) only when
   * complete; an aborted or wrong-sized upload leaves the slot pending.
   */
  async write(record: UploadRecord, body: Readable): Promise<WriteOutcome> {
    this.#writing.add(record.id);
    const part = this.#path(record.id, 'part');
    let received = 0;
    let tooLong = false;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > record.size) {
          tooLong = true;
          callback(new Error('more bytes than the slot allows'));
        } else callback(null, chunk);
      },
    });
    const file = await open(part, 'w', 0o600);
    try {
      await pipeline(body, counter, file.createWriteStream());
    } catch (error) {
      await rm(part, { force: true });
      if (tooLong) return 'too-long';
      throw error;
    } finally {
      this.#writing.delete(record.id);
      await file.close().catch(() => undefined);
    }
    if (received !== record.size || !this.#records.has(record.id)) {
      await rm(part, { force: true });
      return received !== record.size ? 'too-short' : 'gone';
    }
    await rename(part, this.#path(record.id, 'bin'));
    const stored: UploadRecord = { ...record, state: 'stored' };
    await this.#writeSidecar(stored);
    this.#records.set(record.id, stored);
    this.#onChange(record.id);
    return 'stored';
  }

  /** The file, or the inclusive byte range [start, end] of it. */
  /**
   * The file's bytes, or null if the file is gone from the disk: another
   * process deleted it (`conexizan user delete` beside a running server),
   * so the record is forgotten too.
   */
  async read(record: UploadRecord, range?: { start: number; end: number }): Promise<ReadStream | null> {
    try {
      const file = await open(this.#path(record.id, 'bin'), 'r');
      return file.createReadStream(range);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (this.#records.get(record.id) === record) this.#unindex(record);
      return null;
    }
  }

  async remove(id: string): Promise<void> {
    const record = this.#records.get(id);
    if (!record) return;
    this.#unindex(record);
    await rm(this.#path(id, 'bin'), { force: true });
    await rm(this.#path(id, 'json'), { force: true });
    this.#onChange(id);
  }

  async removeOwner(owner: string): Promise<number> {
    const ids = [...this.#records.values()].filter((record) => record.owner === owner).map((record) => record.id);
    for (const id of ids) await this.remove(id);
    return ids.length;
  }

  /** Deletes files older than `maxAgeMs` (0: keep) and slots nobody used in time; returns how many. */
  async sweep(now: number, maxAgeMs: number): Promise<number> {
    const expired = [...this.#records.values()].filter((record) =>
      record.state === 'pending' ? record.slotExpires < now && !this.#writing.has(record.id) : maxAgeMs > 0 && record.created + maxAgeMs < now,
    );
    for (const record of expired) await this.remove(record.id);
    return expired.length;
  }

  #index(record: UploadRecord): void {
    this.#records.set(record.id, record);
    this.#usage.set(record.owner, this.usage(record.owner) + record.size);
  }

  #unindex(record: UploadRecord): void {
    this.#records.delete(record.id);
    const left = this.usage(record.owner) - record.size;
    if (left > 0) this.#usage.set(record.owner, left);
    else this.#usage.delete(record.owner);
  }

  async #writeSidecar(record: UploadRecord): Promise<void> {
    const tmp = this.#path(record.id, 'tmp');
    await writeFile(tmp, JSON.stringify(record), { mode: 0o600 });
    await rename(tmp, this.#path(record.id, 'json'));
  }

  #path(id: string, kind: 'json' | 'bin' | 'part' | 'tmp'): string {
    if (!isUploadId(id)) throw new Error('not an upload id');
    return join(this.#dir, `${id}.${kind}`);
  }
}
