import { describe, expect, it } from 'vitest';
import { NS, parseXml, xml, type Element } from '@conexizan/protocol';
import { ArchiveQueries } from './mam.ts';

const self = 'alice@x';

/** An archive that answers one query with the given result stanzas, then <fin/>. */
function fakeArchive(archive: ArchiveQueries, results: (queryId: string) => Element[]) {
  return {
    transformIncoming: async (m: Element) => m,
    async iq(_type: string, query: Element) {
      const queryId = query.attrs.queryid!;
      for (const r of results(queryId)) archive.collect(r, self);
      return xml('iq', { type: 'result' }, xml('fin', { xmlns: NS.MAM, complete: 'true' }, xml('set', { xmlns: NS.RSM }, xml('first', {}, 'A1'), xml('last', {}, 'A2'))));
    },
  };
}

const result = (queryId: string, id: string, from: string | undefined, body: string) =>
  parseXml(
    `<message ${from ? `from="${from}"` : ''} to="alice@x/web"><result xmlns="urn:xmpp:mam:2" queryid="${queryId}" id="${id}"><forwarded xmlns="urn:xmpp:forward:0"><delay xmlns="urn:xmpp:delay" stamp="2026-01-02T03:04:05Z"/><message from="bob@x/p" to="alice@x" type="chat" id="m-${id}"><body>${body}</body></message></forwarded></result></message>`,
  );

describe('ArchiveQueries', () => {
  it('returns the page with archive ids and original timestamps', async () => {
    const archive = new ArchiveQueries();
    const page = await archive.query(fakeArchive(archive, (q) => [result(q, 'A1', undefined, 'one'), result(q, 'A2', 'alice@x', 'two')]) as never, self, { with: 'bob@x', before: '', max: 10 });
    expect(page).toMatchObject({ first: 'A1', last: 'A2', complete: true });
    expect(page.events.map((e) => e.kind === 'message' && [e.message.body, e.message.archiveId, e.message.timestamp])).toEqual([
      ['one', 'A1', Date.UTC(2026, 0, 2, 3, 4, 5)],
      ['two', 'A2', Date.UTC(2026, 0, 2, 3, 4, 5)],
    ]);
  });

  it('ignores results injected by another account or for a query we did not make', async () => {
    const archive = new ArchiveQueries();
    const page = await archive.query(
      fakeArchive(archive, (q) => [result(q, 'X1', 'mallory@x', 'forged'), result('someone-elses-query', 'X2', undefined, 'stray'), result(q, 'A1', undefined, 'real')]) as never,
      self,
      { max: 10 },
    );
    expect(page.events.map((e) => e.kind === 'message' && e.message.body)).toEqual(['real']);
    // and such stanzas never reach the live message handling
    expect(archive.collect(result('late', 'X3', undefined, 'late'), self)).toBe(true);
  });
});
