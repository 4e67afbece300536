import { CodedError } from '../coded-error.ts';

/**
 * Why an OMEMO operation was refused. Each code is something a client can
 * show to its user ("this message was not encrypted for this device") without
 * knowing Signal internals; `message` says it in English, and never contains
 * key material or plaintext.
 */
export type OmemoErrorCode =
  /** the <encrypted> element has no <key> for this device */
  | 'not-for-this-device'
  /** this device sent it (e.g. our own message coming back from the archive): we never encrypt for ourselves */
  | 'sent-by-this-device'
  /** the XML, the Signal message or the payload is damaged or was tampered with */
  | 'corrupted'
  /** a pre-key message that was already used (replay), or one for a pre-key we no longer have */
  | 'replayed-prekey'
  /** a normal message whose message key was already used: a replay or a duplicate */
  | 'duplicate'
  /** no session with the sending device and the message carries no pre-key to build one */
  | 'no-session'
  /** the bundle's signed pre-key signature does not verify with its identity key */
  | 'bad-bundle-signature'
  /** the bundle is malformed (missing parts, wrong key lengths, too many pre-keys) */
  | 'bad-bundle'
  /** the device list is malformed or over the size limit */
  | 'bad-device-list'
  /** the sending (or receiving) device is distrusted, or its identity key changed */
  | 'untrusted'
  /** the peer has no device we may encrypt for */
  | 'no-devices'
  /** an input is larger than the limits allow */
  | 'too-large'
  /** the aesgcm:// URL or the file is malformed */
  | 'bad-media';

export class OmemoError extends CodedError<OmemoErrorCode> {
  override readonly name = 'OmemoError';
}

export function isOmemoError(error: unknown, code?: OmemoErrorCode): error is OmemoError {
  return error instanceof OmemoError && (code === undefined || error.code === code);
}

const EXPLANATIONS: Record<OmemoErrorCode, string> = {
  'not-for-this-device': 'This message was not encrypted for this device (it was sent before this device was set up, or the sender does not know it yet).',
  'sent-by-this-device': 'You sent this message from this device; its text is only kept where it was written.',
  corrupted: 'This message was damaged on the way or tampered with, and cannot be decrypted.',
  'replayed-prekey': 'This message was already received once; the copy was ignored.',
  duplicate: 'This message was already received once; the copy was ignored.',
  'no-session': 'This message cannot be decrypted: there is no encrypted session with the sending device yet.',
  'bad-bundle-signature': "The contact's device published keys with an invalid signature; it was not used.",
  'bad-bundle': "The contact's device published unusable keys; it was not used.",
  'bad-device-list': "The contact's list of devices is not valid; the previous list is kept.",
  untrusted: 'The sending device is not trusted (you distrusted it, or its key changed).',
  'no-devices': 'The contact has no device this message could be encrypted for.',
  'too-large': 'This is too large to send as an encrypted message; send it as a file.',
  'bad-media': 'The encrypted file is damaged or its link is not valid.',
};

/** One sentence for the user about why an OMEMO operation failed. */
export function explainOmemoError(error: unknown): string {
  return isOmemoError(error) ? EXPLANATIONS[error.code] : 'The message could not be decrypted.';
}
