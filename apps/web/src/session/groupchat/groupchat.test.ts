import { describe, expect, it, vi } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { parseXml, xml, type Element } from '@conexizan/protocol/xml';
import type { Connection } from '../client.ts';
import { GroupChats, MucJoinError } from './groupchat.ts';
import { ArchiveQueries } from '../archive.ts';

const ROOM = 'team@conference.x';

/** A GroupChats whose connection records what would go out and answers IQs with empty results. */
function setup() {
  const sent: Element[] = [];
  const iqs: { type: string; payload: Element; to?: string }[] = [];
  const answers: { match(payload: Element, to?: string): boolean; reply(): Element }[] = [];
  const connection = {
    status: 'online',
    send: async (s: Element) => void sent.push(s),
    iq: async (type: string, payload: Element, to?: string) => {
      iqs.push({ type, payload, to });
      const answer = answers.find((a) => a.match(payload, to));
      return answer ? answer.reply() : xml('iq', { type: 'result' });
    },
    on: () => () => {},
  } as unknown as Connection;
  const archive = new ArchiveQueries(connection, 'alice@x');
  const chats = new GroupChats(connection, 'alice@x', 'x', archive);
  // as the session routes them: archive results first
  const feed = (s: string) => {
    const stanza = parseXml(s);
    return archive.collect(stanza) || chats.handle(stanza);
  };
  return { chats, sent, iqs, feed, answers, archive };
}

const occupant = (nick: string, opts: { codes?: number[]; role?: string; affiliation?: string; type?: string; id?: string } = {}) =>
  `<presence from='${ROOM}/${nick}' ${opts.type ? `type='${opts.type}'` : ''}><x xmlns='${NS.MUC_USER}'><item role='${opts.role ?? 'participant'}' affiliation='${opts.affiliation ?? 'none'}'/>${(opts.codes ?? []).map((c) => `<status code='${c}'/>`).join('')}</x>${opts.id ? `<occupant-id xmlns='${NS.OCCUPANT_ID}' id='${opts.id}'/>` : ''}</presence>`;

describe('GroupChats', () => {
  it('enters a room: occupants, our role, join history and subject', async () => {
    const { chats, sent, feed } = setup();
    const joined = chats.join(ROOM, 'Alice');
    expect(sent[0]!.attrs.to).toBe(`${ROOM}/Alice`);
    expect(sent[0]!.getChild('x', NS.MUC)?.getChild('history')?.attrs.maxstanzas).toBe('30');
    feed(occupant('Bob', { id: 'occ-bob' }));
    feed(occupant('Alice', { codes: [110], role: 'moderator', affiliation: 'owner', id: 'occ-alice' }));
    await joined;
    feed(`<message from='${ROOM}/Bob' type='groupchat' id='h1'><body>earlier</body><delay xmlns='${NS.DELAY}' stamp='2026-01-01T10:00:00Z'/><stanza-id xmlns='${NS.SID}' by='${ROOM}' id='s1'/><occupant-id xmlns='${NS.OCCUPANT_ID}' id='occ-bob'/></message>`);
    feed(`<message from='${ROOM}' type='groupchat' id='subj'><subject>Plans for Friday</subject></message>`);
    const room = chats.store.get(ROOM)!;
    expect(room.state).toBe('joined');
    expect([room.role, room.affiliation]).toEqual(['moderator', 'owner']);
    expect(room.occupants.map((o) => o.nick)).toEqual(['Alice', 'Bob']);
    expect(room.subject).toBe('Plans for Friday');
    expect(room.messages.map((m) => [m.nick, m.body, m.archiveId, m.outgoing])).toEqual([['Bob', 'earlier', 's1', false]]);
    // join history is not news
    expect(room.unread).toBe(0);
  });

  it('shows our message at once and marks it sent when the room reflects it', async () => {
    const { chats, sent, feed } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(occupant('Alice', { codes: [110], id: 'occ-alice' }));
    await joined;
    await chats.send(ROOM, 'hello room');
    const out = sent[sent.length - 1]!;
    expect([out.attrs.type, out.attrs.to, out.getChildText('body')]).toEqual(['groupchat', ROOM, 'hello room']);
    expect(chats.store.get(ROOM)!.messages[0]!.state).toBe('pending');
    feed(`<message from='${ROOM}/Alice' type='groupchat' id='${out.attrs.id}'><body>hello room</body><stanza-id xmlns='${NS.SID}' by='${ROOM}' id='s9'/><occupant-id xmlns='${NS.OCCUPANT_ID}' id='occ-alice'/></message>`);
    const messages = chats.store.get(ROOM)!.messages;
    expect(messages.map((m) => [m.body, m.state, m.archiveId, m.outgoing])).toEqual([['hello room', 'sent', 's9', true]]);
  });

  it('counts live messages from others as unread unless the room is open', async () => {
    const { chats, feed } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(occupant('Alice', { codes: [110] }));
    await joined;
    feed(`<message from='${ROOM}/Bob' type='groupchat' id='b1'><body>one</body></message>`);
    chats.store.setActive(ROOM);
    feed(`<message from='${ROOM}/Bob' type='groupchat' id='b2'><body>two</body></message>`);
    expect(chats.store.get(ROOM)!.unread).toBe(0);
    chats.store.setActive(null);
    feed(`<message from='${ROOM}/Bob' type='groupchat' id='b3'><body>three</body></message>`);
    expect(chats.store.get(ROOM)!.unread).toBe(1);
  });

  it('rejects entering with the room’s reason', async () => {
    const { chats, feed } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(`<presence from='${ROOM}/Alice' type='error'><x xmlns='${NS.MUC}'/><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`);
    await expect(joined).rejects.toEqual(new MucJoinError('conflict'));
    expect(chats.store.get(ROOM)!.problem).toBe('conflict');
  });

  it('creates a private group: members-only, non-anonymous, persistent, hidden, then bookmarks it', async () => {
    const { chats, iqs, feed } = setup();
    const joined = chats.join(ROOM, 'Alice', { create: 'private' });
    feed(occupant('Alice', { codes: [110, 201], role: 'moderator', affiliation: 'owner' }));
    await joined;
    const config = iqs.find((i) => i.payload.getNS() === NS.MUC_OWNER)!;
    expect(config.to).toBe(ROOM);
    const fields = Object.fromEntries(config.payload.getChild('x', NS.DATA_FORMS)!.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')]));
    expect(fields).toMatchObject({ 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_whois': 'anyone', 'muc#roomconfig_persistentroom': '1', 'muc#roomconfig_publicroom': '0' });
    const bookmark = iqs.find((i) => i.payload.getChild('publish')?.attrs.node === NS.BOOKMARKS)!;
    expect(bookmark.payload.getChild('publish')!.getChild('item')!.attrs.id).toBe(ROOM);
  });

  it('refuses to "create" a room that already exists, and leaves it', async () => {
    const { chats, sent, feed } = setup();
    const joined = chats.join(ROOM, 'Alice', { create: 'instant' });
    feed(occupant('Alice', { codes: [110] }));
    await expect(joined).rejects.toEqual(new MucJoinError('exists'));
    expect(sent[sent.length - 1]!.attrs.type).toBe('unavailable');
    expect(chats.store.get(ROOM)).toBeUndefined();
  });

  it('knows when it was kicked, and follows a nickname change', async () => {
    const { chats, feed } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(occupant('Alice', { codes: [110] }));
    await joined;
    feed(`<presence from='${ROOM}/Alice' type='unavailable'><x xmlns='${NS.MUC_USER}'><item nick='Ally' role='participant' affiliation='none'/><status code='303'/><status code='110'/></x></presence>`);
    feed(occupant('Ally', { codes: [110] }));
    expect(chats.store.get(ROOM)!.nick).toBe('Ally');
    feed(occupant('Ally', { codes: [110, 307], type: 'unavailable', role: 'none' }));
    expect([chats.store.get(ROOM)!.state, chats.store.get(ROOM)!.problem]).toEqual(['error', 'kicked']);
  });

  it('applies a moderator’s retraction by the room’s stanza id, and ignores a retraction from someone else', async () => {
    const { chats, feed } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(occupant('Alice', { codes: [110] }));
    await joined;
    feed(`<message from='${ROOM}/Bob' type='groupchat' id='b1'><body>oops</body><stanza-id xmlns='${NS.SID}' by='${ROOM}' id='s1'/></message>`);
    feed(`<message from='${ROOM}/Eve' type='groupchat' id='e1'><retract xmlns='${NS.RETRACT}' id='b1'/></message>`);
    expect(chats.store.get(ROOM)!.messages[0]!.retracted).toBeFalsy();
    feed(`<message from='${ROOM}' type='groupchat' id='r1'><retract xmlns='${NS.RETRACT}' id='s1'><moderated xmlns='${NS.MODERATE}' by='${ROOM}/Mod'/></retract><body>A moderator retracted a message.</body></message>`);
    expect(chats.store.get(ROOM)!.messages[0]!.retracted).toBe(true);
  });

  it('keeps invitations, mediated and direct, and ignores messages not about rooms', () => {
    const { chats, feed } = setup();
    expect(feed(`<message from='${ROOM}' to='alice@x'><x xmlns='${NS.MUC_USER}'><invite from='bob@x/phone'><reason>join us</reason></invite></x></message>`)).toBe(true);
    expect(feed(`<message from='carol@y/web' to='alice@x'><x xmlns='${NS.CONFERENCE}' jid='other@conference.y' reason='come'/></message>`)).toBe(true);
    expect(feed(`<message from='bob@x/phone' type='chat'><body>hi</body></message>`)).toBe(false);
    expect(chats.invitations.map((i) => [i.room, i.from, i.reason])).toEqual([
      ['other@conference.y', 'carol@y', 'come'],
      [ROOM, 'bob@x', 'join us'],
    ]);
  });

  it('after a resumed session asks each room whether we are still in it (XEP-0410), and enters again only where we are not', async () => {
    const { chats, sent, feed, answers } = setup();
    const OTHER = 'other@conference.x';
    for (const room of [ROOM, OTHER]) {
      const joined = chats.join(room, 'Alice');
      feed(occupant('Alice', { codes: [110] }).replaceAll(ROOM, room));
      await joined;
    }
    answers.push({
      match: (payload, to) => payload.name === 'ping' && to === `${OTHER}/Alice`,
      reply: () => {
        throw Object.assign(new Error('not-acceptable'), { condition: 'not-acceptable' });
      },
    });
    sent.length = 0;
    await Promise.race([chats.selfPing(), new Promise((r) => setTimeout(r, 50))]);
    expect(sent.map((s) => [s.name, s.attrs.to])).toEqual([['presence', `${OTHER}/Alice`]]);
  });

  it('after a fresh session enters the rooms it was in and the bookmarked ones marked autojoin', async () => {
    const { chats, sent, feed, answers } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(occupant('Alice', { codes: [110] }));
    await joined;
    feed(`<message from='${ROOM}/Bob' type='groupchat' id='b1'><body>before the outage</body><delay xmlns='${NS.DELAY}' stamp='2026-03-01T10:00:00Z'/></message>`);
    answers.push({
      match: (payload) => payload.getChild('items')?.attrs.node === NS.BOOKMARKS,
      reply: () =>
        parseXml(
          `<iq type='result'><pubsub xmlns='${NS.PUBSUB}'><items node='${NS.BOOKMARKS}'>` +
            `<item id='book@conference.x'><conference xmlns='${NS.BOOKMARKS}' autojoin='true' name='Book club'><nick>Ali</nick></conference></item>` +
            `<item id='quiet@conference.x'><conference xmlns='${NS.BOOKMARKS}' autojoin='false'/></item>` +
            `</items></pubsub></iq>`,
        ),
    });
    sent.length = 0;
    void chats.rejoinAll();
    await new Promise((r) => setTimeout(r, 20));
    expect(sent.map((s) => s.attrs.to).sort()).toEqual(['book@conference.x/Ali', `${ROOM}/Alice`]);
    // What was missed comes with re-entering; a room new to this device gets its recent history.
    const history = (to: string) => sent.find((s) => s.attrs.to === to)!.getChild('x', NS.MUC)!.getChild('history')!.attrs;
    expect(history(`${ROOM}/Alice`)).toEqual({ maxstanzas: '200', since: '2026-03-01T10:00:00Z' });
    expect(history('book@conference.x/Ali')).toEqual({ maxstanzas: '30' });
    expect(chats.store.get('book@conference.x')!.name).toBe('Book club');
    expect(chats.store.get('quiet@conference.x')).toBeUndefined();
  });

  it('keeps a private message from an occupant with the room, and sends ours to one occupant only', async () => {
    const { chats, sent, feed } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(occupant('Alice', { codes: [110] }));
    await joined;
    expect(feed(`<message from='${ROOM}/Bob' type='chat' id='p1'><body>just for you</body><x xmlns='${NS.MUC_USER}'/></message>`)).toBe(true);
    await chats.sendPrivate(ROOM, 'Bob', 'thanks');
    const out = sent[sent.length - 1]!;
    expect([out.attrs.type, out.attrs.to, out.getChildText('body')]).toEqual(['chat', `${ROOM}/Bob`, 'thanks']);
    expect(chats.store.get(ROOM)!.messages.map((m) => [m.nick, m.privateWith, m.outgoing, m.body])).toEqual([
      ['Bob', 'Bob', false, 'just for you'],
      ['Alice', 'Bob', true, 'thanks'],
    ]);
  });

  it('reactions count once per occupant id, and our own retraction (by the room’s id) applies when the room reflects it', async () => {
    const { chats, sent, feed } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(occupant('Alice', { codes: [110], id: 'occ-alice' }));
    await joined;
    feed(`<message from='${ROOM}/Bob' type='groupchat' id='b1'><body>lunch?</body><stanza-id xmlns='${NS.SID}' by='${ROOM}' id='s1'/><occupant-id xmlns='${NS.OCCUPANT_ID}' id='occ-bob'/></message>`);
    const reaction = (nick: string, occ: string, emoji: string) =>
      `<message from='${ROOM}/${nick}' type='groupchat' id='r-${nick}-${emoji.length}'><reactions xmlns='${NS.REACTIONS}' id='s1'><reaction>${emoji}</reaction></reactions><occupant-id xmlns='${NS.OCCUPANT_ID}' id='${occ}'/></message>`;
    feed(reaction('Carol', 'occ-carol', '👍'));
    feed(reaction('Carol2', 'occ-carol', '🎉'));
    expect(chats.store.get(ROOM)!.messages[0]!.reactions).toEqual({ 'occ-carol': ['🎉'] });

    await chats.send(ROOM, 'mine');
    const mine = sent[sent.length - 1]!;
    feed(`<message from='${ROOM}/Alice' type='groupchat' id='${mine.attrs.id}'><body>mine</body><stanza-id xmlns='${NS.SID}' by='${ROOM}' id='s2'/><occupant-id xmlns='${NS.OCCUPANT_ID}' id='occ-alice'/></message>`);
    await chats.retractOwn(ROOM, chats.store.get(ROOM)!.messages[1]!);
    const retract = sent[sent.length - 1]!;
    expect([retract.attrs.type, retract.getChild('retract', NS.RETRACT)?.attrs.id]).toEqual(['groupchat', 's2']);
    feed(`<message from='${ROOM}/Alice' type='groupchat' id='${retract.attrs.id}'><retract xmlns='${NS.RETRACT}' id='s2'/><occupant-id xmlns='${NS.OCCUPANT_ID}' id='occ-alice'/></message>`);
    expect(chats.store.get(ROOM)!.messages.map((m) => [m.body, !!m.retracted])).toEqual([
      ['lunch?', false],
      ['', true],
    ]);
  });

  it('loads older messages from the room’s archive, keeping the room’s ids, until the archive says it is complete', async () => {
    const { chats, iqs, feed, answers, archive } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(occupant('Alice', { codes: [110] }));
    await joined;
    feed(`<message from='${ROOM}/Bob' type='groupchat' id='b9'><body>newest</body><stanza-id xmlns='${NS.SID}' by='${ROOM}' id='s9'/></message>`);
    const archived = (queryid: string, id: string, from: string, body: string) =>
      `<message from='${from}' to='alice@x/web'><result xmlns='${NS.MAM}' queryid='${queryid}' id='${id}'><forwarded xmlns='${NS.FORWARD}'><delay xmlns='${NS.DELAY}' stamp='2026-01-01T10:00:00Z'/><message from='${ROOM}/Bob' type='groupchat' id='${id}-m'><body>${body}</body></message></forwarded></result></message>`;
    answers.push({
      match: (payload, to) => payload.getNS() === NS.MAM && to === ROOM,
      reply: () => {
        const query = iqs[iqs.length - 1]!.payload;
        // a result from someone else than the room is not the room's archive
        for (const [id, from, body] of [['s1', ROOM, 'older'], ['s2', `${ROOM}/Mallory`, 'forged']]) archive.collect(parseXml(archived(query.attrs.queryid!, id!, from!, body!)));
        return parseXml(`<iq type='result'><fin xmlns='${NS.MAM}' complete='true'><set xmlns='${NS.RSM}'><first>s1</first><last>s1</last></set></fin></iq>`);
      },
    });
    expect(await chats.loadOlder(ROOM)).toBe(1);
    // paged back from the oldest message we had, by the room's stanza id
    expect(iqs[iqs.length - 1]!.payload.getChild('set', NS.RSM)?.getChildText('before')).toBe('s9');
    const room = chats.store.get(ROOM)!;
    expect(room.messages.map((m) => [m.body, m.archiveId, m.nick])).toEqual([['older', 's1', 'Bob'], ['newest', 's9', 'Bob']]);
    expect(room.historyComplete).toBe(true);
    expect(room.unread).toBe(1);
  });

  it('sends a file to the room: a slot from our server, the upload, then a message whose body is the link', async () => {
    const { chats, sent, iqs, feed, answers } = setup();
    const joined = chats.join(ROOM, 'Alice');
    feed(occupant('Alice', { codes: [110] }));
    await joined;
    answers.push({
      match: (payload) => payload.getNS() === NS.HTTP_UPLOAD,
      reply: () => xml('iq', { type: 'result' }, xml('slot', { xmlns: NS.HTTP_UPLOAD }, xml('put', { url: 'https://x/up/1/plan.pdf' }), xml('get', { url: 'https://x/files/1/plan.pdf' }))),
    });
    const uploaded: { url: string; body: unknown }[] = [];
    // The browser's upload, as putFile drives it.
    class FakeRequest {
      status = 0;
      upload = { onprogress: null };
      onload: (() => void) | null = null;
      #url = '';
      open(_method: string, url: string) {
        this.#url = url;
      }
      setRequestHeader() {}
      send(body: unknown) {
        uploaded.push({ url: this.#url, body });
        this.status = 201;
        setTimeout(() => this.onload?.(), 0);
      }
    }
    vi.stubGlobal('XMLHttpRequest', FakeRequest);
    try {
      await chats.sendFile(ROOM, new File(['the plan'], 'plan.pdf', { type: 'application/pdf' }));
    } finally {
      vi.unstubAllGlobals();
    }
    expect(iqs.find((i) => i.payload.getNS() === NS.HTTP_UPLOAD)?.to).toBe('x');
    expect(uploaded.map((u) => u.url)).toEqual(['https://x/up/1/plan.pdf']);
    const out = sent[sent.length - 1]!;
    expect([out.attrs.type, out.getChildText('body'), out.getChild('x', NS.OOB)?.getChildText('url')]).toEqual(['groupchat', 'https://x/files/1/plan.pdf', 'https://x/files/1/plan.pdf']);
    expect(chats.store.get(ROOM)!.messages.at(-1)!.file).toEqual({ url: 'https://x/files/1/plan.pdf', name: 'plan.pdf', mime: 'application/pdf', size: 8 });
  });
});
