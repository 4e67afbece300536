import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isUploadId, newUploadId, UploadStore, type UploadRecord } from './store.ts';

const DAY = 86_400_000;
const slot = (owner: string, size: number, created = Date.now()): UploadRecord => ({
  id: newUploadId(), owner, size, type: 'text/plain', created, slotExpires: created + 600_000, state: 'pending',
});

describe('upload store on disk', () => {
  it('stores exactly the slot size, survives a restart and refuses more or fewer bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnx-upload-'));
    const store = new UploadStore(dir);
    await store.open();
    const good = slot('o1', 5);
    const long = slot('o1', 5);
    const short = slot('o1', 5);
    for (const record of [good, long, short]) expect(await store.reserve(record, 0)).toBe(true);
    expect(await store.write(good, Readable.from([Buffer.from('hel'), Buffer.from('lo')]))).toBe('stored');
    expect(await store.write(long, Readable.from([Buffer.from('hello, world')]))).toBe('too-long');
    expect(await store.write(short, Readable.from([Buffer.from('hi')]))).toBe('too-short');
    expect(readdirSync(dir).filter((name) => name.endsWith('.bin') || name.endsWith('.part'))).toEqual([`${good.id}.bin`]);

    const again = new UploadStore(dir);
    await again.open();
    expect(again.get(good.id)?.state).toBe('stored');
    expect(again.get(long.id)?.state).toBe('pending');
    expect(again.usage('o1')).toBe(15);
    const chunks: Buffer[] = [];
    for await (const chunk of (await again.read(again.get(good.id)!))!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
  });

  it('forgets a file that another process deleted from the disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnx-upload-'));
    const store = new UploadStore(dir);
    await store.open();
    const record = slot('o1', 5);
    await store.reserve(record, 0);
    expect(await store.write(record, Readable.from([Buffer.from('hello')]))).toBe('stored');
    const other = new UploadStore(dir); // `conexizan user delete` beside the running server
    await other.open();
    await other.removeOwner('o1');
    expect(await store.read(store.get(record.id)!)).toBeNull();
    expect(store.get(record.id)).toBeNull();
    expect(store.usage('o1')).toBe(0);
  });

  it('deletes old files and unused slots, and frees their quota', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnx-upload-'));
    const store = new UploadStore(dir);
    await store.open();
    const now = Date.now();
    const old = slot('o2', 3, now - 31 * DAY);
    const fresh = slot('o2', 3, now - DAY);
    const abandoned = slot('o2', 7, now - DAY);
    for (const record of [old, fresh, abandoned]) await store.reserve(record, 100);
    await store.write(old, Readable.from([Buffer.from('old')]));
    await store.write(fresh, Readable.from([Buffer.from('new')]));
    expect(await store.reserve(slot('o2', 90), 100)).toBe(false);

    expect(await store.sweep(now, 30 * DAY)).toBe(2);
    expect(store.get(old.id)).toBeNull();
    expect(store.get(abandoned.id)).toBeNull();
    expect(store.get(fresh.id)?.state).toBe('stored');
    expect(store.usage('o2')).toBe(3);
    expect(readdirSync(dir).sort()).toEqual([`${fresh.id}.bin`, `${fresh.id}.json`].sort());
    expect(await store.sweep(now + 365 * DAY, 0)).toBe(0);
  });

  it('ignores files whose names are not its own ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnx-upload-'));
    writeFileSync(join(dir, '..json'), '{}');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const store = new UploadStore(dir);
    await store.open();
    expect(store.get('..')).toBeNull();
    expect(store.get('../secrets/http-upload')).toBeNull();
    expect(isUploadId(newUploadId())).toBe(true);
    expect(isUploadId('a'.repeat(31))).toBe(false);
  });

  it('two nodes on one shared directory: each finds what the other handed out and hears what it changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnx-upload-'));
    const changes: string[] = [];
    const first = new UploadStore(dir, (id) => changes.push(id));
    const second = new UploadStore(dir);
    await first.open();
    await second.open();
    const record = slot('o4', 5);
    await first.reserve(record, 0);
    expect(changes).toEqual([record.id]);
    // A PUT that lands on the other node before it heard of the slot.
    expect(second.get(record.id)).toBeNull();
    expect((await second.find(record.id))?.state).toBe('pending');
    expect(second.usage('o4')).toBe(5);
    expect(await second.write(second.get(record.id)!, Readable.from([Buffer.from('hello')]))).toBe('stored');
    await first.refresh(record.id);
    expect(first.get(record.id)?.state).toBe('stored');
    expect(first.usage('o4')).toBe(5);
    await second.remove(record.id);
    await first.refresh(record.id);
    expect(first.get(record.id)).toBeNull();
    expect(first.usage('o4')).toBe(0);
  });

  it('at start leaves a half-written file alone while another node may still be writing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnx-upload-'));
    const fresh = newUploadId();
    const abandoned = newUploadId();
    writeFileSync(join(dir, `${fresh}.part`), 'writing');
    writeFileSync(join(dir, `${abandoned}.part`), 'long gone');
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(join(dir, `${abandoned}.part`), hoursAgo, hoursAgo);
    await new UploadStore(dir).open();
    expect(readdirSync(dir)).toEqual([`${fresh}.part`]);
  });
});
