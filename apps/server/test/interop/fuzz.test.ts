import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamParser } from '../../src/transport/stream-parser.ts';
import { chat, createAccount, hasBody, login, type RawXmppConnection, uniqueId } from '../support/raw-xmpp.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * A bounded, randomized mutation run (the one that sent 367,400 mutated
 * stanzas without a crash), kept in CI: valid stanzas from a small corpus
 * are mutated (bytes flipped, cut, repeated, tricky tokens inserted,
 * addresses replaced) and sent by a logged-in client; when the server ends
 * its stream, it logs in again. Afterwards: no internal error was counted,
 * and a well-behaved session still gets its messages.
 *
 * Time-bounded: CONEXIZAN_FUZZ_SECONDS (default 15). The seed is printed
 * and can be replayed with CONEXIZAN_FUZZ_SEED.
 */
const SECONDS = Number(process.env.CONEXIZAN_FUZZ_SECONDS ?? 15);
const SEED = Number(process.env.CONEXIZAN_FUZZ_SEED ?? Date.now() % 2 ** 31);
const PASSWORD = 'fuzzing password';

const CORPUS = [
  "<message to='watcher@localhost' type='chat' id='m1'><body>hello</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>",
  "<presence><show>away</show><status>fuzz</status><priority>5</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>",
  "<presence to='watcher@localhost' type='subscribe'/>",
  "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>",
  "<iq type='set' id='r2'><query xmlns='jabber:iq:roster'><item jid='watcher@localhost' name='W'><group>G</group></item></query></iq>",
  "<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
  "<iq type='get' id='d2' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>",
  "<iq type='set' id='a1'><query xmlns='urn:xmpp:mam:2' queryid='q'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field></x><set xmlns='http://jabber.org/protocol/rsm'><max>5</max></set></query></iq>",
  "<iq type='set' id='p1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:metadata'><item id='x'><metadata xmlns='urn:xmpp:avatar:metadata'/></item></publish></pubsub></iq>",
  "<presence to='room@conference.localhost/nick'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='2'/></x></presence>",
  "<message to='room@conference.localhost' type='groupchat'><body>hi all</body></message>",
  "<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'><item jid='spam@example.org'/></block></iq>",
  "<iq type='get' id='v1' to='localhost'><vCard xmlns='vcard-temp'/></iq>",
  "<iq type='set' id='u1' to='localhost'><request xmlns='urn:xmpp:http:upload:0' filename='a.txt' size='10' content-type='text/plain'/></iq>",
  "<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>",
  "<r xmlns='urn:xmpp:sm:3'/>",
  "<inactive xmlns='urn:xmpp:csi:0'/>",
];
const TOKENS = ['<', '>', '&', '&amp;', '&#0;', '&#x1F600;', '"', "'", '/', '=', ']]>', '<![CDATA[x]]>', '<!--', '<?x?>', "xmlns=''", "xmlns:a='b'", 'a:b', '\u0000', '\uFFFE', '\uD800', '😀', 'é', ' ', '\n', '<a>', '</a>', '<x/>'.repeat(50), 'x'.repeat(3000)];
const ADDRESSES = ['', '@', '/', 'a@b@c', 'localhost', 'watcher@localhost', 'watcher@localhost/x', 'ROOM@CONFERENCE.LOCALHOST', 'x'.repeat(1100), '\u00e9@localhost', '[::1]', 'a@localhost/' + '\u0301'.repeat(5)];

/** mulberry32: small, seedable, good enough for picking mutations. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function mutate(rand: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  let text = pick(CORPUS);
  const mutations = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < mutations; i++) {
    const at = Math.floor(rand() * (text.length + 1));
    switch (Math.floor(rand() * 6)) {
      case 0: // flip a character
        text = text.slice(0, at) + String.fromCharCode(Math.floor(rand() * 0x80)) + text.slice(at + 1);
        break;
      case 1: // cut a piece out
        text = text.slice(0, at) + text.slice(at + Math.floor(rand() * 20));
        break;
      case 2: // repeat a piece
        text = text.slice(0, at) + text.slice(at, at + Math.floor(rand() * 30)).repeat(1 + Math.floor(rand() * 5)) + text.slice(at);
        break;
      case 3: // insert a token
        text = text.slice(0, at) + pick(TOKENS) + text.slice(at);
        break;
      case 4: // replace an address
        text = text.replace(/(to|from|jid)='[^']*'/, `$1='${pick(ADDRESSES)}'`);
        break;
      default: // another stanza's tail
        text = text.slice(0, at) + pick(CORPUS).slice(Math.floor(rand() * 40));
    }
  }
  return text;
}

let server: TestServer;
let watcher: RawXmppConnection;

beforeAll(async () => {
  server = await startTestServer({ limits: { max_stanza_bytes: 65_536 } });
  for (const username of ['fuzzer', 'watcher', 'sender']) await createAccount({ port: server.ports.c2s, username, password: PASSWORD });
  watcher = await login({ port: server.ports.c2s, username: 'watcher', password: PASSWORD, resource: 'w' });
});

afterAll(async () => {
  await watcher?.close();
  await server?.stop();
});

async function internalErrors(): Promise<number> {
  const metric = await server.core.metrics.errors.get();
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

describe(`randomized mutation (seed ${SEED}, ${SECONDS} s)`, () => {
  it('the stream parser never throws on mutated input', () => {
    const rand = random(SEED);
    const deadline = Date.now() + Math.min(SECONDS, 5) * 1000;
    let inputs = 0;
    while (Date.now() < deadline) {
      const parser = new StreamParser({ streamStart: () => undefined, element: () => undefined, streamEnd: () => undefined, error: () => undefined }, { maxStanzaBytes: 65_536 });
      parser.write("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>");
      for (let i = 0; i < 20; i++) parser.write(mutate(rand));
      inputs++;
    }
    expect(inputs).toBeGreaterThan(100);
  });

  it('a logged-in client sending mutated stanzas never causes an internal error, and others are still served', async () => {
    const rand = random(SEED ^ 0x5eed);
    const errorsBefore = await internalErrors();
    const deadline = Date.now() + SECONDS * 1000;
    let sent = 0;
    let streams = 0;
    while (Date.now() < deadline) {
      const fuzzer = await login({ port: server.ports.c2s, username: 'fuzzer', password: PASSWORD, resource: `f${streams++}` });
      try {
        while (!fuzzer.isClosed && Date.now() < deadline) {
          fuzzer.write(mutate(rand));
          sent++;
          // Now and then let the server catch up, so the run is not one big buffer.
          if (sent % 25 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        fuzzer.destroy();
      }
    }
    console.log(`fuzz: seed ${SEED}, ${sent} mutated stanzas on ${streams} streams`);
    expect(sent).toBeGreaterThan(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await internalErrors(), `internal errors during the run (replay with CONEXIZAN_FUZZ_SEED=${SEED})`).toBe(errorsBefore);
    expect(watcher.isClosed).toBe(false);
    const sender = await login({ port: server.ports.c2s, username: 'sender', password: PASSWORD });
    try {
      const body = `still serving ${uniqueId()}`;
      sender.send(chat('watcher@localhost/w', body));
      await watcher.inbox.waitFor(hasBody(body), 'a message after the run');
    } finally {
      await sender.close();
    }
  }, 120_000);
});
