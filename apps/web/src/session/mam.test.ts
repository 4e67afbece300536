import { describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { parseXml, xml, type Element } from '@conexizan/protocol/xml';
import { ArchiveQueries } from './archive.ts';
import { archivePage } from './mam.ts';

const self = 'alice@x';

/** An archive that answers one query with the given result stanzas, then <fin/>. */
function fakeArchive(results: (queryId: string, to: string | undefined) => Element[]) {
  const connection = {
    asked: [] as (string | undefined)[],
    async iq(_type: string, query: Element, to?: string) {
      connection.asked.push(to);
      for (const r of results(query.attrs.queryid!, to)) archive.collect(r);
      return xml('iq', { type: 'result' }, xml('fin', { xmlns: NS.MAM, complete: 'true' }, xml('set', { xmlns: NS.RSM }, xml('first', {}, 'A1'), xml('last', {}, 'A2'))));
    },
    transformIncoming: async (m: Element) => m,
  };
  const archive = new ArchiveQueries(connection, self);
  return { archive, connection };
}

const result = (queryId: string, id: string, from: string | undefined, body: string) =>
  parseXml(
    `<message ${from ? `from="${from}"` : ''} to="alice@x/web"><result xmlns="urn:xmpp:mam:2" queryid="${queryId}" id="${id}"><forwarded xmlns="urn:xmpp:forward:0"><delay xmlns="urn:xmpp:delay" stamp="2026-01-02T03:04:05Z"/><message from="bob@x/p" to="alice@x" type="chat" id="m-${id}"><body>${body}</body></message></forwarded></result></message>`,
  );

describe('archive queries', () => {
  it('returns the page with archive ids and original timestamps', async () => {
    const { archive, connection } = fakeArchive((q) => [result(q, 'A1', undefined, 'one'), result(q, 'A2', 'alice@x', 'two')]);
    const page = await archivePage(await archive.query(self, { with: 'bob@x', before: '', max: 10 }), self, connection);
    expect(connection.asked).toEqual([undefined]);
    expect(page).toMatchObject({ first: 'A1', last: 'A2', complete: true });
    expect(page.events.map((e) => e.kind === 'message' && [e.message.body, e.message.archiveId, e.message.timestamp])).toEqual([
      ['one', 'A1', Date.UTC(2026, 0, 2, 3, 4, 5)],
      ['two', 'A2', Date.UTC(2026, 0, 2, 3, 4, 5)],
    ]);
  });

  it('ignores results injected by another account or for a query we did not make', async () => {
    const { archive, connection } = fakeArchive((q) => [result(q, 'X1', 'mallory@x', 'forged'), result('someone-elses-query', 'X2', undefined, 'stray'), result(q, 'A1', undefined, 'real')]);
    const page = await archivePage(await archive.query(self, { max: 10 }), self, connection);
    expect(page.events.map((e) => e.kind === 'message' && e.message.body)).toEqual(['real']);
    // and such stanzas never reach the live message handling
    expect(archive.collect(result('late', 'X3', undefined, 'late'))).toBe(true);
    expect(archive.collect(parseXml('<message from="bob@x/p"><body>live</body></message>'))).toBe(false);
  });

  it("asks a room for its archive and takes results only from that room", async () => {
    const room = 'team@conference.x';
    const { archive, connection } = fakeArchive((q) => [result(q, 'R1', room, 'from the room'), result(q, 'R2', self, 'from our own archive'), result(q, 'R3', `${room}/Bob`, 'from an occupant')]);
    const page = await archive.query(room, { before: '', max: 30 });
    expect(connection.asked).toEqual([room]);
    expect(page.results.map((r) => [r.id, r.message.getChildText('body')])).toEqual([['R1', 'from the room']]);
  });
});
