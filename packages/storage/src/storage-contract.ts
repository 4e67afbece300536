/**
 * Behaviour tests for the Storage contract (types.ts), shared by every backend:
 * sqlite.test.ts and postgresql.test.ts call describeStorageContract with a
 * factory that opens a fresh, empty storage for each test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountExistsError, type ArchiveFilter, type ArchivePageRequest, type RosterItem, type Storage, type StoredScramCredential } from './types.ts';

/** Opens a fresh, empty storage; with `again`, the same database as the previous call (after a close). */
export type OpenFresh = (onQuery?: (operation: string, ms: number) => void, again?: boolean) => Promise<Storage>;

const sha1: StoredScramCredential = {
  mechanism: 'SCRAM-SHA-1',
  salt: 'c2FsdDE=',
  iterations: 4096,
  storedKey: 'c3RvcmVkMQ==',
  serverKey: 'c2VydmVyMQ==',
};
const sha256: StoredScramCredential = {
  mechanism: 'SCRAM-SHA-256',
  salt: 'c2FsdDI=',
  iterations: 8192,
  storedKey: 'c3RvcmVkMg==',
  serverKey: 'c2VydmVyMg==',
};

const item = (jid: string, extra: Partial<RosterItem> = {}): RosterItem => ({
  jid,
  name: null,
  subscription: 'none',
  askSubscribe: false,
  approved: false,
  groups: [],
  ...extra,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeStorageContract(kind: Storage['kind'], openFresh: OpenFresh): void {
  let storage: Storage;
  const queries: string[] = [];

  beforeEach(async () => {
    queries.length = 0;
    storage = await openFresh((operation) => queries.push(operation));
  });
  afterEach(async () => {
    await storage.close();
  });

  /** Creates the accounts and gives each one of everything an account can own. */
  async function populate(...usernames: string[]) {
    for (const u of usernames) {
      await storage.accounts.create(u, [sha256]);
      await storage.roster.put(u, item(`friend@example.org`, { name: `friend of ${u}`, groups: [u] }));
      await storage.roster.addPendingIn(u, 'stranger@example.net', `<presence from='stranger@example.net' to='${u}'/>`);
      await storage.offline.store(u, `<message to='${u}'/>`, 100);
      await storage.privateXml.set(u, '{storage:bookmarks} storage', `<storage xmlns='storage:bookmarks' owner='${u}'/>`);
      await storage.vcards.set(u, `<vCard xmlns='vcard-temp'><FN>${u}</FN></vCard>`);
      await storage.blocklist.add(u, ['spammer@example.com'], 10);
      await storage.lastActivity.set(u, { at: new Date(1_700_000_000_000), status: `${u} went home` });
      await storage.archive.append(u, { id: `archived-${u}`, peer: 'friend@example.org', peerResource: null, stanza: `<message to='${u}'><body>hi</body></message>`, storedAt: new Date() });
      await storage.archive.setPrefs(u, { default: 'roster', always: [], never: ['stranger@example.net'] });
      await storage.pubsub.createNode(u, 'urn:xmpp:omemo:2:devices', '{}', 10);
      await storage.pubsub.publish(u, 'urn:xmpp:omemo:2:devices', { id: 'current', payload: `<devices owner='${u}'/>`, publisher: `${u}@localhost` }, 1);
      await storage.push.enable(u, { jid: 'push.example.com', node: `node-${u}`, options: null }, 5);
    }
  }

  describe('storage', () => {
    it('reports its kind, answers ping and reports each call to onQuery', async () => {
      expect(storage.kind).toBe(kind);
      await storage.ping();
      await storage.accounts.get('nobody');
      await storage.roster.version('nobody');
      expect(queries).toEqual(['accounts.get', 'roster.version']);
    });
  });

  describe('accounts', () => {
    it('creates and gets an account with its credentials', async () => {
      const before = Date.now();
      await storage.accounts.create('alice', [sha256, sha1]);
      const account = await storage.accounts.get('alice');
      expect(account?.username).toBe('alice');
      expect(account?.createdAt).toBeInstanceOf(Date);
      expect(account!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(account!.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1);
      expect(account?.credentials).toEqual([sha1, sha256]);
      expect(await storage.accounts.get('bob')).toBeNull();
    });

    it('refuses a taken username with AccountExistsError and keeps the first account', async () => {
      await storage.accounts.create('alice', [sha1]);
      await expect(storage.accounts.create('alice', [sha256])).rejects.toBeInstanceOf(AccountExistsError);
      expect((await storage.accounts.get('alice'))?.credentials).toEqual([sha1]);
      expect(await storage.accounts.count()).toBe(1);
    });

    it('lets only one of two concurrent creates of a name succeed', async () => {
      const results = await Promise.allSettled([
        storage.accounts.create('alice', [sha1]),
        storage.accounts.create('alice', [sha256]),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failure.reason).toBeInstanceOf(AccountExistsError);
    });

    it('replaces all credentials', async () => {
      await storage.accounts.create('alice', [sha1, sha256]);
      const changed = { ...sha256, salt: 'bmV3', storedKey: 'bmV3U3RvcmVk', serverKey: 'bmV3U2VydmVy' };
      expect(await storage.accounts.setCredentials('alice', [changed])).toBe(true);
      expect((await storage.accounts.get('alice'))?.credentials).toEqual([changed]);
      expect(await storage.accounts.setCredentials('bob', [sha1])).toBe(false);
      expect(await storage.accounts.get('bob')).toBeNull();
    });

    it('ends with exactly one of two concurrent credential sets, never a mix', async () => {
      await storage.accounts.create('alice', [sha1]);
      const a = [{ ...sha1, salt: 'QQ==' }, { ...sha256, salt: 'QQ==' }];
      const b = [{ ...sha256, salt: 'Qg==' }];
      await Promise.all([storage.accounts.setCredentials('alice', a), storage.accounts.setCredentials('alice', b)]);
      expect([a, b]).toContainEqual((await storage.accounts.get('alice'))?.credentials);
    });

    it('deletes an account with everything it owns, and leaves a tombstone', async () => {
      await populate('alice', 'bob');
      expect(await storage.accounts.deletedAt('alice')).toBeNull();
      const before = Date.now();
      expect(await storage.accounts.delete('alice')).toBe(true);

      expect(await storage.accounts.get('alice')).toBeNull();
      expect(await storage.roster.list('alice')).toEqual([]);
      expect(await storage.roster.version('alice')).toBe('0');
      expect(await storage.roster.pendingIn('alice')).toEqual([]);
      expect(await storage.offline.count('alice')).toBe(0);
      expect(await storage.privateXml.get('alice', '{storage:bookmarks} storage')).toBeNull();
      expect(await storage.vcards.get('alice')).toBeNull();
      expect(await storage.blocklist.list('alice')).toEqual([]);
      expect(await storage.lastActivity.get('alice')).toBeNull();
      expect(await storage.archive.count('alice')).toBe(0);
      expect(await storage.archive.getPrefs('alice')).toBeNull();
      expect(await storage.pubsub.listNodes('alice')).toEqual([]);
      expect(await storage.pubsub.items('alice', 'urn:xmpp:omemo:2:devices')).toEqual([]);
      const deletedAt = await storage.accounts.deletedAt('alice');
      expect(deletedAt).toBeInstanceOf(Date);
      expect(deletedAt!.getTime()).toBeGreaterThanOrEqual(before - 1);

      // bob keeps all of his
      expect(await storage.accounts.get('bob')).not.toBeNull();
      expect(await storage.roster.list('bob')).toHaveLength(1);
      expect(await storage.roster.pendingIn('bob')).toHaveLength(1);
      expect(await storage.offline.count('bob')).toBe(1);
      expect(await storage.privateXml.get('bob', '{storage:bookmarks} storage')).toContain("owner='bob'");
      expect(await storage.vcards.get('bob')).toContain('<FN>bob</FN>');
      expect(await storage.blocklist.list('bob')).toEqual(['spammer@example.com']);
      expect(await storage.lastActivity.get('bob')).toEqual({ at: new Date(1_700_000_000_000), status: 'bob went home' });
      expect(await storage.archive.count('bob')).toBe(1);
      expect(await storage.archive.getPrefs('bob')).toEqual({ default: 'roster', always: [], never: ['stranger@example.net'] });
      expect((await storage.pubsub.items('bob', 'urn:xmpp:omemo:2:devices'))[0]?.payload).toBe("<devices owner='bob'/>");
      expect((await storage.push.list('bob')).map((r) => r.node)).toEqual(['node-bob']);
      expect(await storage.accounts.deletedAt('bob')).toBeNull();

      expect(await storage.accounts.delete('alice')).toBe(false);
      expect(await storage.accounts.delete('nobody')).toBe(false);
      expect(await storage.accounts.deletedAt('nobody')).toBeNull();
    });

    it('gives a re-created name a clean slate', async () => {
      await populate('alice');
      await storage.accounts.delete('alice');
      await storage.accounts.create('alice', [sha1]);
      expect(await storage.roster.version('alice')).toBe('0');
      expect(await storage.roster.list('alice')).toEqual([]);
      expect(await storage.offline.list('alice')).toEqual([]);
      expect(await storage.vcards.get('alice')).toBeNull();
      expect(await storage.blocklist.list('alice')).toEqual([]);
      expect(await storage.lastActivity.get('alice')).toBeNull();
      expect(await storage.push.list('alice')).toEqual([]);
      expect((await storage.accounts.get('alice'))?.credentials).toEqual([sha1]);
    });

    it('purges only tombstones older than the given date', async () => {
      await storage.accounts.create('old', []);
      await storage.accounts.create('new', []);
      await storage.accounts.delete('old');
      await sleep(20);
      const cutoff = new Date();
      await sleep(20);
      await storage.accounts.delete('new');

      expect(await storage.accounts.purgeTombstones(new Date(0))).toBe(0);
      expect(await storage.accounts.purgeTombstones(cutoff)).toBe(1);
      expect(await storage.accounts.deletedAt('old')).toBeNull();
      expect(await storage.accounts.deletedAt('new')).toBeInstanceOf(Date);
      expect(await storage.accounts.purgeTombstones(new Date(Date.now() + 60_000))).toBe(1);
      expect(await storage.accounts.deletedAt('new')).toBeNull();
    });

    it('lists usernames sorted ascending and counts them', async () => {
      expect(await storage.accounts.list()).toEqual([]);
      expect(await storage.accounts.count()).toBe(0);
      for (const u of ['carol', 'alice', 'bob', 'alice.b', 'zoë', '0day', 'al']) await storage.accounts.create(u, []);
      expect(await storage.accounts.list()).toEqual(['0day', 'al', 'alice', 'alice.b', 'bob', 'carol', 'zoë']);
      expect(await storage.accounts.count()).toBe(7);
      await storage.accounts.delete('bob');
      expect(await storage.accounts.list()).toEqual(['0day', 'al', 'alice', 'alice.b', 'carol', 'zoë']);
      expect(await storage.accounts.count()).toBe(6);
    });
  });

  describe('roster', () => {
    beforeEach(async () => {
      await storage.accounts.create('alice', [sha256]);
      await storage.accounts.create('bob', [sha256]);
    });

    it('starts at version "0", also for unknown users', async () => {
      expect(await storage.roster.version('alice')).toBe('0');
      expect(await storage.roster.version('nobody')).toBe('0');
      expect(await storage.roster.list('alice')).toEqual([]);
      expect(await storage.roster.get('alice', 'juliet@example.com')).toBeNull();
    });

    it('puts, gets, replaces and lists items, bumping the version each time', async () => {
      const juliet = item('juliet@example.com', {
        name: 'Juliet',
        subscription: 'both',
        groups: ['Friends', 'Capulets', 'ünïcode ✓'],
      });
      const romeo = item('romeo@example.net', { subscription: 'to', askSubscribe: true, approved: true });
      expect(await storage.roster.put('alice', juliet)).toBe('1');
      expect(await storage.roster.put('alice', romeo)).toBe('2');
      expect(await storage.roster.get('alice', 'juliet@example.com')).toEqual(juliet);
      expect(await storage.roster.get('alice', 'romeo@example.net')).toEqual(romeo);

      const renamed = { ...juliet, name: null, subscription: 'from' as const, groups: [] };
      expect(await storage.roster.put('alice', renamed)).toBe('3');
      expect(await storage.roster.list('alice')).toEqual([renamed, romeo]);
      expect(await storage.roster.version('alice')).toBe('3');
    });

    it('removes items, bumping the version only when there was one', async () => {
      await storage.roster.put('alice', item('juliet@example.com'));
      expect(await storage.roster.remove('alice', 'juliet@example.com')).toBe('2');
      expect(await storage.roster.remove('alice', 'juliet@example.com')).toBeNull();
      expect(await storage.roster.remove('nobody', 'juliet@example.com')).toBeNull();
      expect(await storage.roster.version('alice')).toBe('2');
      expect(await storage.roster.list('alice')).toEqual([]);
    });

    it('refuses to put an item for an unknown account', async () => {
      await expect(storage.roster.put('nobody', item('juliet@example.com'))).rejects.toThrow();
      expect(await storage.roster.list('nobody')).toEqual([]);
    });

    it('hands out distinct versions to concurrent changes', async () => {
      const versions = await Promise.all(
        Array.from({ length: 12 }, (_, i) => storage.roster.put('alice', item(`c${i}@example.com`))),
      );
      expect(versions.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(await storage.roster.version('alice')).toBe('12');
      expect(await storage.roster.list('alice')).toHaveLength(12);
    });

    it('keeps pending inbound subscription requests idempotently', async () => {
      expect(await storage.roster.pendingIn('alice')).toEqual([]);
      await storage.roster.addPendingIn('alice', 'romeo@example.net', '<presence type="subscribe" id="1"/>');
      await storage.roster.addPendingIn('alice', 'romeo@example.net', '<presence type="subscribe" id="2"/>');
      await storage.roster.addPendingIn('alice', 'juliet@example.com', '<presence type="subscribe" id="3"/>');
      expect(await storage.roster.pendingIn('alice')).toEqual([
        { jid: 'juliet@example.com', stanza: '<presence type="subscribe" id="3"/>' },
        { jid: 'romeo@example.net', stanza: '<presence type="subscribe" id="2"/>' },
      ]);
      expect(await storage.roster.removePendingIn('alice', 'romeo@example.net')).toBe(true);
      expect(await storage.roster.removePendingIn('alice', 'romeo@example.net')).toBe(false);
      expect(await storage.roster.pendingIn('alice')).toHaveLength(1);
      // requests are not roster changes
      expect(await storage.roster.version('alice')).toBe('0');
    });

    it('loads the version and the items together, in one query', async () => {
      expect(await storage.roster.load('alice')).toEqual({ version: '0', items: [] });
      expect(await storage.roster.load('nobody')).toEqual({ version: '0', items: [] });
      const romeo = item('romeo@example.net', { name: 'R', subscription: 'both', askSubscribe: true, approved: true, groups: ['a', 'b'] });
      await storage.roster.put('alice', romeo);
      await storage.roster.put('alice', item('juliet@example.com'));
      await storage.roster.put('bob', item('eve@example.org'));
      queries.length = 0;
      expect(await storage.roster.load('alice')).toEqual({ version: '2', items: [item('juliet@example.com'), romeo] });
      expect(queries).toEqual(['roster.load']);
    });

    it("never shows one user's roster through another's name", async () => {
      await storage.roster.put('alice', item('juliet@example.com', { name: 'J' }));
      await storage.roster.addPendingIn('alice', 'romeo@example.net', '<presence/>');
      expect(await storage.roster.list('bob')).toEqual([]);
      expect(await storage.roster.get('bob', 'juliet@example.com')).toBeNull();
      expect(await storage.roster.version('bob')).toBe('0');
      expect(await storage.roster.pendingIn('bob')).toEqual([]);
      expect(await storage.roster.remove('bob', 'juliet@example.com')).toBeNull();
      expect(await storage.roster.removePendingIn('bob', 'romeo@example.net')).toBe(false);

      await storage.roster.put('bob', item('juliet@example.com', { name: 'Bob’s J' }));
      expect((await storage.roster.get('alice', 'juliet@example.com'))?.name).toBe('J');
      expect(await storage.roster.version('alice')).toBe('1');
      expect(await storage.roster.pendingIn('alice')).toHaveLength(1);
    });
  });

  describe('offline messages', () => {
    beforeEach(async () => {
      await storage.accounts.create('alice', [sha256]);
      await storage.accounts.create('bob', [sha256]);
    });

    it('lists messages oldest first with increasing ids', async () => {
      for (let i = 0; i < 5; i++) expect(await storage.offline.store('alice', `<message id='${i}'/>`, 10)).toBe(true);
      const messages = await storage.offline.list('alice');
      expect(messages.map((m) => m.stanza)).toEqual([0, 1, 2, 3, 4].map((i) => `<message id='${i}'/>`));
      const ids = messages.map((m) => BigInt(m.id));
      expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
      expect(new Set(ids).size).toBe(5);
      for (const m of messages) expect(m.storedAt).toBeInstanceOf(Date);
      expect(await storage.offline.count('alice')).toBe(5);
    });

    it('stores nothing once the user holds `limit` messages', async () => {
      expect(await storage.offline.store('alice', '<m1/>', 2)).toBe(true);
      expect(await storage.offline.store('alice', '<m2/>', 2)).toBe(true);
      expect(await storage.offline.store('alice', '<m3/>', 2)).toBe(false);
      expect(await storage.offline.store('alice', '<m3/>', 0)).toBe(false);
      expect(await storage.offline.count('alice')).toBe(2);
      const [first] = await storage.offline.list('alice');
      await storage.offline.remove('alice', [first!.id]);
      expect(await storage.offline.store('alice', '<m3/>', 2)).toBe(true);
      expect((await storage.offline.list('alice')).map((m) => m.stanza)).toEqual(['<m2/>', '<m3/>']);
    });

    it('holds the limit under concurrent stores', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => storage.offline.store('alice', `<m${i}/>`, 7)),
      );
      expect(results.filter(Boolean)).toHaveLength(7);
      expect(await storage.offline.count('alice')).toBe(7);
    });

    it('removes the given ids only, and never reuses an id', async () => {
      await storage.offline.store('alice', '<a/>', 10);
      await storage.offline.store('alice', '<b/>', 10);
      await storage.offline.store('alice', '<c/>', 10);
      const [a, b, c] = await storage.offline.list('alice');
      await storage.offline.remove('alice', [a!.id, c!.id, 'not-an-id', '-1', '999999', '9999999999999999999', '1e3']);
      expect(await storage.offline.list('alice')).toEqual([b]);
      await storage.offline.remove('alice', []);
      await storage.offline.remove('alice', [b!.id]);
      expect(await storage.offline.count('alice')).toBe(0);

      await storage.offline.store('alice', '<d/>', 10);
      const [d] = await storage.offline.list('alice');
      expect(BigInt(d!.id)).toBeGreaterThan(BigInt(c!.id));
      // a late remove of already-delivered ids must not hit the new message
      await storage.offline.remove('alice', [a!.id, b!.id, c!.id]);
      expect(await storage.offline.list('alice')).toEqual([d]);
    });

    it('stores nothing for an unknown account', async () => {
      expect(await storage.offline.store('nobody', '<m/>', 10)).toBe(false);
      expect(await storage.offline.count('nobody')).toBe(0);
      expect(await storage.offline.list('nobody')).toEqual([]);
    });

    it("never shows or removes one user's messages through another's name", async () => {
      await storage.offline.store('alice', '<for-alice/>', 10);
      const [message] = await storage.offline.list('alice');
      expect(await storage.offline.list('bob')).toEqual([]);
      expect(await storage.offline.count('bob')).toBe(0);
      await storage.offline.remove('bob', [message!.id]);
      expect(await storage.offline.list('alice')).toEqual([message]);
      // bob's limit counts only bob's messages
      expect(await storage.offline.store('bob', '<for-bob/>', 1)).toBe(true);
    });
  });

  describe('private XML', () => {
    const bookmarks = '{storage:bookmarks} storage';
    const prefs = '{urn:example:prefs} prefs';

    beforeEach(async () => {
      await storage.accounts.create('alice', [sha256]);
      await storage.accounts.create('bob', [sha256]);
    });

    it('sets, gets and replaces per key', async () => {
      expect(await storage.privateXml.get('alice', bookmarks)).toBeNull();
      await storage.privateXml.set('alice', bookmarks, "<storage xmlns='storage:bookmarks'/>");
      await storage.privateXml.set('alice', prefs, "<prefs xmlns='urn:example:prefs'>1</prefs>");
      await storage.privateXml.set('alice', bookmarks, "<storage xmlns='storage:bookmarks'><url/></storage>");
      expect(await storage.privateXml.get('alice', bookmarks)).toBe("<storage xmlns='storage:bookmarks'><url/></storage>");
      expect(await storage.privateXml.get('alice', prefs)).toBe("<prefs xmlns='urn:example:prefs'>1</prefs>");
    });

    it("never shows one user's data through another's name", async () => {
      await storage.privateXml.set('alice', bookmarks, '<alice/>');
      expect(await storage.privateXml.get('bob', bookmarks)).toBeNull();
      await storage.privateXml.set('bob', bookmarks, '<bob/>');
      expect(await storage.privateXml.get('alice', bookmarks)).toBe('<alice/>');
    });

    it('refuses to store for an unknown account', async () => {
      await expect(storage.privateXml.set('nobody', bookmarks, '<x/>')).rejects.toThrow();
    });
  });

  describe('vCards', () => {
    beforeEach(async () => {
      await storage.accounts.create('alice', [sha256]);
      await storage.accounts.create('bob', [sha256]);
    });

    it('sets, gets, replaces and removes', async () => {
      expect(await storage.vcards.get('alice')).toBeNull();
      await storage.vcards.set('alice', '<vCard><FN>A</FN></vCard>');
      await storage.vcards.set('alice', '<vCard><FN>Alice</FN></vCard>');
      expect(await storage.vcards.get('alice')).toBe('<vCard><FN>Alice</FN></vCard>');
      await storage.vcards.set('alice', null);
      expect(await storage.vcards.get('alice')).toBeNull();
      await storage.vcards.set('alice', null);
      await storage.vcards.set('nobody', null);
    });

    it("never shows or removes one user's vCard through another's name", async () => {
      await storage.vcards.set('alice', '<vCard><FN>Alice</FN></vCard>');
      expect(await storage.vcards.get('bob')).toBeNull();
      await storage.vcards.set('bob', null);
      expect(await storage.vcards.get('alice')).toBe('<vCard><FN>Alice</FN></vCard>');
    });

    it('refuses to store for an unknown account', async () => {
      await expect(storage.vcards.set('nobody', '<vCard/>')).rejects.toThrow();
    });
  });

  describe('blocklist', () => {
    beforeEach(async () => {
      await storage.accounts.create('alice', [sha256]);
      await storage.accounts.create('bob', [sha256]);
    });

    it('adds idempotently, lists sorted, removes what was there and clears', async () => {
      expect(await storage.blocklist.list('alice')).toEqual([]);
      expect(await storage.blocklist.add('alice', ['z@example.com', 'example.net', 'a@example.com/phone'], 10)).toBe(true);
      expect(await storage.blocklist.add('alice', ['z@example.com', 'z@example.com'], 10)).toBe(true);
      expect(await storage.blocklist.list('alice')).toEqual(['a@example.com/phone', 'example.net', 'z@example.com']);
      expect(await storage.blocklist.list('bob')).toEqual([]);
      expect(await storage.blocklist.remove('alice', ['z@example.com', 'never@example.com'])).toEqual(['z@example.com']);
      expect(await storage.blocklist.list('alice')).toEqual(['a@example.com/phone', 'example.net']);
      expect(await storage.blocklist.clear('alice')).toEqual(['a@example.com/phone', 'example.net']);
      expect(await storage.blocklist.list('alice')).toEqual([]);
      expect(await storage.blocklist.clear('alice')).toEqual([]);
    });

    it('adds nothing when the list would exceed the limit, counting only new entries', async () => {
      expect(await storage.blocklist.add('alice', ['a@x.org', 'b@x.org'], 3)).toBe(true);
      expect(await storage.blocklist.add('alice', ['a@x.org', 'c@x.org', 'd@x.org'], 3)).toBe(false);
      expect(await storage.blocklist.list('alice')).toEqual(['a@x.org', 'b@x.org']);
      expect(await storage.blocklist.add('alice', ['a@x.org', 'c@x.org'], 3)).toBe(true);
      expect(await storage.blocklist.list('alice')).toHaveLength(3);
    });

    it('holds the limit under concurrent adds', async () => {
      const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => storage.blocklist.add('alice', [`${n}@x.org`], 3)));
      expect(results.filter(Boolean)).toHaveLength(3);
      expect(await storage.blocklist.list('alice')).toHaveLength(3);
    });

    it('refuses to add for an unknown account', async () => {
      await expect(storage.blocklist.add('nobody', ['a@x.org'], 10)).rejects.toThrow();
      expect(await storage.blocklist.list('nobody')).toEqual([]);
    });
  });

  describe('push registrations', () => {
    const form = "<x xmlns='jabber:x:data' type='submit'><field var='secret'><value>s3</value></field></x>";
    beforeEach(async () => {
      await storage.accounts.create('alice', [sha256]);
      await storage.accounts.create('bob', [sha256]);
    });

    it('enables, lists oldest first per account, replaces options of the same jid and node, and disables', async () => {
      const before = Date.now();
      expect(await storage.push.enable('alice', { jid: 'push.example.com', node: 'n1', options: form }, 5)).toBe(true);
      await sleep(5);
      expect(await storage.push.enable('alice', { jid: 'push.example.com', node: 'n2', options: null }, 5)).toBe(true);
      await sleep(5);
      expect(await storage.push.enable('alice', { jid: 'other.example.org', node: 'n1', options: null }, 5)).toBe(true);
      const listed = await storage.push.list('alice');
      expect(listed.map(({ jid, node, options }) => ({ jid, node, options }))).toEqual([
        { jid: 'push.example.com', node: 'n1', options: form },
        { jid: 'push.example.com', node: 'n2', options: null },
        { jid: 'other.example.org', node: 'n1', options: null },
      ]);
      expect(listed[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(await storage.push.list('bob')).toEqual([]);

      expect(await storage.push.enable('alice', { jid: 'push.example.com', node: 'n2', options: form }, 3)).toBe(true);
      expect((await storage.push.list('alice')).map((r) => r.options)).toEqual([form, form, null]);

      expect(await storage.push.disable('bob', 'push.example.com')).toBe(0);
      expect(await storage.push.disable('alice', 'push.example.com', 'n2')).toBe(1);
      expect((await storage.push.list('alice')).map((r) => `${r.jid} ${r.node}`)).toEqual(['push.example.com n1', 'other.example.org n1']);
      expect(await storage.push.enable('alice', { jid: 'push.example.com', node: 'n3', options: null }, 5)).toBe(true);
      expect(await storage.push.disable('alice', 'push.example.com')).toBe(2);
      expect((await storage.push.list('alice')).map((r) => `${r.jid} ${r.node}`)).toEqual(['other.example.org n1']);
    });

    it('adds nothing beyond the limit, also under concurrent enables', async () => {
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((n) => storage.push.enable('alice', { jid: 'push.example.com', node: n, options: null }, 2)));
      expect(results.filter(Boolean)).toHaveLength(2);
      expect(await storage.push.list('alice')).toHaveLength(2);
      expect(await storage.push.enable('bob', { jid: 'push.example.com', node: 'a', options: null }, 2)).toBe(true);
    });

    it('refuses to enable for an unknown account', async () => {
      await expect(storage.push.enable('nobody', { jid: 'push.example.com', node: 'n', options: null }, 5)).rejects.toThrow();
      expect(await storage.push.list('nobody')).toEqual([]);
    });
  });

  describe('last activity', () => {
    it('keeps the latest logout time and status per account, ignoring unknown accounts', async () => {
      await storage.accounts.create('alice', [sha256]);
      expect(await storage.lastActivity.get('alice')).toBeNull();
      await storage.lastActivity.set('alice', { at: new Date(1_000), status: 'lunch' });
      await storage.lastActivity.set('alice', { at: new Date(2_000), status: '' });
      expect(await storage.lastActivity.get('alice')).toEqual({ at: new Date(2_000), status: '' });
      await storage.lastActivity.set('nobody', { at: new Date(1_000), status: 'x' });
      expect(await storage.lastActivity.get('nobody')).toBeNull();
    });
  });

  describe('message archive', () => {
    beforeEach(async () => {
      await storage.accounts.create('alice', [sha256]);
      await storage.accounts.create('bob', [sha256]);
    });

    /** Appends n entries to alice's archive (ids a0…), alternating two peers; returns their ids. */
    async function fill(n: number, owner = 'alice'): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = `${owner[0]}${i}`;
        const peer = i % 2 === 0 ? 'bob@example.org' : 'carol@example.org';
        expect(await storage.archive.append(owner, { id, peer, peerResource: i === 4 ? 'phone' : null, stanza: `<message><body>${i}</body></message>`, storedAt: new Date(1_700_000_000_000 + i * 1000) })).toBe(true);
        ids.push(id);
      }
      return ids;
    }
    const idsOf = (page: { items: { id: string }[] } | null) => page?.items.map((e) => e.id);

    it('keeps entries in arrival order, even within one millisecond, and pages forward', async () => {
      const ids = await fill(7);
      const first = await storage.archive.query('alice', {}, { max: 3 });
      expect(first).toMatchObject({ count: 7, firstIndex: 0, complete: false });
      expect(idsOf(first)).toEqual(ids.slice(0, 3));
      expect(first!.items[0]).toEqual({ id: 'a0', peer: 'bob@example.org', peerResource: null, stanza: '<message><body>0</body></message>', storedAt: new Date(1_700_000_000_000) });
      const second = await storage.archive.query('alice', {}, { max: 3, after: 'a2' });
      expect(second).toMatchObject({ count: 7, firstIndex: 3, complete: false });
      expect(idsOf(second)).toEqual(ids.slice(3, 6));
      const last = await storage.archive.query('alice', {}, { max: 3, after: 'a5' });
      expect(last).toMatchObject({ firstIndex: 6, complete: true });
      expect(idsOf(last)).toEqual(['a6']);
      expect(await storage.archive.query('alice', {}, { max: 3, after: 'a6' })).toEqual({ items: [], count: 7, firstIndex: null, complete: true });
    });

    it('pages backward from the end and from an id, oldest first within a page', async () => {
      const ids = await fill(7);
      const lastPage = await storage.archive.query('alice', {}, { max: 3, before: '' });
      expect(lastPage).toMatchObject({ count: 7, firstIndex: 4, complete: false });
      expect(idsOf(lastPage)).toEqual(ids.slice(4));
      expect(idsOf(await storage.archive.query('alice', {}, { max: 3, before: 'a4' }))).toEqual(['a1', 'a2', 'a3']);
      const start = await storage.archive.query('alice', {}, { max: 3, before: 'a1' });
      expect(start).toMatchObject({ firstIndex: 0, complete: true });
      expect(idsOf(start)).toEqual(['a0']);
      expect(await storage.archive.query('alice', {}, { max: 10, before: '' })).toMatchObject({ complete: true, firstIndex: 0 });
    });

    it('pages by index and answers max 0 with the count alone', async () => {
      await fill(5);
      expect(idsOf(await storage.archive.query('alice', {}, { max: 2, index: 2 }))).toEqual(['a2', 'a3']);
      expect(await storage.archive.query('alice', {}, { max: 2, index: 2 })).toMatchObject({ firstIndex: 2, complete: false });
      expect(await storage.archive.query('alice', {}, { max: 2, index: 9 })).toMatchObject({ items: [], count: 5, complete: true });
      expect(await storage.archive.query('alice', {}, { max: 0 })).toEqual({ items: [], count: 5, firstIndex: null, complete: false });
    });

    it('filters by peer, resource, time (inclusive), after-id/before-id and ids', async () => {
      await fill(7);
      expect(idsOf(await storage.archive.query('alice', { peer: 'bob@example.org' }, { max: 10 }))).toEqual(['a0', 'a2', 'a4', 'a6']);
      expect(idsOf(await storage.archive.query('alice', { peer: 'bob@example.org', peerResource: 'phone' }, { max: 10 }))).toEqual(['a4']);
      const start = new Date(1_700_000_002_000);
      const end = new Date(1_700_000_004_000);
      expect(idsOf(await storage.archive.query('alice', { start, end }, { max: 10 }))).toEqual(['a2', 'a3', 'a4']);
      expect(idsOf(await storage.archive.query('alice', { afterId: 'a1', beforeId: 'a5' }, { max: 10 }))).toEqual(['a2', 'a3', 'a4']);
      const ids = await storage.archive.query('alice', { ids: ['a5', 'a1'] }, { max: 10 });
      expect(idsOf(ids)).toEqual(['a1', 'a5']);
      expect(ids).toMatchObject({ count: 2, complete: true });
      // Filters combine with paging: the second page of bob's entries.
      const page = await storage.archive.query('alice', { peer: 'bob@example.org' }, { max: 2, after: 'a2' });
      expect(idsOf(page)).toEqual(['a4', 'a6']);
      expect(page).toMatchObject({ count: 4, firstIndex: 2, complete: true });
    });

    it("answers null for an id that is not in this owner's archive, and never shows another's entries", async () => {
      await fill(3);
      const bobs = await fill(2, 'bob');
      const queries: [ArchiveFilter, ArchivePageRequest][] = [
        [{}, { max: 5, after: 'nope' }],
        [{}, { max: 5, before: bobs[0] }],
        [{ afterId: bobs[1] }, { max: 5 }],
        [{ beforeId: 'nope' }, { max: 5 }],
        [{ ids: ['a1', bobs[0]!] }, { max: 5 }],
      ];
      for (const [filter, page] of queries) expect(await storage.archive.query('alice', filter, page)).toBeNull();
      expect(idsOf(await storage.archive.query('bob', {}, { max: 10 }))).toEqual(bobs);
      expect(await storage.archive.query('nobody', {}, { max: 10 })).toEqual({ items: [], count: 0, firstIndex: null, complete: true });
    });

    it('stores copies appended at the same moment together, each acknowledged once it is stored', async () => {
      // Many at once, as under load: they are written in batches (group commit).
      const appends = Array.from({ length: 600 }, (_, i) => {
        const owner = i % 100 === 7 ? 'nobody' : i % 2 === 0 ? 'alice' : 'bob';
        return { owner, entry: { id: `burst${i}`, peer: 'carol@example.org', peerResource: null, stanza: `<message><body>${i}</body></message>`, storedAt: new Date(1_700_000_000_000 + i) } };
      });
      const results = await Promise.all(appends.map(({ owner, entry }) => storage.archive.append(owner, entry)));
      expect(results).toEqual(appends.map(({ owner }) => owner !== 'nobody'));
      // Every copy that was acknowledged is there, in the order appended.
      const expected = (owner: string) => appends.filter((a) => a.owner === owner).map((a) => a.entry.id);
      expect(idsOf(await storage.archive.query('alice', {}, { max: 1000 }))).toEqual(expected('alice'));
      expect(idsOf(await storage.archive.query('bob', {}, { max: 1000 }))).toEqual(expected('bob'));
      expect((await storage.archive.query('alice', { ids: ['burst598'] }, { max: 1 }))?.items[0]?.storedAt).toEqual(new Date(1_700_000_000_598));
    });

    it('refuses a copy whose id is taken without failing the copies written with it', async () => {
      await fill(1);
      const entry = (id: string) => ({ id, peer: 'carol@example.org', peerResource: null, stanza: '<message/>', storedAt: new Date() });
      const results = await Promise.allSettled([storage.archive.append('bob', entry('b-first')), storage.archive.append('bob', entry('a0')), storage.archive.append('alice', entry('a-second'))]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(idsOf(await storage.archive.query('bob', {}, { max: 10 }))).toEqual(['b-first']);
      expect(idsOf(await storage.archive.query('alice', {}, { max: 10 }))).toEqual(['a0', 'a-second']);
    });

    it('commits appends already accepted before the storage closes', async () => {
      const pending = Array.from({ length: 50 }, (_, i) => storage.archive.append('alice', { id: `late${i}`, peer: 'bob@example.org', peerResource: null, stanza: '<message/>', storedAt: new Date() }));
      await storage.close();
      expect(await Promise.all(pending)).toEqual(pending.map(() => true));
      storage = await openFresh(undefined, true);
      expect(await storage.archive.count('alice')).toBe(50);
    });

    it('stores nothing for an unknown account', async () => {
      expect(await storage.archive.append('nobody', { id: 'x', peer: 'bob@example.org', peerResource: null, stanza: '<message/>', storedAt: new Date() })).toBe(false);
      expect(await storage.archive.count('nobody')).toBe(0);
    });

    it('reports the first and last entries', async () => {
      expect(await storage.archive.bounds('alice')).toBeNull();
      await fill(3);
      const bounds = await storage.archive.bounds('alice');
      expect([bounds?.first.id, bounds?.last.id]).toEqual(['a0', 'a2']);
    });

    it('purges entries stored before the cutoff, in every archive', async () => {
      await fill(4);
      await fill(2, 'bob');
      expect(await storage.archive.purgeOlderThan(new Date(1_700_000_001_500))).toBe(4);
      expect(idsOf(await storage.archive.query('alice', {}, { max: 10 }))).toEqual(['a2', 'a3']);
      expect(await storage.archive.count('bob')).toBe(0);
    });

    it('keeps preferences per owner and refuses them for an unknown account', async () => {
      expect(await storage.archive.getPrefs('alice')).toBeNull();
      await storage.archive.setPrefs('alice', { default: 'never', always: ['bob@example.org', 'carol@example.org/phone'], never: [] });
      await storage.archive.setPrefs('alice', { default: 'roster', always: ['bob@example.org'], never: ['eve@example.org'] });
      expect(await storage.archive.getPrefs('alice')).toEqual({ default: 'roster', always: ['bob@example.org'], never: ['eve@example.org'] });
      expect(await storage.archive.getPrefs('bob')).toBeNull();
      await expect(storage.archive.setPrefs('nobody', { default: 'never', always: [], never: [] })).rejects.toThrow();
    });
  });

  describe('invites', () => {
    const hash = (n: number) => n.toString(16).padStart(64, '0');
    const now = new Date('2030-01-01T00:00:00.000Z');
    const later = (ms: number) => new Date(now.getTime() + ms);

    it('creates an invite that is valid until it expires', async () => {
      await storage.invites.create(hash(1), later(60_000));
      expect(await storage.invites.isValid(hash(1), now)).toBe(true);
      expect(await storage.invites.isValid(hash(1), later(59_999))).toBe(true);
      expect(await storage.invites.isValid(hash(1), later(60_000))).toBe(false);
      expect(await storage.invites.isValid(hash(2), now)).toBe(false);
      expect(await storage.invites.expiresAt(hash(1))).toEqual(later(60_000));
      expect(await storage.invites.expiresAt(hash(2))).toBeNull();
    });

    it('refuses a second invite with the same hash and keeps the first', async () => {
      await storage.invites.create(hash(1), later(60_000));
      await expect(storage.invites.create(hash(1), later(120_000))).rejects.toThrow();
      expect(await storage.invites.expiresAt(hash(1))).toEqual(later(60_000));
    });

    it('consumes a valid invite exactly once', async () => {
      await storage.invites.create(hash(1), later(60_000));
      expect(await storage.invites.consume(hash(1), now)).toBe(true);
      expect(await storage.invites.consume(hash(1), now)).toBe(false);
      expect(await storage.invites.isValid(hash(1), now)).toBe(false);
      expect(await storage.invites.expiresAt(hash(1))).toBeNull();
      expect(await storage.invites.consume(hash(2), now)).toBe(false);
    });

    it('does not consume an expired invite', async () => {
      await storage.invites.create(hash(1), later(60_000));
      expect(await storage.invites.consume(hash(1), later(60_000))).toBe(false);
      // still there (for purgeExpired), and still good at an earlier time
      expect(await storage.invites.consume(hash(1), later(1))).toBe(true);
    });

    it('lets only one of many concurrent consumers win', async () => {
      await storage.invites.create(hash(1), later(60_000));
      const results = await Promise.all(Array.from({ length: 8 }, () => storage.invites.consume(hash(1), now)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('counts valid invites and purges only expired ones', async () => {
      await storage.invites.create(hash(1), later(-1));
      await storage.invites.create(hash(2), now);
      await storage.invites.create(hash(3), later(1));
      await storage.invites.create(hash(4), later(86_400_000));
      expect(await storage.invites.count(now)).toBe(2);
      expect(await storage.invites.purgeExpired(now)).toBe(2);
      expect(await storage.invites.purgeExpired(now)).toBe(0);
      expect(await storage.invites.expiresAt(hash(1))).toBeNull();
      expect(await storage.invites.expiresAt(hash(2))).toBeNull();
      expect(await storage.invites.count(now)).toBe(2);
      expect(await storage.invites.count(later(1))).toBe(1);
      expect(await storage.invites.isValid(hash(4), now)).toBe(true);
    });
  });

  describe('pubsub', () => {
    const open = JSON.stringify({ access_model: 'open' });
    beforeEach(async () => {
      await storage.accounts.create('alice', [sha256]);
      await storage.accounts.create('bob', [sha256]);
    });

    it('creates nodes once, lists them sorted, and holds the per-owner limit', async () => {
      expect(await storage.pubsub.createNode('alice', 'urn:b', open, 2)).toBe('created');
      expect(await storage.pubsub.createNode('alice', 'urn:b', '{}', 2)).toBe('exists');
      expect(await storage.pubsub.createNode('alice', 'urn:a', '{}', 2)).toBe('created');
      expect(await storage.pubsub.createNode('alice', 'urn:c', '{}', 2)).toBe('limit');
      expect((await storage.pubsub.listNodes('alice')).map((n) => n.node)).toEqual(['urn:a', 'urn:b']);
      expect((await storage.pubsub.getNode('alice', 'urn:b'))?.config).toBe(open);
      expect(await storage.pubsub.getNode('bob', 'urn:b')).toBeNull();
      const results = await Promise.all(['x', 'y', 'z'].map((n) => storage.pubsub.createNode('bob', n, '{}', 2)));
      expect(results.filter((r) => r === 'created')).toHaveLength(2);
      await expect(storage.pubsub.createNode('nobody', 'urn:a', '{}', 2)).rejects.toThrow();
    });

    it('changes a configuration and deletes a node with its items', async () => {
      await storage.pubsub.createNode('alice', 'n', '{}', 10);
      expect(await storage.pubsub.setConfig('alice', 'n', open)).toBe(true);
      expect(await storage.pubsub.setConfig('alice', 'missing', open)).toBe(false);
      expect((await storage.pubsub.getNode('alice', 'n'))?.config).toBe(open);
      await storage.pubsub.publish('alice', 'n', { id: '1', payload: '<x/>', publisher: 'alice@localhost' }, 10);
      await storage.pubsub.subscribe('alice', 'n', 'bob@localhost');
      expect(await storage.pubsub.deleteNode('alice', 'n')).toBe(true);
      expect(await storage.pubsub.deleteNode('alice', 'n')).toBe(false);
      expect(await storage.pubsub.items('alice', 'n')).toEqual([]);
      await storage.pubsub.createNode('alice', 'n', '{}', 10);
      expect(await storage.pubsub.subscribers('alice', 'n')).toEqual([]);
    });

    it('keeps items newest first, replaces by id, and drops the oldest beyond max items', async () => {
      await storage.pubsub.createNode('alice', 'n', '{}', 10);
      const publish = (id: string, max = 3) => storage.pubsub.publish('alice', 'n', { id, payload: `<p n='${id}'/>`, publisher: 'alice@localhost/phone' }, max);
      expect(await publish('a')).toEqual([]);
      await publish('b');
      await publish('c');
      expect(await publish('a')).toEqual([]); // replaced, now the newest
      expect((await storage.pubsub.items('alice', 'n')).map((i) => i.id)).toEqual(['a', 'c', 'b']);
      expect(await publish('d')).toEqual(['b']);
      const items = await storage.pubsub.items('alice', 'n');
      expect(items.map((i) => i.id)).toEqual(['d', 'a', 'c']);
      expect(items[0]).toMatchObject({ payload: "<p n='d'/>", publisher: 'alice@localhost/phone' });
      expect(items[0]!.publishedAt).toBeInstanceOf(Date);
      expect((await storage.pubsub.items('alice', 'n', { max: 1 })).map((i) => i.id)).toEqual(['d']);
      expect((await storage.pubsub.items('alice', 'n', { ids: ['c', 'zz'] })).map((i) => i.id)).toEqual(['c']);
      expect(await storage.pubsub.trim('alice', 'n', 1)).toEqual(expect.arrayContaining(['a', 'c']));
      expect((await storage.pubsub.items('alice', 'n')).map((i) => i.id)).toEqual(['d']);
      expect(await storage.pubsub.publish('alice', 'missing', { id: '1', payload: '', publisher: 'alice@localhost' }, 3)).toBeNull();
      expect(await storage.pubsub.items('bob', 'n')).toEqual([]);
    });

    it('orders items published in the same millisecond', async () => {
      await storage.pubsub.createNode('alice', 'n', '{}', 10);
      for (let i = 0; i < 20; i++) await storage.pubsub.publish('alice', 'n', { id: `i${i}`, payload: '', publisher: 'alice@localhost' }, 5);
      expect((await storage.pubsub.items('alice', 'n')).map((i) => i.id)).toEqual(['i19', 'i18', 'i17', 'i16', 'i15']);
    });

    it('retracts and purges items', async () => {
      await storage.pubsub.createNode('alice', 'n', '{}', 10);
      for (const id of ['1', '2', '3']) await storage.pubsub.publish('alice', 'n', { id, payload: '', publisher: 'alice@localhost' }, 10);
      expect(await storage.pubsub.retract('alice', 'n', '2')).toBe(true);
      expect(await storage.pubsub.retract('alice', 'n', '2')).toBe(false);
      expect(await storage.pubsub.retract('bob', 'n', '1')).toBe(false);
      expect(await storage.pubsub.purge('alice', 'n')).toBe(2);
      expect(await storage.pubsub.items('alice', 'n')).toEqual([]);
    });

    it('keeps explicit subscriptions and affiliations per node, and forgets a departed JID everywhere', async () => {
      await storage.pubsub.createNode('alice', 'n', '{}', 10);
      await storage.pubsub.createNode('bob', 'm', '{}', 10);
      expect(await storage.pubsub.subscribe('alice', 'n', 'carol@example.org/phone')).toBe(true);
      expect(await storage.pubsub.subscribe('alice', 'n', 'carol@example.org/phone')).toBe(true);
      expect(await storage.pubsub.subscribe('alice', 'n', 'dave@example.org')).toBe(true);
      expect(await storage.pubsub.subscribe('alice', 'missing', 'dave@example.org')).toBe(false);
      expect(await storage.pubsub.subscribe('bob', 'm', 'carol@example.org')).toBe(true);
      expect(await storage.pubsub.subscribers('alice', 'n')).toEqual(['carol@example.org/phone', 'dave@example.org']);
      expect(await storage.pubsub.subscriptionsOf('alice', 'dave@example.org')).toEqual(['n']);
      expect(await storage.pubsub.unsubscribe('alice', 'n', 'dave@example.org')).toBe(true);
      expect(await storage.pubsub.unsubscribe('alice', 'n', 'dave@example.org')).toBe(false);

      expect(await storage.pubsub.setAffiliation('alice', 'n', 'carol@example.org', 'member')).toBe(true);
      expect(await storage.pubsub.setAffiliation('alice', 'n', 'eve@example.org', 'outcast')).toBe(true);
      expect(await storage.pubsub.setAffiliation('alice', 'missing', 'eve@example.org', 'member')).toBe(false);
      expect(await storage.pubsub.affiliations('alice', 'n')).toEqual([
        { jid: 'carol@example.org', affiliation: 'member' },
        { jid: 'eve@example.org', affiliation: 'outcast' },
      ]);
      await storage.pubsub.setAffiliation('alice', 'n', 'eve@example.org', 'none');
      expect(await storage.pubsub.affiliations('alice', 'n')).toEqual([{ jid: 'carol@example.org', affiliation: 'member' }]);

      await storage.pubsub.forgetJid('carol@example.org');
      expect(await storage.pubsub.subscribers('alice', 'n')).toEqual([]);
      expect(await storage.pubsub.subscribers('bob', 'm')).toEqual([]);
      expect(await storage.pubsub.affiliations('alice', 'n')).toEqual([]);
    });
  });

  describe('concurrency', () => {
    it('keeps interleaved calls of all kinds consistent', async () => {
      await storage.accounts.create('alice', [sha256]);
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          await Promise.all([
            storage.roster.put('alice', item(`c${i}@example.com`)),
            storage.offline.store('alice', `<m${i}/>`, 100),
            storage.privateXml.set('alice', `{urn:k${i}} k`, `<k${i}/>`),
            storage.vcards.set('alice', `<vCard>${i}</vCard>`),
            storage.accounts.get('alice'),
            storage.roster.remove('alice', `c${i - 1}@example.com`),
          ]);
        }),
      );
      expect(await storage.offline.count('alice')).toBe(10);
      expect(await storage.privateXml.get('alice', '{urn:k9} k')).toBe('<k9/>');
      const roster = await storage.roster.list('alice');
      const removals = 10 - roster.length;
      expect(await storage.roster.version('alice')).toBe(String(10 + removals));
    });
  });

  describe('group chat rooms', () => {
    const room = 'lounge@conference.localhost';
    const other = 'quiet@conference.localhost';
    const idsOf = (page: { items: { id: string }[] } | null) => page?.items.map((e) => e.id);
    async function fill(owner: string, prefix: string, n: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = `${prefix}${i}`;
        await storage.muc.append(owner, { id, peer: owner, peerResource: i % 2 === 0 ? 'alice' : 'bob', stanza: `<message type='groupchat'><body>${i}</body></message>`, storedAt: new Date(1_700_000_000_000 + i * 1000) });
        ids.push(id);
      }
      return ids;
    }

    it('stores, replaces, lists and deletes rooms', async () => {
      expect(await storage.muc.getRoom(room)).toBeNull();
      await storage.muc.saveRoom(room, '{"v":1}');
      await storage.muc.saveRoom(other, '{"v":2}');
      await storage.muc.saveRoom(room, '{"v":3}');
      expect((await storage.muc.getRoom(room))?.state).toBe('{"v":3}');
      expect((await storage.muc.listRooms()).map((r) => [r.jid, r.state])).toEqual([
        [room, '{"v":3}'],
        [other, '{"v":2}'],
      ]);
      expect(await storage.muc.deleteRoom(room)).toBe(true);
      expect(await storage.muc.deleteRoom(room)).toBe(false);
      expect((await storage.muc.listRooms()).map((r) => r.jid)).toEqual([other]);
    });

    it("pages through one room's archive like a user archive, and never shows another room's", async () => {
      const ids = await fill(room, 'm', 5);
      const theirs = await fill(other, 'q', 2);
      const first = await storage.muc.query(room, {}, { max: 2 });
      expect(idsOf(first)).toEqual(ids.slice(0, 2));
      expect(first).toMatchObject({ count: 5, firstIndex: 0, complete: false });
      expect(idsOf(await storage.muc.query(room, {}, { max: 2, before: '' }))).toEqual(ids.slice(3));
      expect(idsOf(await storage.muc.query(room, { peer: room, peerResource: 'bob' }, { max: 10 }))).toEqual(['m1', 'm3']);
      expect(await storage.muc.query(room, {}, { max: 2, after: theirs[0] })).toBeNull();
      expect(idsOf(await storage.muc.query(other, {}, { max: 10 }))).toEqual(theirs);
    });

    it('finds and replaces one entry (moderation), purges old entries, and deletes the archive with the room', async () => {
      await storage.muc.saveRoom(room, '{}');
      await fill(room, 'm', 4);
      await fill(other, 'q', 2);
      expect((await storage.muc.entry(room, 'm1'))?.peerResource).toBe('bob');
      expect(await storage.muc.entry(other, 'm1')).toBeNull();
      expect(await storage.muc.replaceEntry(room, 'm1', '<message type="groupchat"/>')).toBe(true);
      expect(await storage.muc.replaceEntry(other, 'm1', '<x/>')).toBe(false);
      expect((await storage.muc.entry(room, 'm1'))?.stanza).toBe('<message type="groupchat"/>');
      expect(await storage.muc.purgeOlderThan(new Date(1_700_000_000_500))).toBe(2);
      expect(idsOf(await storage.muc.query(room, {}, { max: 10 }))).toEqual(['m1', 'm2', 'm3']);
      await storage.muc.deleteRoom(room);
      expect(await storage.muc.query(room, {}, { max: 10 })).toEqual({ items: [], count: 0, firstIndex: null, complete: true });
      expect(idsOf(await storage.muc.query(other, {}, { max: 10 }))).toEqual(['q1']);
    });
  });

  describe('suspension and account queries', () => {
    it('suspends and lifts a suspension, keeping everything the account owns', async () => {
      await populate('alice', 'bob');
      expect(await storage.accounts.suspension('alice')).toBeNull();
      const at = new Date(1_700_000_000_000);
      expect(await storage.accounts.suspend('alice', { at, reason: 'spam from a bot', notice: true })).toBe(true);
      expect(await storage.accounts.suspension('alice')).toEqual({ at, reason: 'spam from a bot', notice: true });
      expect(await storage.accounts.suspension('bob')).toBeNull();
      expect(await storage.accounts.suspend('nobody', { at, reason: '', notice: false })).toBe(false);
      // a second suspension replaces the reason
      const later = new Date(1_700_000_100_000);
      expect(await storage.accounts.suspend('alice', { at: later, reason: 'abuse', notice: false })).toBe(true);
      expect(await storage.accounts.suspension('alice')).toEqual({ at: later, reason: 'abuse', notice: false });
      await storage.accounts.suspend('bob', { at, reason: '', notice: false });
      expect(await storage.accounts.listSuspended()).toEqual([
        { username: 'bob', at, reason: '', notice: false },
        { username: 'alice', at: later, reason: 'abuse', notice: false },
      ]);
      expect(await storage.accounts.unsuspend('alice')).toBe(true);
      expect(await storage.accounts.unsuspend('alice')).toBe(false);
      expect(await storage.accounts.unsuspend('nobody')).toBe(false);
      expect(await storage.accounts.suspension('alice')).toBeNull();
      expect((await storage.accounts.listSuspended()).map((s) => s.username)).toEqual(['bob']);
      expect(await storage.vcards.get('alice')).toContain('<FN>alice</FN>');
      expect(await storage.archive.count('alice')).toBe(1);
    });

    it('lists accounts created since a time, oldest first, and finds usernames by a part', async () => {
      await storage.accounts.create('old', []);
      await sleep(20);
      const since = new Date();
      await storage.accounts.create('new1', []);
      await storage.accounts.create('new2', []);
      await storage.accounts.create('a%b', []);
      expect((await storage.accounts.createdSince(since, 10)).map((a) => a.username)).toEqual(['new1', 'new2', 'a%b']);
      expect((await storage.accounts.createdSince(since, 2)).map((a) => a.username)).toEqual(['new1', 'new2']);
      expect((await storage.accounts.createdSince(since, 10))[0]?.createdAt).toBeInstanceOf(Date);
      expect(await storage.accounts.search('new', 10)).toEqual(['new1', 'new2']);
      expect(await storage.accounts.search('ew', 1)).toEqual(['new1']);
      expect(await storage.accounts.search('%', 10)).toEqual(['a%b']);
      expect(await storage.accounts.search('_', 10)).toEqual([]);
      expect(await storage.accounts.search('nothing', 10)).toEqual([]);
    });

    it('remembers which message of the day an account was sent', async () => {
      await storage.accounts.create('alice', []);
      expect(await storage.accounts.motdSeen('alice')).toBeNull();
      await storage.accounts.setMotdSeen('alice', 'motd-1');
      expect(await storage.accounts.motdSeen('alice')).toBe('motd-1');
      await storage.accounts.setMotdSeen('nobody', 'motd-1');
      expect(await storage.accounts.motdSeen('nobody')).toBeNull();
    });

    it('lists all private XML of an account, sorted by key', async () => {
      await populate('alice');
      await storage.privateXml.set('alice', '{a:b} a', '<a xmlns="a:b"/>');
      expect(await storage.privateXml.list('alice')).toEqual([
        { key: '{a:b} a', xml: '<a xmlns="a:b"/>' },
        { key: '{storage:bookmarks} storage', xml: "<storage xmlns='storage:bookmarks' owner='alice'/>" },
      ]);
      expect(await storage.privateXml.list('nobody')).toEqual([]);
    });
  });

  describe('abuse reports', () => {
    const report = (id: string, extra: Partial<{ reporter: string; offender: string; createdAt: Date }> = {}) => ({
      id,
      createdAt: new Date(1_700_000_000_000),
      reporter: 'alice@localhost',
      offender: 'spammer@example.com',
      reason: 'spam' as const,
      text: 'buy now',
      messages: [{ id: 'sid-1', by: 'alice@localhost', stanza: '<message><body>buy</body></message>', at: new Date(1_699_999_999_000) }],
      origin: 'local' as const,
      ...extra,
    });

    it('stores reports with their messages and lists them newest first, by status and offender', async () => {
      await storage.reports.create(report('r1'));
      await storage.reports.create(report('r2', { createdAt: new Date(1_700_000_001_000), offender: 'other@example.com' }));
      expect(await storage.reports.get('r1')).toEqual({ ...report('r1'), status: 'open', resolvedAt: null, resolution: null });
      expect(await storage.reports.get('nope')).toBeNull();
      expect((await storage.reports.list({ limit: 10 })).map((r) => r.id)).toEqual(['r2', 'r1']);
      expect((await storage.reports.list({ limit: 1 })).map((r) => r.id)).toEqual(['r2']);
      expect((await storage.reports.list({ offender: 'spammer@example.com', limit: 10 })).map((r) => r.id)).toEqual(['r1']);
      expect(await storage.reports.count('open')).toBe(2);
      expect(await storage.reports.countBy('alice@localhost', new Date(1_700_000_000_500))).toBe(1);
      expect(await storage.reports.countBy('bob@localhost', new Date(0))).toBe(0);
    });

    it('closes a report once, and purges closed reports after a time', async () => {
      await storage.reports.create(report('r1'));
      await storage.reports.create(report('r2'));
      const at = new Date(1_700_000_005_000);
      expect(await storage.reports.close('r1', 'resolved', 'suspended the account', at)).toBe(true);
      expect(await storage.reports.close('r1', 'dismissed', 'again', at)).toBe(false);
      expect(await storage.reports.close('nope', 'dismissed', '', at)).toBe(false);
      expect(await storage.reports.get('r1')).toMatchObject({ status: 'resolved', resolution: 'suspended the account', resolvedAt: at });
      expect((await storage.reports.list({ status: 'open', limit: 10 })).map((r) => r.id)).toEqual(['r2']);
      expect(await storage.reports.purgeClosed(at)).toBe(0);
      expect(await storage.reports.purgeClosed(new Date(at.getTime() + 1))).toBe(1);
      expect(await storage.reports.get('r1')).toBeNull();
      expect(await storage.reports.get('r2')).not.toBeNull();
    });

    it('outlives the accounts it names', async () => {
      await storage.accounts.create('alice', []);
      await storage.reports.create(report('r1'));
      await storage.accounts.delete('alice');
      expect((await storage.reports.get('r1'))?.reporter).toBe('alice@localhost');
    });
  });

  describe('audit log', () => {
    it('appends entries and pages through them newest first', async () => {
      for (let i = 1; i <= 5; i++) {
        await storage.audit.append({ at: new Date(1_700_000_000_000 + i), actor: 'admin@localhost', action: 'suspend', target: `user${i}@localhost`, detail: '' });
      }
      const first = await storage.audit.list({ limit: 2 });
      expect(first.map((e) => e.target)).toEqual(['user5@localhost', 'user4@localhost']);
      expect(first[0]).toMatchObject({ at: new Date(1_700_000_000_005), actor: 'admin@localhost', action: 'suspend', detail: '' });
      const next = await storage.audit.list({ limit: 10, before: first[1]!.id });
      expect(next.map((e) => e.target)).toEqual(['user3@localhost', 'user2@localhost', 'user1@localhost']);
      expect(await storage.audit.purgeOlderThan(new Date(1_700_000_000_003))).toBe(2);
      expect((await storage.audit.list({ limit: 10 })).map((e) => e.target)).toEqual(['user5@localhost', 'user4@localhost', 'user3@localhost']);
    });
  });

  describe('settings', () => {
    it('gets, sets and deletes values', async () => {
      expect(await storage.settings.get('motd')).toBeNull();
      await storage.settings.set('motd', 'one');
      await storage.settings.set('motd', 'two');
      expect(await storage.settings.get('motd')).toBe('two');
      expect(await storage.settings.delete('motd')).toBe(true);
      expect(await storage.settings.delete('motd')).toBe(false);
      expect(await storage.settings.get('motd')).toBeNull();
    });

    it('lets exactly one of concurrent compare-and-sets win', async () => {
      const created = await Promise.all([1, 2, 3].map((n) => storage.settings.compareAndSet('digest', null, `v${n}`)));
      expect(created.filter(Boolean)).toHaveLength(1);
      const current = (await storage.settings.get('digest'))!;
      const changed = await Promise.all([1, 2, 3].map((n) => storage.settings.compareAndSet('digest', current, `w${n}`)));
      expect(changed.filter(Boolean)).toHaveLength(1);
      expect(await storage.settings.compareAndSet('digest', current, 'stale')).toBe(false);
      expect(await storage.settings.get('digest')).toMatch(/^w[123]$/);
    });
  });
}
