import * as openpgp from 'openpgp';
import { NS } from '@conexizan/protocol/namespaces';
import { parseXmppDateTime, xmppDateTime } from '@conexizan/protocol/stanza';
import { parseXml, xml, type Element } from '@conexizan/protocol/xml';
import { base64Decode, base64Encode, randomBytes, utf8Decode, utf8Encode } from '../bytes.ts';
import { OxError } from './errors.ts';
import { readSecret, xmppUserId } from './keys.ts';

/**
 * XEP-0374 messages: the stanza's content (its body…) in a XEP-0373
 * <signcrypt/> element with the recipients, the time and random padding,
 * signed with the sender's key and encrypted to every recipient's key and
 * the sender's own; carried Base64-encoded in <openpgp/>.
 */
const MAX_OPENPGP_BASE64 = 256 * 1024;

export interface SealOptions {
  /** the payload's children: what the message says */
  content: Element[];
  /** the bare JIDs the message is for (the <to/> elements) */
  to: string[];
  /** our secret key */
  secretKey: Uint8Array;
  /** the recipients' public keys and our own */
  encryptionKeys: Uint8Array[];
  now?: Date;
}

/** The <openpgp/> element of an encrypted and signed message. */
export async function sealSigncrypt(options: SealOptions): Promise<Element> {
  const signcrypt = xml(
    'signcrypt',
    { xmlns: NS.OPENPGP },
    ...options.to.map((jid) => xml('to', { jid })),
    xml('time', { stamp: xmppDateTime(options.now ?? new Date()) }),
    xml('rpad', {}, randomPadding()),
    xml('payload', {}, ...options.content),
  );
  const [signingKey, ...encryptionKeys] = await Promise.all([readSecret(options.secretKey), ...options.encryptionKeys.map((binaryKey) => openpgp.readKey({ binaryKey }))]);
  const encrypted = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: utf8Encode(signcrypt.toString()) }),
    encryptionKeys,
    signingKeys: signingKey!,
    format: 'binary',
  });
  return xml('openpgp', { xmlns: NS.OPENPGP }, base64Encode(encrypted as Uint8Array));
}

export interface OpenOptions {
  /** our secret key */
  secretKey: Uint8Array;
  /** the sender's published keys: the signature must be by one of them */
  senderKeys: Uint8Array[];
  /** the sender's bare JID: its keys must carry the User ID "xmpp:" + it */
  sender: string;
  /** the bare JIDs of which one must be among the <to/> elements (us; for a copy of our own message, its recipient) */
  recipients: string[];
}

export interface Opened {
  /** the children of <payload/> */
  payload: Element[];
  /** when the sender says it signed */
  time: Date;
  /** the fingerprint of the key that signed */
  signedBy: string;
}

/**
 * Decrypts and verifies (XEP-0373 §3.1): the signature must be valid and by
 * one of the sender's keys, whose User ID names the sender, and the content
 * must name us as a recipient. Anything else is refused with an OxError.
 */
export async function openSigncrypt(openpgpElement: Element, options: OpenOptions): Promise<Opened> {
  const text = openpgpElement.getText().replace(/\s+/g, '');
  if (!text || text.length > MAX_OPENPGP_BASE64) throw new OxError('malformed', 'the OpenPGP message is empty or too large');
  let message: openpgp.Message<Uint8Array>;
  try {
    message = await openpgp.readMessage({ binaryMessage: base64Decode(text) });
  } catch (error) {
    throw new OxError('malformed', 'the OpenPGP message cannot be read', { cause: error });
  }
  const decryptionKey = await readSecret(options.secretKey);
  const senderKeys = (await Promise.all(options.senderKeys.map((binaryKey) => openpgp.readKey({ binaryKey }).catch(() => null)))).filter(
    (key): key is openpgp.Key => key !== null && key.getUserIDs().includes(xmppUserId(options.sender)),
  );
  if (senderKeys.length === 0) throw new OxError('no-key', 'the sender has published no key for their address');
  let data: Uint8Array;
  let signatures: Awaited<ReturnType<typeof openpgp.decrypt>>['signatures'];
  try {
    ({ data, signatures } = (await openpgp.decrypt({ message, decryptionKeys: decryptionKey, verificationKeys: senderKeys, format: 'binary' })) as { data: Uint8Array; signatures: typeof signatures });
  } catch (error) {
    throw new OxError('not-for-us', 'the message was not encrypted for this key', { cause: error });
  }
  let signedBy: string | null = null;
  for (const signature of signatures) {
    try {
      await signature.verified;
      const keyId = signature.keyID;
      const key = senderKeys.find((k) => k.getKeys(keyId).length > 0);
      if (key) signedBy = key.getFingerprint().toUpperCase();
    } catch {
      // a signature that does not verify with the sender's keys: not theirs
    }
    if (signedBy) break;
  }
  if (!signedBy) throw new OxError('bad-signature', 'the message is not signed by the sender’s key');

  let signcrypt: Element;
  try {
    signcrypt = parseXml(utf8Decode(data));
  } catch (error) {
    throw new OxError('malformed', 'the signed content is not XML', { cause: error });
  }
  if (signcrypt.name !== 'signcrypt' || signcrypt.getNS() !== NS.OPENPGP) throw new OxError('malformed', 'the content is not a <signcrypt/> element');
  const times = signcrypt.getChildren('time');
  const time = times.length === 1 ? parseStamp(String(times[0]!.attrs.stamp ?? '')) : null;
  const payloads = signcrypt.getChildren('payload');
  if (!time || payloads.length !== 1) throw new OxError('malformed', 'the content needs exactly one <time/> and one <payload/>');
  const to = signcrypt.getChildren('to').map((t) => bareOf(String(t.attrs.jid ?? '')));
  if (!to.some((jid) => options.recipients.includes(jid))) throw new OxError('wrong-recipient', 'the signed content is addressed to someone else');
  return { payload: payloads[0]!.getChildElements(), time, signedBy };
}

/** XEP-0082 time; profanity writes the offset without its colon ("+0100", strftime's %z), which is read too. */
function parseStamp(stamp: string): Date | null {
  return parseXmppDateTime(stamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

function bareOf(jid: string): string {
  const slash = jid.indexOf('/');
  return (slash === -1 ? jid : jid.slice(0, slash)).toLowerCase();
}

/** Random-length random padding (0-200 characters of Base64) against length side channels. */
function randomPadding(): string {
  const length = randomBytes(1)[0]! % 151;
  return base64Encode(randomBytes(length)).slice(0, length + Math.floor(length / 3));
}
