import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAM_LIMITS, NS, worthArchiving, xml, type Element } from '@conexizan/protocol';
import { createHarness, type Harness, type TestSession } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank', 'ivy']) await h.createUser(name);
});
afterAll(() => h.stop());

const chat = (to: string, body: string, ...extra: Element[]) => xml('message', { to, type: 'chat' }, xml('body', {}, body), ...extra);
const withBody = (body: string) => (el: Element) => el.name === 'message' && el.getChildText('body') === body;
const condition = (reply: Element) => reply.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text')?.name;

interface QueryResult {
  reply: Element;
  /** archive id and body of each result, in the order received */
  results: { id: string; body: string | null; from: string | undefined; to: string | undefined; stamp: string | undefined }[];
  fin: Element | undefined;
}

/** Sends a MAM query and collects its result messages (matched by queryid) and the final iq. */
async function mamQuery(session: TestSession, fields: Record<string, string | string[]> = {}, set: Element[] = [], extra: Element[] = [], to?: string): Promise<QueryResult> {
  const queryid = Math.random().toString(36).slice(2);
  const form = Object.keys(fields).length
    ? [xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.MAM)), ...Object.entries(fields).map(([name, v]) => xml('field', { var: name }, ...(Array.isArray(v) ? v : [v]).map((value) => xml('value', {}, value)))))]
    : [];
  const rsm = set.length ? [xml('set', { xmlns: NS.RSM }, ...set)] : [];
  const reply = await session.query(xml('iq', { type: 'set', to }, xml('query', { xmlns: NS.MAM, queryid }, ...form, ...rsm, ...extra)));
  const mine = (el: Element) => el.getChild('result', NS.MAM)?.attrs.queryid === queryid;
  const results = session.received.filter(mine).map((el) => {
    const result = el.getChild('result', NS.MAM)!;
    const forwarded = result.getChild('forwarded', NS.FORWARD)!;
    const original = forwarded.getChild('message')!;
    expect(el.attrs.from).toBe(session.jid.bare().toString());
    expect(el.attrs.to).toBe(session.jid.toString());
    expect(original.attrs.xmlns).toBe(NS.CLIENT);
    return { id: result.attrs.id as string, body: original.getChildText('body'), from: original.attrs.from, to: original.attrs.to, stamp: forwarded.getChild('delay', NS.DELAY)?.attrs.stamp };
  });
  session.received.splice(0, session.received.length, ...session.received.filter((el) => !mine(el)));
  // Results come before the iq that ends the query.
  return { reply, results, fin: reply.getChild('fin', NS.MAM) };
}
const bodies = (r: QueryResult) => r.results.map((x) => x.body);
const rsm = (fin: Element | undefined, name: string) => fin?.getChild('set', NS.RSM)?.getChildText(name);

async function setPrefs(session: TestSession, mode: string, always: string[] = [], never: string[] = []): Promise<Element> {
  const list = (name: string, jids: string[]) => xml(name, {}, ...jids.map((j) => xml('jid', {}, j)));
  return session.query(xml('iq', { type: 'set' }, xml('prefs', { xmlns: NS.MAM, default: mode }, list('always', always), list('never', never))));
}

describe('archiving (XEP-0313 §5.1, XEP-0359)', () => {
  it('keeps both sides of a conversation and tells the recipient the archive id', async () => {
    const alice = await h.connect('alice', 'a1');
    const bob = await h.connect('bob', 'b1');
    await bob.sendStanza(xml('presence'));
    // A forged stanza-id "by" bob's archive is dropped; one by someone else stays.
    await alice.sendStanza(chat('bob@localhost', 'hello bob', xml('stanza-id', { xmlns: NS.SID, by: 'bob@localhost', id: 'forged' }), xml('stanza-id', { xmlns: NS.SID, by: 'room@example.org', id: 'other' })));
    const received = await bob.next(withBody('hello bob'));
    const ids = received.getChildren('stanza-id', NS.SID);
    expect(ids.map((el) => el.attrs.by)).toEqual(['room@example.org', 'bob@localhost']);
    const archiveId = ids[1]!.attrs.id as string;
    expect(archiveId).toMatch(/^[A-Za-z0-9_-]{22}$/);

    await bob.sendStanza(chat('alice@localhost/a1', 'hi alice'));
    await alice.next(withBody('hi alice'));

    const bobs = await mamQuery(bob);
    expect(bodies(bobs)).toEqual(['hello bob', 'hi alice']);
    expect(bobs.results[0]!.id).toBe(archiveId);
    expect(bobs.results[0]).toMatchObject({ from: 'alice@localhost/a1', to: 'bob@localhost' });
    expect(bobs.results[0]!.stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    const alices = await mamQuery(alice);
    expect(bodies(alices)).toEqual(['hello bob', 'hi alice']);
    // Two archives, two ids; the sender's copy never got bob's stanza-id.
    expect(alices.results[0]!.id).not.toBe(archiveId);
    expect(alices.fin?.attrs.complete).toBe('true');
    expect(rsm(alices.fin, 'count')).toBe('2');
    expect(alices.reply.attrs.type).toBe('result');
  });

  it('archives messages for an offline recipient, with the stanza-id in the offline copy', async () => {
    const alice = await h.connect('alice', 'a2');
    await alice.sendStanza(chat('carol@localhost', 'while you were away'));
    const carol = await h.connect('carol');
    await carol.sendStanza(xml('presence'));
    const offline = await carol.next(withBody('while you were away'));
    const id = offline.getChild('stanza-id', NS.SID)?.attrs.id;
    const archived = await mamQuery(carol);
    expect(archived.results.map((r) => r.id)).toEqual([id]);
  });

  it('keeps encrypted messages without a body, and not chat states, no-store, errors, headlines or groupchat', async () => {
    const alice = await h.connect('alice', 'a3');
    const dave = await h.connect('dave');
    await dave.sendStanza(xml('presence'));
    const omemo = xml('encrypted', { xmlns: 'eu.siacs.conversations.axolotl' }, xml('header', { sid: '1' }), xml('payload', {}, 'c2VjcmV0'));
    await alice.sendStanza(xml('message', { to: 'dave@localhost', type: 'chat' }, omemo, xml('store', { xmlns: NS.HINTS })));
    await alice.sendStanza(xml('message', { to: 'dave@localhost', type: 'chat' }, xml('encrypted', { xmlns: 'urn:xmpp:omemo:2' }, xml('payload', {}, 'eA=='))));
    await alice.sendStanza(xml('message', { to: 'dave@localhost', type: 'chat' }, xml('composing', { xmlns: NS.CHATSTATES })));
    await alice.sendStanza(chat('dave@localhost', 'forget me', xml('no-store', { xmlns: NS.HINTS })));
    await alice.sendStanza(chat('dave@localhost', 'forget me too', xml('no-permanent-store', { xmlns: NS.HINTS })));
    await alice.sendStanza(xml('message', { to: 'dave@localhost', type: 'headline' }, xml('body', {}, 'news')));
    await alice.sendStanza(xml('message', { to: 'dave@localhost', type: 'error' }, xml('body', {}, 'oops')));
    await alice.sendStanza(xml('message', { to: 'dave@localhost', type: 'chat' }, xml('received', { xmlns: NS.RECEIPTS, id: 'x' })));
    await dave.next(withBody('news'));
    const archived = await mamQuery(dave);
    expect(archived.results).toHaveLength(2);
    expect(bodies(archived)).toEqual([null, null]);
    expect(await h.core.storage.archive.count('dave')).toBe(2);
    // groupchat is never a user-archive message
    expect(worthArchiving(xml('message', { type: 'groupchat' }, xml('body', {}, 'room talk')), 'groupchat')).toBe(false);
    expect(worthArchiving(xml('message', {}, xml('x', { xmlns: NS.MUC_USER }, xml('invite', { from: 'x@y' }))), 'normal')).toBe(true);
  });

  it('keeps a message to oneself once', async () => {
    const erin = await h.connect('erin', 'phone');
    await h.connect('erin', 'laptop');
    await erin.sendStanza(chat('erin@localhost', 'note to self'));
    await erin.sendStanza(chat('erin@localhost/laptop', 'to my laptop'));
    const archived = await mamQuery(erin, { with: 'erin@localhost' });
    expect(bodies(archived)).toEqual(['note to self', 'to my laptop']);
  });

  it('announces mam:2, mam:2#extended and sid:0 on the account', async () => {
    const alice = await h.connect('alice', 'a4');
    const reply = await alice.query(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: NS.DISCO_INFO })));
    const features = reply.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([NS.MAM, NS.MAM_EXTENDED, NS.SID]));
  });
});

describe('queries (XEP-0313 §4, XEP-0059)', () => {
  let frank: TestSession;
  let all: QueryResult;
  beforeAll(async () => {
    frank = await h.connect('frank');
    const gina = await h.connect('gina', 'tablet');
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 2) await gina.sendStanza(chat('frank@localhost', `m${i}`));
      else await frank.sendStanza(chat(i === 4 ? 'hank@localhost/desk' : 'hank@localhost', `m${i}`));
    }
    all = await mamQuery(frank, {}, [xml('max', {}, '100')]);
  });
  const ids = () => all.results.map((r) => r.id);

  it('returns everything in order, with count and first index', () => {
    expect(bodies(all)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
    expect(new Set(ids()).size).toBe(12);
    expect(all.fin?.attrs.complete).toBe('true');
    expect(all.fin?.getChild('set', NS.RSM)?.getChild('first')?.attrs.index).toBe('0');
    expect(rsm(all.fin, 'first')).toBe(ids()[0]);
    expect(rsm(all.fin, 'last')).toBe(ids()[11]);
  });

  it('pages forward with <after/> until complete', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await mamQuery(frank, {}, [xml('max', {}, '5'), ...(after ? [xml('after', {}, after)] : [])]);
      pages++;
      seen.push(...page.results.map((r) => r.id));
      expect(page.fin?.getChild('set', NS.RSM)?.getChild('first')?.attrs.index).toBe(String((pages - 1) * 5));
      expect(rsm(page.fin, 'count')).toBe('12');
      if (page.fin?.attrs.complete === 'true') break;
      after = rsm(page.fin, 'last') ?? undefined;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(ids());
  });

  it('pages backward from the last page with <before/>, each page oldest first, and flips a page on request', async () => {
    const last = await mamQuery(frank, {}, [xml('max', {}, '5'), xml('before')]);
    expect(last.results.map((r) => r.id)).toEqual(ids().slice(7));
    expect(last.fin?.attrs.complete).toBeUndefined();
    const previous = await mamQuery(frank, {}, [xml('max', {}, '5'), xml('before', {}, rsm(last.fin, 'first')!)]);
    expect(previous.results.map((r) => r.id)).toEqual(ids().slice(2, 7));
    const first = await mamQuery(frank, {}, [xml('max', {}, '5'), xml('before', {}, rsm(previous.fin, 'first')!)]);
    expect(first.results.map((r) => r.id)).toEqual(ids().slice(0, 2));
    expect(first.fin?.attrs.complete).toBe('true');
    const flipped = await mamQuery(frank, {}, [xml('max', {}, '5'), xml('before')], [xml('flip-page')]);
    expect(flipped.results.map((r) => r.id)).toEqual(ids().slice(7).reverse());
  });

  it('pages by <index/> and answers <max>0</max> with the count only', async () => {
    expect((await mamQuery(frank, {}, [xml('max', {}, '3'), xml('index', {}, '4')])).results.map((r) => r.id)).toEqual(ids().slice(4, 7));
    const countOnly = await mamQuery(frank, {}, [xml('max', {}, '0')]);
    expect(countOnly.results).toEqual([]);
    expect(rsm(countOnly.fin, 'count')).toBe('12');
  });

  it("filters by 'with' (bare JID: any resource; full JID: exactly that one)", async () => {
    expect(bodies(await mamQuery(frank, { with: 'gina@localhost' }))).toEqual(['m2', 'm5', 'm8', 'm11']);
    expect(bodies(await mamQuery(frank, { with: 'gina@localhost/tablet' }))).toEqual(['m2', 'm5', 'm8', 'm11']);
    expect(bodies(await mamQuery(frank, { with: 'gina@localhost/phone' }))).toEqual([]);
    expect(bodies(await mamQuery(frank, { with: 'hank@localhost/desk' }))).toEqual(['m4']);
    expect(bodies(await mamQuery(frank, { with: 'hank@localhost' }))).toHaveLength(8);
  });

  it("filters by 'start' and 'end' (inclusive, any XEP-0082 offset)", async () => {
    const stamps = all.results.map((r) => new Date(r.stamp!).getTime());
    const future = await mamQuery(frank, { start: new Date(stamps[11]! + 60_000).toISOString() });
    expect(future.results).toEqual([]);
    expect(future.fin?.attrs.complete).toBe('true');
    const past = await mamQuery(frank, { end: '2001-01-01T00:00:00+02:00' });
    expect(past.results).toEqual([]);
    const from = await mamQuery(frank, { start: new Date(stamps[0]!).toISOString(), end: new Date(stamps[11]!).toISOString() }, [xml('max', {}, '100')]);
    expect(from.results).toHaveLength(12);
  });

  it("filters by 'after-id', 'before-id' and 'ids' (#extended)", async () => {
    const between = await mamQuery(frank, { 'after-id': ids()[2]!, 'before-id': ids()[6]! });
    expect(between.results.map((r) => r.id)).toEqual(ids().slice(3, 6));
    expect(between.fin?.attrs.complete).toBe('true');
    const picked = await mamQuery(frank, { ids: [ids()[9]!, ids()[1]!] });
    expect(picked.results.map((r) => r.id)).toEqual([ids()[1], ids()[9]]);
  });

  it('offers its query form (§4.1.5)', async () => {
    const reply = await frank.query(xml('iq', { type: 'get' }, xml('query', { xmlns: NS.MAM })));
    const form = reply.getChild('query', NS.MAM)!.getChild('x', NS.DATA_FORMS)!;
    expect(form.attrs.type).toBe('form');
    expect(form.getChildren('field').map((f) => f.attrs.var)).toEqual(['FORM_TYPE', 'with', 'start', 'end', 'before-id', 'after-id', 'ids']);
    expect(form.getChildren('field').find((f) => f.attrs.var === 'with')?.attrs.type).toBe('jid-single');
  });

  it('reports the first and last message of the archive (metadata, #extended)', async () => {
    const reply = await frank.query(xml('iq', { type: 'get' }, xml('metadata', { xmlns: NS.MAM })));
    const metadata = reply.getChild('metadata', NS.MAM)!;
    expect(metadata.getChild('start')?.attrs.id).toBe(ids()[0]);
    expect(metadata.getChild('end')?.attrs.id).toBe(ids()[11]);
    expect(metadata.getChild('end')?.attrs.timestamp).toBe(all.results[11]!.stamp);
  });

  it('cuts an absurd page size down to its maximum without an error', async () => {
    const huge = await mamQuery(frank, {}, [xml('max', {}, '99999999999999999999')]);
    expect(huge.reply.attrs.type).toBe('result');
    expect(huge.results).toHaveLength(12);
    expect(MAM_LIMITS.maxMax).toBeLessThanOrEqual(250);
  });

  it('answers malformed queries with the XEP error and sends no results', async () => {
    const cases: [Record<string, string | string[]>, Element[], string][] = [
      [{ start: 'yesterday' }, [], 'bad-request'],
      [{ end: '2024-13-01T00:00:00Z' }, [], 'bad-request'],
      [{ with: 'not a jid@@' }, [], 'bad-request'],
      [{ 'free-text-search': 'x' }, [], 'feature-not-implemented'],
      [{ 'after-id': 'unknown' }, [], 'item-not-found'],
      [{ 'before-id': 'x'.repeat(5000) }, [], 'item-not-found'],
      [{ ids: [ids()[0]!, 'unknown'] }, [], 'item-not-found'],
      [{}, [xml('max', {}, '-1')], 'bad-request'],
      [{}, [xml('max', {}, 'lots')], 'bad-request'],
      [{}, [xml('after', {}, 'unknown')], 'item-not-found'],
      [{}, [xml('before', {}, 'unknown')], 'item-not-found'],
      [{}, [xml('after')], 'bad-request'],
      [{}, [xml('index', {}, '1'), xml('after', {}, ids()[0]!)], 'bad-request'],
    ];
    for (const [fields, set, expected] of cases) {
      const result = await mamQuery(frank, fields, set);
      expect(result.reply.attrs.type, JSON.stringify(fields)).toBe('error');
      expect(condition(result.reply), JSON.stringify({ fields, set: set.map(String) })).toBe(expected);
      expect(result.results).toEqual([]);
    }
    // A form of the wrong FORM_TYPE or type.
    const wrongType = await frank.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.MAM }, xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'urn:xmpp:mam:1'))))));
    expect(condition(wrongType)).toBe('bad-request');
    // Too many ids.
    const many = await mamQuery(frank, { ids: Array.from({ length: MAM_LIMITS.maxMax + 1 }, (_, i) => `id${i}`) });
    expect(condition(many.reply)).toBe('policy-violation');
    // Nothing was lost: the archive still answers in full.
    expect((await mamQuery(frank, {}, [xml('max', {}, '100')])).results).toHaveLength(12);
  });

  it("refuses another user's archive and never finds its ids", async () => {
    const gina = await h.connect('gina', 'snoop');
    for (const payload of [xml('query', { xmlns: NS.MAM }), xml('prefs', { xmlns: NS.MAM }), xml('metadata', { xmlns: NS.MAM })]) {
      const reply = await gina.query(xml('iq', { type: payload.name === 'query' ? 'set' : 'get', to: 'frank@localhost' }, payload));
      expect(condition(reply)).toBe('forbidden');
    }
    expect(gina.received.filter((el) => el.getChild('result', NS.MAM))).toEqual([]);
    // frank's ids mean nothing in gina's own archive.
    const probe = await mamQuery(gina, { ids: [ids()[0]!] });
    expect(condition(probe.reply)).toBe('item-not-found');
    const after = await mamQuery(gina, {}, [xml('after', {}, ids()[0]!)]);
    expect(condition(after.reply)).toBe('item-not-found');
  });
});

describe('preferences (XEP-0441)', () => {
  it('defaults to the server setting with empty lists, and replies with what it applied', async () => {
    const ivy = await h.connect('ivy', 'p');
    const current = await ivy.query(xml('iq', { type: 'get' }, xml('prefs', { xmlns: NS.MAM })));
    const prefs = current.getChild('prefs', NS.MAM)!;
    expect(prefs.attrs.default).toBe('always');
    expect(prefs.getChild('always')?.children).toEqual([]);
    expect(prefs.getChild('never')?.children).toEqual([]);
    const set = await setPrefs(ivy, 'roster', ['Bob@localhost', 'bob@localhost'], ['carol@localhost/phone']);
    const applied = set.getChild('prefs', NS.MAM)!;
    expect(applied.attrs.default).toBe('roster');
    expect(applied.getChild('always')!.getChildren('jid').map((j) => j.getText())).toEqual(['bob@localhost']);
    expect(applied.getChild('never')!.getChildren('jid').map((j) => j.getText())).toEqual(['carol@localhost/phone']);
    for (const bad of [
      xml('prefs', { xmlns: NS.MAM, default: 'sometimes' }),
      xml('prefs', { xmlns: NS.MAM }),
      xml('prefs', { xmlns: NS.MAM, default: 'always' }, xml('always', {}, xml('jid', {}, '@@'))),
    ]) {
      const reply = await ivy.query(xml('iq', { type: 'set' }, bad));
      expect(reply.attrs.type).toBe('error');
      expect(['bad-request', 'jid-malformed']).toContain(condition(reply));
    }
    // The refused sets changed nothing.
    const after = await ivy.query(xml('iq', { type: 'get' }, xml('prefs', { xmlns: NS.MAM })));
    expect(after.getChild('prefs', NS.MAM)!.attrs.default).toBe('roster');
  });

  it("stores nothing for a user whose preference is 'never', and keeps what was there", async () => {
    const [alice, bob] = [await h.connect('alice', 'n1'), await h.connect('bob', 'n1')];
    await bob.sendStanza(xml('presence'));
    await alice.sendStanza(chat('bob@localhost', 'before never'));
    await bob.next(withBody('before never'));
    const before = await h.core.storage.archive.count('bob');
    expect((await setPrefs(bob, 'never')).attrs.type).toBe('result');
    await alice.sendStanza(chat('bob@localhost', 'after never'));
    const delivered = await bob.next(withBody('after never'));
    expect(delivered.getChild('stanza-id', NS.SID)).toBeUndefined();
    await bob.sendStanza(chat('alice@localhost', 'bob speaks after never'));
    expect(await h.core.storage.archive.count('bob')).toBe(before);
    const bobs = await mamQuery(bob, { with: 'alice@localhost' }, [xml('max', {}, '100')]);
    expect(bodies(bobs)).toContain('before never');
    expect(bodies(bobs)).not.toContain('after never');
    // alice's side is hers to decide: still archived.
    const alices = await mamQuery(alice, { with: 'bob@localhost' }, [xml('max', {}, '100')]);
    expect(bodies(alices)).toEqual(expect.arrayContaining(['after never', 'bob speaks after never']));
    await setPrefs(bob, 'always');
  });

  it("follows 'roster' and the always/never lists, never winning over always", async () => {
    const [carol, dave, erin, ivy] = [await h.connect('carol', 'r'), await h.connect('dave', 'r'), await h.connect('erin', 'r'), await h.connect('ivy', 'r')];
    // ivy has dave in her roster only.
    await ivy.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: 'dave@localhost' }))));
    await setPrefs(ivy, 'roster', ['carol@localhost/r'], ['erin@localhost']);
    const start = await h.core.storage.archive.count('ivy');
    await dave.sendStanza(chat('ivy@localhost', 'from a contact'));
    await carol.sendStanza(chat('ivy@localhost', 'from an always-listed resource'));
    await erin.sendStanza(chat('ivy@localhost', 'from a never-listed JID'));
    await h.connect('frank', 'r').then((frank) => frank.sendStanza(chat('ivy@localhost', 'from a stranger')));
    const page = await mamQuery(ivy, {}, [xml('max', {}, '100')]);
    const got = bodies(page);
    expect(got).toEqual(expect.arrayContaining(['from a contact', 'from an always-listed resource']));
    expect(got).not.toContain('from a never-listed JID');
    expect(got).not.toContain('from a stranger');
    expect(await h.core.storage.archive.count('ivy')).toBe(start + 2);
    // On both lists: never wins. Default 'never' with an always-list keeps only that JID.
    await setPrefs(ivy, 'never', ['erin@localhost'], ['erin@localhost']);
    await erin.sendStanza(chat('ivy@localhost', 'listed twice'));
    await setPrefs(ivy, 'never', ['dave@localhost']);
    await dave.sendStanza(chat('ivy@localhost', 'always dave'));
    await carol.sendStanza(chat('ivy@localhost', 'carol under never'));
    const later = bodies(await mamQuery(ivy, {}, [xml('max', {}, '100')]));
    expect(later).toContain('always dave');
    expect(later).not.toContain('listed twice');
    expect(later).not.toContain('carol under never');
    // Outgoing messages follow the same lists (the target is the 'to').
    await ivy.sendStanza(chat('dave@localhost', 'ivy to dave'));
    await ivy.sendStanza(chat('carol@localhost', 'ivy to carol'));
    const outgoing = bodies(await mamQuery(ivy, {}, [xml('max', {}, '100')]));
    expect(outgoing).toContain('ivy to dave');
    expect(outgoing).not.toContain('ivy to carol');
  });
});

describe('retention and account deletion', () => {
  it('deletes messages older than retention_days on start and hides them from queries before', async () => {
    const short = await createHarness({ archive: { retention_days: 1 } });
    try {
      await short.createUser('old');
      await short.createUser('friend');
      const stale = new Date(Date.now() - 2 * 86_400_000);
      await short.core.storage.archive.append('old', { id: 'stale', peer: 'friend@localhost', peerResource: null, stanza: "<message from='friend@localhost' to='old@localhost' type='chat'><body>stale</body></message>", storedAt: stale });
      const old = await short.connect('old');
      const friend = await short.connect('friend');
      await friend.sendStanza(chat('old@localhost', 'fresh'));
      // Before any purge it is already invisible.
      expect(bodies(await mamQuery(old))).toEqual(['fresh']);
      expect(await short.core.storage.archive.count('old')).toBe(2);
      // The purge the server runs at start (and hourly) deletes it.
      await short.core.hooks.fireAll('server/started', {});
      await expect.poll(() => short.core.storage.archive.count('old')).toBe(1);
      expect(bodies(await mamQuery(old))).toEqual(['fresh']);
    } finally {
      await short.stop();
    }
  });

  it('deletes the archive and preferences with the account', async () => {
    const hank = await h.connect('hank', 'del');
    await setPrefs(hank, 'roster');
    expect(await h.core.storage.archive.count('hank')).toBeGreaterThan(0);
    const reply = await hank.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.REGISTER }, xml('remove'))));
    expect(reply.attrs.type).toBe('result');
    expect(await h.core.storage.archive.count('hank')).toBe(0);
    expect(await h.core.storage.archive.getPrefs('hank')).toBeNull();
    // frank's copies of their conversation are frank's: they stay.
    expect(await h.core.storage.archive.count('frank')).toBeGreaterThan(0);
  });
});
