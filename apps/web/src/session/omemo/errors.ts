import type { OmemoError } from '@conexizan/crypto/omemo';
import type { OxError } from '@conexizan/crypto/openpgp';

/** An outgoing message the layer refuses to send, because it would have to go out unencrypted. */
export class EncryptionRefusedError extends Error {
  override name = 'EncryptionRefusedError';
  /** read like an XMPP error condition by views that explain failures that way */
  readonly condition = 'encryption-refused';
  /** 'removed': this browser was removed from the account's devices and may not send encrypted messages */
  constructor(readonly peer: string, readonly reason: OmemoError | OxError | 'removed') {
    super(`not sent to ${peer}: ${reason === 'removed' ? reason : reason.code}`);
  }
}
