import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { parseXml, xml } from '@conexizan/protocol/xml';
import { base64Decode, base64Encode } from '../bytes.ts';
import { generateBackupCode } from '../backup/code.ts';
import {
  OxError,
  formatOxFingerprint,
  generateOxKey,
  importOxSecretKey,
  openSecretKeyBackup,
  openSigncrypt,
  parsePublicKeysList,
  parsePubkey,
  publicKeysListElement,
  pubkeyElement,
  readOxPublicKey,
  sealSecretKeyBackup,
  sealSigncrypt,
  type OxKey,
} from './index.ts';

const body = (text: string) => xml('body', { xmlns: NS.CLIENT }, text);

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OxError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('OpenPGP for XMPP', () => {
  let juliet: OxKey;
  let romeo: OxKey;
  let mallory: OxKey;

  beforeAll(async () => {
    [juliet, romeo, mallory] = await Promise.all([generateOxKey('juliet@example.org'), generateOxKey('romeo@example.org'), generateOxKey('juliet@example.org')]);
  });

  it('makes a v4 key for XMPP: the User ID is the address, the fingerprint 40 upper-case hex digits', async () => {
    expect(juliet.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    const published = await readOxPublicKey(juliet.publicKey, juliet.fingerprint);
    expect(published).toMatchObject({ fingerprint: juliet.fingerprint, userIds: ['xmpp:juliet@example.org'], usable: true });
    expect(formatOxFingerprint(juliet.fingerprint)).toMatch(/^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);
    // A key published under another key's fingerprint is refused.
    expect(await refusal(readOxPublicKey(romeo.publicKey, juliet.fingerprint))).toBe('bad-key');
  });

  it('the PEP elements carry the key and the announced fingerprints', () => {
    const pubkey = parseXml(pubkeyElement(juliet.publicKey).toString());
    expect(parsePubkey(pubkey)).toEqual(juliet.publicKey);
    const list = parsePublicKeysList(parseXml(publicKeysListElement([{ fingerprint: juliet.fingerprint, date: new Date('2024-01-01T00:00:00Z') }, { fingerprint: romeo.fingerprint, date: new Date('2025-01-01T00:00:00Z') }]).toString()));
    expect(list.map((k) => k.fingerprint)).toEqual([romeo.fingerprint, juliet.fingerprint]);
    expect(parsePublicKeysList(parseXml(`<public-keys-list xmlns='urn:xmpp:openpgp:0'><pubkey-metadata v4-fingerprint='nope' date='x'/></public-keys-list>`))).toEqual([]);
  });

  it('a signcrypted message opens for its recipient and for the sender (encrypted to self), and says who signed', async () => {
    const sealed = await sealSigncrypt({ content: [body('meet me at the balcony')], to: ['romeo@example.org'], secretKey: juliet.secretKey, encryptionKeys: [romeo.publicKey, juliet.publicKey] });
    expect(sealed.toString()).not.toContain('balcony');
    const opened = await openSigncrypt(sealed, { secretKey: romeo.secretKey, senderKeys: [juliet.publicKey], sender: 'juliet@example.org', recipients: ['romeo@example.org'] });
    expect(opened.payload[0]!.getText()).toBe('meet me at the balcony');
    expect(opened.signedBy).toBe(juliet.fingerprint);
    // Her other device reads her own message (a carbon): the recipient named inside is Romeo.
    const own = await openSigncrypt(sealed, { secretKey: juliet.secretKey, senderKeys: [juliet.publicKey], sender: 'juliet@example.org', recipients: ['juliet@example.org', 'romeo@example.org'] });
    expect(own.payload[0]!.getText()).toBe('meet me at the balcony');
  });

  it('refuses a message signed by another key than the sender’s, one forwarded to someone else, and one not for us', async () => {
    // Mallory has a key with Juliet's address too, but it is not the one Juliet published.
    const forged = await sealSigncrypt({ content: [body('the wedding is off')], to: ['romeo@example.org'], secretKey: mallory.secretKey, encryptionKeys: [romeo.publicKey] });
    expect(await refusal(openSigncrypt(forged, { secretKey: romeo.secretKey, senderKeys: [juliet.publicKey], sender: 'juliet@example.org', recipients: ['romeo@example.org'] }))).toBe('bad-signature');
    // Romeo forwards Juliet's message to Mallory's friend: it names Romeo inside.
    const toRomeo = await sealSigncrypt({ content: [body('only for you')], to: ['romeo@example.org'], secretKey: juliet.secretKey, encryptionKeys: [romeo.publicKey, juliet.publicKey] });
    expect(await refusal(openSigncrypt(toRomeo, { secretKey: juliet.secretKey, senderKeys: [juliet.publicKey], sender: 'juliet@example.org', recipients: ['tybalt@example.org'] }))).toBe('wrong-recipient');
    expect(await refusal(openSigncrypt(toRomeo, { secretKey: mallory.secretKey, senderKeys: [juliet.publicKey], sender: 'juliet@example.org', recipients: ['romeo@example.org'] }))).toBe('not-for-us');
    // The sender's key must carry the sender's address.
    expect(await refusal(openSigncrypt(toRomeo, { secretKey: romeo.secretKey, senderKeys: [juliet.publicKey], sender: 'tybalt@example.org', recipients: ['romeo@example.org'] }))).toBe('no-key');
    expect(await refusal(openSigncrypt(xml('openpgp', { xmlns: NS.OPENPGP }, 'bm90IG9wZW5wZ3A='), { secretKey: romeo.secretKey, senderKeys: [juliet.publicKey], sender: 'juliet@example.org', recipients: ['romeo@example.org'] }))).toBe('malformed');
  });

  it('the secret key backup opens with its backup code only, and holds the same key', async () => {
    const code = generateBackupCode();
    const backup = await sealSecretKeyBackup(juliet.secretKey, code);
    const restored = await openSecretKeyBackup(backup, code.toLowerCase().replace(/-/g, ' '), 'juliet@example.org');
    expect((await importOxSecretKey(restored, 'juliet@example.org')).fingerprint).toBe(juliet.fingerprint);
    expect(await refusal(openSecretKeyBackup(backup, generateBackupCode(), 'juliet@example.org'))).toBe('bad-backup-code');
    expect(await refusal(openSecretKeyBackup(backup, code, 'romeo@example.org'))).toBe('wrong-account');
    expect(await refusal(importOxSecretKey(juliet.secretKey, 'romeo@example.org'))).toBe('wrong-account');
  });
});

/** GnuPG (what profanity uses through GPGME) reads what we make, and we read what it makes. */
describe('OpenPGP for XMPP with GnuPG', () => {
  let home: string;
  let web: OxKey;
  let gpgFingerprint: string;
  const gpg = (args: string[], input?: Uint8Array | string) =>
    execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--trust-model', 'always', ...args], { input, stdio: ['pipe', 'pipe', 'pipe'] });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'conexizan-gpg-'));
    gpg(['--quick-generate-key', 'xmpp:finn@example.org', 'future-default', 'default', '1y']);
    gpgFingerprint = /fpr:{9}([0-9A-F]{40}):/.exec(gpg(['--with-colons', '--list-keys', 'xmpp:finn@example.org']).toString())![1]!;
    web = await generateOxKey('ada@example.org');
    gpg(['--import'], web.publicKey);
  });
  afterAll(() => {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'all']);
    rmSync(home, { recursive: true, force: true });
  });

  it('GnuPG decrypts and verifies our message; we open and verify its', async () => {
    const finnPublic = new Uint8Array(gpg(['--export', '--export-options', 'export-minimal', gpgFingerprint]));
    expect((await readOxPublicKey(finnPublic, gpgFingerprint)).userIds).toEqual(['xmpp:finn@example.org']);

    const sealed = await sealSigncrypt({ content: [body('from the browser')], to: ['finn@example.org'], secretKey: web.secretKey, encryptionKeys: [finnPublic, web.publicKey] });
    const status = join(home, 'status');
    const plain = gpg(['--status-file', status, '--decrypt'], base64Decode(sealed.getText())).toString();
    expect(plain).toContain('<body xmlns="jabber:client">from the browser</body>');
    expect(execFileSync('cat', [status]).toString()).toContain(`VALIDSIG ${web.fingerprint}`);

    // As profanity writes it: the time's offset without a colon (strftime's %z).
    const signcrypt = `<signcrypt xmlns='urn:xmpp:openpgp:0'><to jid='ada@example.org'/><time stamp='${new Date().toISOString().slice(0, 19)}+0000'/><rpad>xyz</rpad><payload><body xmlns='jabber:client'>from GnuPG</body></payload></signcrypt>`;
    const file = join(home, 'signcrypt.xml');
    writeFileSync(file, signcrypt);
    const encrypted = new Uint8Array(gpg(['--sign', '--encrypt', '--local-user', gpgFingerprint, '--recipient', web.fingerprint, '--recipient', gpgFingerprint, '--output', '-', file]));
    const opened = await openSigncrypt(xml('openpgp', { xmlns: NS.OPENPGP }, base64Encode(encrypted)), { secretKey: web.secretKey, senderKeys: [finnPublic], sender: 'finn@example.org', recipients: ['ada@example.org'] });
    expect(opened.payload[0]!.getText()).toBe('from GnuPG');
    expect(opened.signedBy).toBe(gpgFingerprint);
  });

  it('GnuPG opens our secret key backup with the backup code (dashes included)', async () => {
    const code = generateBackupCode();
    const backup = await sealSecretKeyBackup(web.secretKey, code);
    const keys = new Uint8Array(gpg(['--passphrase', code, '--decrypt'], backup));
    expect((await importOxSecretKey(keys, 'ada@example.org')).fingerprint).toBe(web.fingerprint);
    // and a key GnuPG exports without a passphrase comes in as it is
    const exported = gpg(['--armor', '--export-secret-keys', gpgFingerprint]).toString();
    expect((await importOxSecretKey(exported, 'finn@example.org')).fingerprint).toBe(gpgFingerprint);
  });
});
