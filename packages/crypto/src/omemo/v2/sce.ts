import { NS } from '@conexizan/protocol/namespaces';
import { xmppDateTime } from '@conexizan/protocol/stanza';
import { parseXml, xml, type Element } from '@conexizan/protocol/xml';
import { base64Encode, concatBytes, constantTimeEqual, randomBytes, utf8Decode, utf8Encode } from '../../bytes.ts';
import { OmemoError } from '../errors.ts';
import { aesCbcDecrypt, aesCbcEncrypt, deriveAeadKeys, hmacSha256 } from './primitives.ts';

/**
 * What OMEMO 2 encrypts: a XEP-0420 envelope (Stanza Content Encryption)
 * whose <content> holds the message's elements (its body, a file link, a
 * reply…), with random padding (<rpad>) and the <from>/<to> affixes that
 * bind it to its sender and recipient (a group: the room). The payload is
 * AES-256-CBC + HMAC-SHA-256 under keys derived with HKDF ("OMEMO Payload")
 * from a fresh 32-byte key; what each device gets is that key and the MAC
 * truncated to 16 bytes (48 bytes).
 */
const MAX_ENVELOPE_CHARS = 256 * 1024;

export async function sealPayload2(envelope: Element): Promise<{ payload: Uint8Array; keyMaterial: Uint8Array }> {
  const key = randomBytes(32);
  const { encKey, authKey, iv } = await deriveAeadKeys(key, 'OMEMO Payload');
  const payload = await aesCbcEncrypt(encKey, iv, utf8Encode(envelope.toString()));
  const mac = (await hmacSha256(authKey, payload)).slice(0, 16);
  return { payload, keyMaterial: concatBytes(key, mac) };
}

export async function openPayload2(payload: Uint8Array, keyMaterial: Uint8Array): Promise<Element> {
  if (keyMaterial.length !== 48) throw new OmemoError('corrupted', 'the OMEMO 2 payload key has the wrong length');
  const { encKey, authKey, iv } = await deriveAeadKeys(keyMaterial.slice(0, 32), 'OMEMO Payload');
  const mac = (await hmacSha256(authKey, payload)).slice(0, 16);
  if (!constantTimeEqual(mac, keyMaterial.slice(32))) throw new OmemoError('corrupted', 'the OMEMO 2 payload does not match its authentication tag');
  let text: string;
  try {
    text = utf8Decode(await aesCbcDecrypt(encKey, iv, payload));
  } catch (cause) {
    throw new OmemoError('corrupted', 'the OMEMO 2 payload does not decrypt', { cause });
  }
  if (text.length > MAX_ENVELOPE_CHARS) throw new OmemoError('too-large', 'the OMEMO 2 payload is too large');
  try {
    return parseXml(text);
  } catch (cause) {
    throw new OmemoError('corrupted', 'the OMEMO 2 payload is not an XML envelope', { cause });
  }
}

/** An envelope for `content` (elements of the message: <body xmlns='jabber:client'>, …). */
export function buildEnvelope(content: Element[], affixes: { from: string; to: string }): Element {
  // 0–200 bytes of padding hide the length of short messages.
  const padding = randomBytes(globalThis.crypto.getRandomValues(new Uint8Array(1))[0]! % 201);
  // The affixes repeat their namespace: Converse.js looks them up by an explicit xmlns attribute.
  return xml(
    'envelope',
    { xmlns: NS.SCE },
    xml('content', {}, ...content),
    xml('rpad', { xmlns: NS.SCE }, base64Encode(padding)),
    xml('time', { xmlns: NS.SCE, stamp: xmppDateTime(new Date()) }),
    xml('to', { xmlns: NS.SCE, jid: affixes.to }),
    xml('from', { xmlns: NS.SCE, jid: affixes.from }),
  );
}

export function bodyContent(text: string): Element {
  return xml('body', { xmlns: NS.CLIENT }, text);
}

const bare = (jid: unknown) => String(jid ?? '').split('/')[0]!.toLowerCase();

/**
 * The <content> of an envelope, after checking its affixes (XEP-0420 §4):
 * <from> must name the sender when present; <to> must name the recipient
 * (our account, or the room in a group) when present, and is required in a
 * group so a message cannot be moved from one room into another. Without
 * `to` (a copy of a message this account sent) any recipient is accepted.
 */
export function readEnvelope(envelope: Element, expected: { from: string; to: string[] | undefined; requireTo: boolean }): Element {
  // getName(): the local name, whatever prefix the sender's serialiser chose (python's ElementTree writes ns0:envelope).
  if (envelope.getName() !== 'envelope' || envelope.getNS() !== NS.SCE) throw new OmemoError('corrupted', 'the OMEMO 2 payload is not an SCE envelope');
  const from = envelope.getChild('from', NS.SCE);
  if (from && bare(from.attrs.jid) !== bare(expected.from)) throw new OmemoError('corrupted', 'the OMEMO 2 envelope names another sender than the one who sent it');
  const to = envelope.getChild('to', NS.SCE);
  if (expected.to && (to ? !expected.to.map(bare).includes(bare(to.attrs.jid)) : expected.requireTo)) {
    throw new OmemoError('corrupted', 'the OMEMO 2 envelope was addressed to someone else (or to no room)');
  }
  const content = envelope.getChild('content', NS.SCE);
  if (!content) throw new OmemoError('corrupted', 'the OMEMO 2 envelope has no content');
  return content;
}
