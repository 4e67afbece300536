import { CodedError } from '../coded-error.ts';

/**
 * Why an OpenPGP for XMPP (XEP-0373/0374) operation was refused, as a code a
 * client can put in its user's words; `message` says it in English and never
 * contains key material or plaintext.
 */
export type OxErrorCode =
  /** not an OpenPGP key, or one that cannot sign and encrypt (expired, revoked, incomplete) */
  | 'bad-key'
  /** an imported secret key still has a passphrase */
  | 'key-protected'
  /** the key's User ID is not "xmpp:" and this account's address */
  | 'wrong-account'
  /** the contact has published no usable key */
  | 'no-key'
  /** this device has no secret key of the account (OpenPGP is not set up here) */
  | 'no-secret-key'
  /** none of our keys can open the message: it was not encrypted for us */
  | 'not-for-us'
  /** the message is not signed by the sender's published key (forged, or signed by another key) */
  | 'bad-signature'
  /** the signed content names other recipients than us (a forwarded message) */
  | 'wrong-recipient'
  /** the OpenPGP message or its content element is damaged or not what XEP-0373 describes */
  | 'malformed'
  /** the backup code does not open the secret key backup */
  | 'bad-backup-code'
  /** the account has no secret key backup on the server */
  | 'no-backup';

export class OxError extends CodedError<OxErrorCode> {
  override readonly name = 'OxError';
}

export function isOxError(error: unknown, code?: OxErrorCode): error is OxError {
  return error instanceof OxError && (code === undefined || error.code === code);
}
