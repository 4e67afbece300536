import type { Backend } from '../db.ts';
import type { ArchiveEntry, MucRepository } from '../types.ts';
import { nextSeq, queryArchive, type ArchiveTable } from './archive.ts';
import type { Run } from './run.ts';

const entry = (row: { id: string; peer: string; peerResource: string | null; stanza: string; storedAt: Date }): ArchiveEntry => ({
  id: row.id,
  peer: row.peer,
  peerResource: row.peerResource,
  stanza: row.stanza,
  storedAt: row.storedAt,
});

export function mucRepository(backend: Backend, run: Run): MucRepository {
  const { db } = backend;
  // The room archive has the user archive's columns without its account relation;
  // the shared query only reads those columns.
  const archiveTable = db.mucArchivedMessage as unknown as ArchiveTable;
  return {
    listRooms: () =>
      run('muc.listRooms', async () => (await db.mucRoom.findMany({ orderBy: { jid: 'asc' } })).map(({ jid, state, createdAt }) => ({ jid, state, createdAt }))),

    getRoom: (jid) =>
      run('muc.getRoom', async () => {
        const row = await db.mucRoom.findUnique({ where: { jid } });
        return row ? { jid: row.jid, state: row.state, createdAt: row.createdAt } : null;
      }),

    saveRoom: (jid, state) =>
      run('muc.saveRoom', async () => {
        const now = new Date();
        await db.mucRoom.upsert({ where: { jid }, create: { jid, state, createdAt: now, updatedAt: now }, update: { state, updatedAt: now } });
      }),

    deleteRoom: (jid) =>
      run('muc.deleteRoom', async () => {
        await db.mucArchivedMessage.deleteMany({ where: { owner: jid } });
        return (await db.mucRoom.deleteMany({ where: { jid } })).count > 0;
      }),

    append: (room, item) =>
      run('muc.append', async () => {
        await db.mucArchivedMessage.create({
          data: { id: item.id, owner: room, peer: item.peer, peerResource: item.peerResource, seq: nextSeq(), storedAt: item.storedAt, stanza: item.stanza },
        });
      }),

    query: (room, filter, page) => run('muc.query', () => queryArchive(archiveTable, room, filter, page)),

    entry: (room, id) =>
      run('muc.entry', async () => {
        const row = await db.mucArchivedMessage.findFirst({ where: { owner: room, id } });
        return row ? entry(row) : null;
      }),

    replaceEntry: (room, id, stanza) =>
      run('muc.replaceEntry', async () => (await db.mucArchivedMessage.updateMany({ where: { owner: room, id }, data: { stanza } })).count > 0),

    purgeOlderThan: (cutoff) =>
      run('muc.purge', async () => (await db.mucArchivedMessage.deleteMany({ where: { storedAt: { lt: cutoff } } })).count),
  };
}
