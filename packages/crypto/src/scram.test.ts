import { describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, utf8Decode, utf8Encode } from './bytes.ts';
import {
  ScramClientSession,
  ScramError,
  ScramServerSession,
  deriveScramCredentials,
  escapeSaslName,
  parseScramMechanism,
  prepPassword,
  scramMechanismName,
  scramMechanisms,
  unescapeSaslName,
} from './scram.ts';
import type { ScramCredentials, ScramHash, ScramServerOptions } from './scram.ts';

const enc = utf8Encode;
const dec = utf8Decode;

async function expectScramError(p: Promise<unknown> | (() => unknown), condition: string, serverError?: string) {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ScramError);
  expect((err as ScramError).condition).toBe(condition);
  if (serverError) expect((err as ScramError).serverError).toBe(serverError);
}

describe('mechanism names', () => {
  it('formats and parses', () => {
    expect(scramMechanismName('SHA-1', false)).toBe('SCRAM-SHA-1');
    expect(scramMechanismName('SHA-256', true)).toBe('SCRAM-SHA-256-PLUS');
    expect(parseScramMechanism('SCRAM-SHA-256-PLUS')).toEqual({ hash: 'SHA-256', plus: true });
    expect(parseScramMechanism('SCRAM-SHA-1')).toEqual({ hash: 'SHA-1', plus: false });
    expect(parseScramMechanism('SCRAM-SHA-512')).toBeNull();
    expect(parseScramMechanism('PLAIN')).toBeNull();
    expect(parseScramMechanism('scram-sha-1')).toBeNull();
    expect(scramMechanisms(true)).toEqual(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-1']);
    expect(scramMechanisms(false)).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-1']);
  });
});

describe('saslname escaping', () => {
  it('round-trips', () => {
    expect(escapeSaslName('a,b=c')).toBe('a=2Cb=3Dc');
    expect(unescapeSaslName('a=2Cb=3Dc')).toBe('a,b=c');
    expect(unescapeSaslName(escapeSaslName('=2C')) ).toBe('=2C');
  });
  it.each(['a=2c', 'a=41', 'a=', '=', 'a=3', ''])('rejects %j', (s) => expectScramError(() => unescapeSaslName(s), 'malformed-request'));
});

interface Vector {
  hash: ScramHash;
  cnonce: string;
  snonce: string;
  salt: string;
  clientFirst: string;
  serverFirst: string;
  clientFinal: string;
  serverFinal: string;
}

const RFC5802: Vector = {
  hash: 'SHA-1',
  cnonce: 'fyko+d2lbbFgONRv9qkxdawL',
  snonce: '3rfcNHYJY1ZVvWVs7j',
  salt: 'QSXCR+Q6sek8bf92',
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
};

const RFC7677: Vector = {
  hash: 'SHA-256',
  cnonce: 'rOprNGfwEbeRWgbNEkqO',
  snonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

describe.each([
  ['RFC 5802 SCRAM-SHA-1', RFC5802],
  ['RFC 7677 SCRAM-SHA-256', RFC7677],
])('%s test vector', (_name, v) => {
  it('client produces the exchange', async () => {
    const c = new ScramClientSession({ hash: v.hash, username: 'user', password: 'pencil', nonce: v.cnonce });
    expect(dec(c.first())).toBe(v.clientFirst);
    expect(dec(await c.final(enc(v.serverFirst)))).toBe(v.clientFinal);
    await c.verify(enc(v.serverFinal));
  });
  it('server produces the exchange', async () => {
    const creds = await deriveScramCredentials('pencil', v.hash, { salt: base64Decode(v.salt), iterations: 4096 });
    const looked: string[] = [];
    const s = new ScramServerSession({
      hash: v.hash,
      plus: false,
      channelBindingSupported: false,
      serverNonce: v.snonce,
      lookup: async (u) => {
        looked.push(u);
        return u === 'user' ? creds : null;
      },
    });
    expect(dec(await s.start(enc(v.clientFirst)))).toBe(v.serverFirst);
    const r = await s.finish(enc(v.clientFinal));
    expect(dec(r.serverFinal)).toBe(v.serverFinal);
    expect(r.username).toBe('user');
    expect(r.authzid).toBeNull();
    expect(looked).toEqual(['user']);
  });
  it('client rejects a wrong server signature', async () => {
    const c = new ScramClientSession({ hash: v.hash, username: 'user', password: 'pencil', nonce: v.cnonce });
    c.first();
    await c.final(enc(v.serverFirst));
    const bad = base64Decode(v.serverFinal.slice(2));
    bad[0]! ^= 1;
    await expectScramError(c.verify(enc(`v=${base64Encode(bad)}`)), 'not-authorized');
  });
  it('server rejects a wrong password', async () => {
    const creds = await deriveScramCredentials('pencil', v.hash, { salt: base64Decode(v.salt) });
    const s = new ScramServerSession({ hash: v.hash, plus: false, channelBindingSupported: false, serverNonce: v.snonce, lookup: async () => creds });
    const c = new ScramClientSession({ hash: v.hash, username: 'user', password: 'pencil2', nonce: v.cnonce });
    expect(dec(await s.start(c.first()))).toBe(v.serverFirst);
    await expectScramError(s.finish(await c.final(enc(v.serverFirst))), 'not-authorized', 'invalid-proof');
  });
});

// --- client <-> server ---------------------------------------------------

const users = new Map<string, Map<ScramHash, ScramCredentials>>();
async function addUser(name: string, password: string, iterations = 4096) {
  const m = new Map<ScramHash, ScramCredentials>();
  m.set('SHA-1', await deriveScramCredentials(password, 'SHA-1', { iterations }));
  m.set('SHA-256', await deriveScramCredentials(password, 'SHA-256', { iterations }));
  users.set(name, m);
}
const lookup = async (u: string, hash: ScramHash) => users.get(u)?.get(hash) ?? null;

function server(hash: ScramHash, extra: Partial<ScramServerOptions> = {}) {
  return new ScramServerSession({
    hash,
    plus: false,
    channelBindingSupported: false,
    lookup: (u) => lookup(u, hash),
    ...extra,
  });
}

async function exchange(client: ScramClientSession, srv: ScramServerSession) {
  const sf = await srv.start(client.first());
  const cf = await client.final(sf);
  const r = await srv.finish(cf);
  await client.verify(r.serverFinal);
  return r;
}

const CB_EXPORTER = new Uint8Array(32).map((_, i) => i * 7);
const CB_ENDPOINT = new Uint8Array(48).map((_, i) => 255 - i);
const getChannelBinding = (t: string) => (t === 'tls-exporter' ? CB_EXPORTER : t === 'tls-server-end-point' ? CB_ENDPOINT : null);

describe('client and server together', async () => {
  await addUser('juliet', 'r0m€o ♥ fore\u00a0ver'); // non-ASCII, with a no-break space
  await addUser('ümlaut,=user', 'pässwörd');
  await addUser('ascii', 'secret', 5000);

  it.each(['SHA-1', 'SHA-256'] as const)('%s without channel binding', async (hash) => {
    const c = new ScramClientSession({ hash, username: 'juliet', password: 'r0m€o ♥ fore ver' });
    expect(c.mechanism).toBe(`SCRAM-${hash}`);
    const r = await exchange(c, server(hash));
    expect(r.username).toBe('juliet');
  });

  it.each([
    ['SHA-1', 'tls-exporter'],
    ['SHA-256', 'tls-exporter'],
    ['SHA-1', 'tls-server-end-point'],
    ['SHA-256', 'tls-server-end-point'],
  ] as const)('%s-PLUS with %s', async (hash, type) => {
    const c = new ScramClientSession({ hash, username: 'ascii', password: 'secret', plus: { type, data: getChannelBinding(type)! } });
    expect(c.mechanism).toBe(`SCRAM-${hash}-PLUS`);
    const r = await exchange(c, server(hash, { plus: true, channelBindingSupported: true, getChannelBinding }));
    expect(r.username).toBe('ascii');
  });

  it('a cached SaltedPassword logs in without the password, and stops working once the salt changes', async () => {
    const first = new ScramClientSession({ hash: 'SHA-256', username: 'juliet', password: 'r0m€o ♥ fore ver' });
    await exchange(first, server('SHA-256'));
    const cached = first.saltedPassword!;
    expect(cached).toMatchObject({ hash: 'SHA-256', iterations: 4096 });
    const again = new ScramClientSession({ hash: 'SHA-256', username: 'juliet', saltedPassword: cached });
    expect((await exchange(again, server('SHA-256'))).username).toBe('juliet');

    // The password changed on another device: new salt, so the cache is useless and says so.
    const stale = { ...cached, salt: cached.salt.map((b) => b ^ 0xff) };
    const refused = new ScramClientSession({ hash: 'SHA-256', username: 'juliet', saltedPassword: stale });
    const srv = server('SHA-256');
    await expect(refused.final(await srv.start(refused.first()))).rejects.toMatchObject({ condition: 'not-authorized' });
    // A cache for the other hash is not used either.
    const otherHash = new ScramClientSession({ hash: 'SHA-1', username: 'juliet', saltedPassword: cached });
    const srv1 = server('SHA-1');
    await expect(otherHash.final(await srv1.start(otherHash.first()))).rejects.toMatchObject({ condition: 'not-authorized' });
  });

  it('password normalization: NFD, fullwidth, soft hyphen and spaces all match', async () => {
    await addUser('norm', 'Ｃafé\u00adpass word');
    for (const pw of ['Cafe\u0301pass word', 'Café\u00adpass\u3000word', 'Café\u200dpass\u2003word']) {
      await exchange(new ScramClientSession({ hash: 'SHA-256', username: 'norm', password: pw }), server('SHA-256'));
    }
  });

  it('escaped, non-ASCII usernames and authzid reach the server unescaped', async () => {
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'ümlaut,=user', password: 'pässwörd', authzid: 'admin=,x@example.com' });
    const first = dec(c.first());
    expect(first.startsWith('n,a=admin=3D=2Cx@example.com,n=ümlaut=2C=3Duser,r=')).toBe(true);
    const srv = server('SHA-256');
    const r = await srv.finish(await c.final(await srv.start(enc(first))));
    await c.verify(r.serverFinal);
    expect(r.username).toBe('ümlaut,=user');
    expect(r.authzid).toBe('admin=,x@example.com');
  });

  it("'y' flag is accepted when the server offers no -PLUS", async () => {
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'ascii', password: 'secret', serverSupportsPlus: false });
    expect(dec(c.first()).startsWith('y,,')).toBe(true);
  });
  it("'y' flag works end to end when the server offers no -PLUS", async () => {
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'ascii', password: 'secret', serverSupportsPlus: false });
    await exchange(c, server('SHA-256', { channelBindingSupported: false }));
  });

  it('honours the stored iteration count', async () => {
    const c = new ScramClientSession({ hash: 'SHA-1', username: 'ascii', password: 'secret' });
    const sf = dec(await server('SHA-1').start(c.first()));
    expect(sf.endsWith(',i=5000')).toBe(true);
  });

  it('two sessions get different server nonces', async () => {
    const a = dec(await server('SHA-1').start(enc('n,,n=ascii,r=abc')));
    const b = dec(await server('SHA-1').start(enc('n,,n=ascii,r=abc')));
    expect(a.split(',')[0]).not.toBe(b.split(',')[0]);
    expect(a.split(',')[0]!.startsWith('r=abc')).toBe(true);
  });
});

describe('server rejections', async () => {
  await addUser('romeo', 'juliet');

  it('bad proof', async () => {
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'romeo', password: 'juliet' });
    const srv = server('SHA-256');
    const cf = dec(await c.final(await srv.start(c.first())));
    const proof = base64Decode(cf.slice(cf.indexOf(',p=') + 3));
    proof[3]! ^= 0x40;
    await expectScramError(srv.finish(enc(cf.slice(0, cf.indexOf(',p=') + 3) + base64Encode(proof))), 'not-authorized', 'invalid-proof');
  });

  it('short proof', async () => {
    const srv = server('SHA-256');
    const sf = dec(await srv.start(enc('n,,n=romeo,r=abc')));
    const nonce = sf.split(',')[0]!.slice(2);
    await expectScramError(srv.finish(enc(`c=biws,r=${nonce},p=AAAA`)), 'not-authorized');
  });

  it('wrong nonce', async () => {
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'romeo', password: 'juliet' });
    const srv = server('SHA-256');
    const cf = dec(await c.final(await srv.start(c.first())));
    // Change the nonce's last character to one it cannot already be (a fixed 'X' left it unchanged one time in 64).
    const tampered = cf.replace(/,r=([^,]+),/, (_m, n: string) => `,r=${n.slice(0, -1)}${n.endsWith('X') ? 'Y' : 'X'},`);
    await expectScramError(srv.finish(enc(tampered)), 'not-authorized');
  });

  it("'y' flag is a downgrade when the server supports channel binding", async () => {
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'romeo', password: 'juliet', serverSupportsPlus: false });
    const srv = server('SHA-256', { channelBindingSupported: true, getChannelBinding });
    await expectScramError(srv.start(c.first()), 'not-authorized', 'server-does-support-channel-binding');
  });

  it("'n' flag on a server that supports channel binding is fine (client cannot bind)", async () => {
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'romeo', password: 'juliet' });
    await exchange(c, server('SHA-256', { channelBindingSupported: true, getChannelBinding }));
  });

  it('wrong channel binding data', async () => {
    const c = new ScramClientSession({
      hash: 'SHA-256',
      username: 'romeo',
      password: 'juliet',
      plus: { type: 'tls-exporter', data: new Uint8Array(32).fill(9) },
    });
    const srv = server('SHA-256', { plus: true, channelBindingSupported: true, getChannelBinding });
    await expectScramError(srv.finish(await c.final(await srv.start(c.first()))), 'not-authorized', 'channel-bindings-dont-match');
  });

  it('channel binding data of another type', async () => {
    const c = new ScramClientSession({
      hash: 'SHA-256',
      username: 'romeo',
      password: 'juliet',
      plus: { type: 'tls-server-end-point', data: CB_EXPORTER },
    });
    const srv = server('SHA-256', { plus: true, channelBindingSupported: true, getChannelBinding });
    await expectScramError(srv.finish(await c.final(await srv.start(c.first()))), 'not-authorized', 'channel-bindings-dont-match');
  });

  it("c= that does not match the GS2 header ('y' header, 'n' binding)", async () => {
    const srv = server('SHA-256');
    const sf = dec(await srv.start(enc('y,,n=romeo,r=abc')));
    const nonce = sf.split(',')[0]!.slice(2);
    await expectScramError(srv.finish(enc(`c=biws,r=${nonce},p=${base64Encode(new Uint8Array(32))}`)), 'not-authorized', 'channel-bindings-dont-match');
  });

  it('p= on a non-PLUS mechanism', async () => {
    await expectScramError(server('SHA-256').start(enc('p=tls-exporter,,n=romeo,r=abc')), 'malformed-request');
  });

  it('n or y on a -PLUS mechanism', async () => {
    const srv = () => server('SHA-256', { plus: true, channelBindingSupported: true, getChannelBinding });
    await expectScramError(srv().start(enc('n,,n=romeo,r=abc')), 'malformed-request');
    await expectScramError(srv().start(enc('y,,n=romeo,r=abc')), 'malformed-request');
  });

  it('unsupported or unavailable channel binding type', async () => {
    const srv = server('SHA-256', { plus: true, channelBindingSupported: true, getChannelBinding });
    await expectScramError(srv.start(enc('p=tls-unique,,n=romeo,r=abc')), 'not-authorized', 'unsupported-channel-binding-type');
    const noData = server('SHA-256', { plus: true, channelBindingSupported: true, getChannelBinding: () => null });
    await expectScramError(noData.start(enc('p=tls-exporter,,n=romeo,r=abc')), 'not-authorized', 'unsupported-channel-binding-type');
  });

  it.each([
    ['n,,n=ro=41meo,r=abc', 'bad escape in username'],
    ['n,,n=romeo=,r=abc', 'trailing ='],
    ['n,,n=ro=2cmeo,r=abc', 'lower-case escape'],
    ['n,a=x=2,n=romeo,r=abc', 'bad escape in authzid'],
    ['n,a=,n=romeo,r=abc', 'empty authzid'],
    ['n,,n=,r=abc', 'empty username'],
    ['n,,n=\u0007,r=abc', 'username with control char (SASLprep)'],
    ['m=foo,n=romeo,r=abc', 'no GS2 header / extension'],
    ['n,,m=ext,n=romeo,r=abc', 'mandatory extension'],
    ['n,,n=romeo', 'no nonce'],
    ['n,,n=romeo,r=', 'empty nonce'],
    ['n,,n=romeo,r=a b', 'nonce with space'],
    ['n,,r=abc,n=romeo', 'attributes out of order'],
    ['x,,n=romeo,r=abc', 'bad flag'],
    ['n,b=x,n=romeo,r=abc', 'bad authzid attribute'],
    ['n,,n=romeo,r=abc,,', 'empty attribute'],
    ['n', 'truncated'],
    ['', 'empty'],
    ['n,,n=romeo\u0000,r=abc', 'NUL'],
  ])('client-first %j (%s)', async (msg) => {
    await expectScramError(server('SHA-256').start(enc(msg)), 'malformed-request');
  });

  it('m= is reported as an unsupported extension', async () => {
    await expectScramError(server('SHA-256').start(enc('n,,m=ext,n=romeo,r=abc')), 'malformed-request', 'extensions-not-supported');
  });

  it('ignores unknown optional extensions', async () => {
    const sf = dec(await server('SHA-256').start(enc('n,,n=romeo,r=abc,x=whatever')));
    expect(sf.startsWith('r=abc')).toBe(true);
  });

  it('invalid UTF-8 and oversize messages', async () => {
    await expectScramError(server('SHA-256').start(new Uint8Array([0x6e, 0x2c, 0x2c, 0x6e, 0x3d, 0xff, 0x2c, 0x72, 0x3d, 0x61])), 'malformed-request', 'invalid-encoding');
    await expectScramError(server('SHA-256').start(enc('n,,n=romeo,r=' + 'a'.repeat(5000))), 'malformed-request');
    await expectScramError(server('SHA-256').start(enc('n,,n=romeo,r=' + 'a'.repeat(600))), 'malformed-request');
  });

  it.each([
    ['r=NONCE,p=AAAA', 'no c='],
    ['c=biws,p=AAAA', 'no r='],
    ['c=biws,r=NONCE', 'no p='],
    ['c=biws,r=NONCE,p=AAAA,x=1', 'p= not last'],
    ['c=bi*s,r=NONCE,p=AAAA', 'bad base64 in c='],
  ])('client-final %j (%s)', async (tmpl) => {
    const srv = server('SHA-256');
    const sf = dec(await srv.start(enc('n,,n=romeo,r=abc')));
    const nonce = sf.split(',')[0]!.slice(2);
    let err: unknown;
    try {
      await srv.finish(enc(tmpl.replace('NONCE', nonce)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScramError);
    expect(['malformed-request', 'incorrect-encoding']).toContain((err as ScramError).condition);
  });

  it('out-of-order calls', async () => {
    const srv = server('SHA-256');
    await expectScramError(srv.finish(enc('c=biws,r=abc,p=AAAA')), 'malformed-request');
    await srv.start(enc('n,,n=romeo,r=abc'));
    await expectScramError(srv.start(enc('n,,n=romeo,r=abc')), 'malformed-request');
  });

  it('a failed session cannot be retried', async () => {
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'romeo', password: 'wrong' });
    const srv = server('SHA-256');
    const cf = await c.final(await srv.start(c.first()));
    await expectScramError(srv.finish(cf), 'not-authorized');
    await expectScramError(srv.finish(cf), 'malformed-request');
  });

  it('lookup failures become temporary-auth-failure', async () => {
    const srv = server('SHA-256', { lookup: () => Promise.reject(new Error('db down')) });
    await expectScramError(srv.start(enc('n,,n=romeo,r=abc')), 'temporary-auth-failure');
  });

  it('credentials of another hash are not used', async () => {
    const sha1 = users.get('romeo')!.get('SHA-1')!;
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'romeo', password: 'juliet' });
    const srv = server('SHA-256', { lookup: async () => sha1 });
    await expectScramError(async () => srv.finish(await c.final(await srv.start(c.first()))), 'not-authorized');
  });
});

describe('unknown users are indistinguishable', async () => {
  await addUser('known', 'pw');
  const SHAPE = /^r=abc[A-Za-z0-9+/]{24},s=[A-Za-z0-9+/]{22}==,i=4096$/;

  it('server-first has the same shape and a stable salt', async () => {
    const known = dec(await server('SHA-256').start(enc('n,,n=known,r=abc')));
    const ghost1 = dec(await server('SHA-256').start(enc('n,,n=ghost,r=abc')));
    const ghost2 = dec(await server('SHA-256').start(enc('n,,n=ghost,r=abc')));
    const other = dec(await server('SHA-256').start(enc('n,,n=ghost2,r=abc')));
    for (const m of [known, ghost1, ghost2, other]) expect(m).toMatch(SHAPE);
    const salt = (m: string) => m.split(',')[1];
    expect(salt(ghost1)).toBe(salt(ghost2));
    expect(salt(ghost1)).not.toBe(salt(other));
    expect(salt(ghost1)).not.toBe(salt(known));
  });

  it('fake salt depends on the secret; iterations configurable', async () => {
    const a = dec(await server('SHA-256', { fakeSaltSecret: new Uint8Array([1]) }).start(enc('n,,n=ghost,r=abc')));
    const b = dec(await server('SHA-256', { fakeSaltSecret: new Uint8Array([2]) }).start(enc('n,,n=ghost,r=abc')));
    expect(a.split(',')[1]).not.toBe(b.split(',')[1]);
    const c = dec(await server('SHA-256', { fakeIterations: 10000 }).start(enc('n,,n=ghost,r=abc')));
    expect(c.endsWith(',i=10000')).toBe(true);
  });

  it('authentication fails with not-authorized like a wrong password', async () => {
    const c = new ScramClientSession({ hash: 'SHA-256', username: 'ghost', password: 'pw' });
    const srv = server('SHA-256');
    await expectScramError(async () => srv.finish(await c.final(await srv.start(c.first()))), 'not-authorized', 'invalid-proof');
  });
});

describe('client rejections', () => {
  const first = (opts: Partial<ConstructorParameters<typeof ScramClientSession>[0]> = {}) => {
    const c = new ScramClientSession({ hash: 'SHA-1', username: 'user', password: 'pencil', nonce: 'abc', ...opts });
    c.first();
    return c;
  };
  it.each([
    ['r=xyz123,s=QSXCR+Q6sek8bf92,i=4096', 'not-authorized', 'nonce not extending ours'],
    ['r=abc,s=QSXCR+Q6sek8bf92,i=4096', 'not-authorized', 'nonce not extended'],
    ['r=abcdef,s=QSXCR+Q6sek8bf92,i=4095', 'not-authorized', 'too few iterations'],
    ['r=abcdef,s=QSXCR+Q6sek8bf92,i=99999999', 'not-authorized', 'too many iterations'],
    ['r=abcdef,s=QSXCR+Q6sek8bf92,i=0', 'malformed-request', 'zero iterations'],
    ['r=abcdef,s=QSXCR+Q6sek8bf92,i=04096', 'malformed-request', 'leading zero'],
    ['r=abcdef,s=,i=4096', 'malformed-request', 'empty salt'],
    ['r=abcdef,s=!!!!,i=4096', 'incorrect-encoding', 'bad salt'],
    ['m=x,r=abcdef,s=QSXCR+Q6sek8bf92,i=4096', 'malformed-request', 'mandatory extension'],
    ['s=QSXCR+Q6sek8bf92,r=abcdef,i=4096', 'malformed-request', 'order'],
  ])('server-first %j -> %s (%s)', async (sf, cond) => {
    await expectScramError(first().final(enc(sf)), cond);
  });
  it('server error in server-final', async () => {
    const c = first();
    await c.final(enc('r=abcdef,s=QSXCR+Q6sek8bf92,i=4096'));
    await expectScramError(c.verify(enc('e=invalid-proof')), 'not-authorized', 'invalid-proof');
  });
  it('out of order', async () => {
    const c = new ScramClientSession({ hash: 'SHA-1', username: 'user', password: 'pencil' });
    await expectScramError(c.final(enc('r=x,s=QSXCR+Q6sek8bf92,i=4096')), 'aborted');
    await expectScramError(c.verify(enc('v=AAAA')), 'aborted');
    c.first();
    await expectScramError(() => c.first(), 'aborted');
  });
  it('bad constructor input', async () => {
    await expectScramError(() => new ScramClientSession({ hash: 'SHA-1', username: 'a', password: 'b', nonce: 'a,b' }), 'malformed-request');
    await expectScramError(() => new ScramClientSession({ hash: 'SHA-1', username: '', password: 'b' }), 'malformed-request');
    await expectScramError(() => new ScramClientSession({ hash: 'SHA-1', username: 'a\u0000', password: 'b' }), 'malformed-request');
  });
  it('a prohibited password fails before any proof is sent', async () => {
    const c = first({ password: 'pen\u0007cil' });
    await expectScramError(c.final(enc('r=abcdef,s=QSXCR+Q6sek8bf92,i=4096')), 'malformed-request');
  });
});

describe('deriveScramCredentials / prepPassword', () => {
  it('RFC 5802 keys', async () => {
    const c = await deriveScramCredentials('pencil', 'SHA-1', { salt: base64Decode('QSXCR+Q6sek8bf92') });
    expect(c.iterations).toBe(4096);
    expect(c.storedKey.length).toBe(20);
    expect(c.serverKey.length).toBe(20);
  });
  it('defaults: random 16-byte salt', async () => {
    const a = await deriveScramCredentials('x', 'SHA-256', { iterations: 1 });
    const b = await deriveScramCredentials('x', 'SHA-256', { iterations: 1 });
    expect(a.salt.length).toBe(16);
    expect(base64Encode(a.salt)).not.toBe(base64Encode(b.salt));
    expect(a.storedKey.length).toBe(32);
  });
  it('equivalent passwords give equal keys', async () => {
    const salt = new Uint8Array(16);
    const a = await deriveScramCredentials('Ｐässword', 'SHA-256', { salt, iterations: 10 });
    const b = await deriveScramCredentials('Pa\u0308ss\u00adword', 'SHA-256', { salt, iterations: 10 });
    expect(base64Encode(a.storedKey)).toBe(base64Encode(b.storedKey));
  });
  it.each(['', 'a\u0000b', 'a\u0007', 'a\ue000', '\u05d0a\u05d1', '\u00ad'])('rejects %j', async (pw) => {
    await expectScramError(deriveScramCredentials(pw, 'SHA-256', { iterations: 1 }), 'malformed-request');
    await expectScramError(() => prepPassword(pw), 'malformed-request');
  });
  it('rejects bad parameters', async () => {
    await expect(deriveScramCredentials('x', 'SHA-1', { iterations: 0 })).rejects.toThrow(RangeError);
    await expect(deriveScramCredentials('x', 'SHA-1', { salt: new Uint8Array() })).rejects.toThrow(RangeError);
  });
});
