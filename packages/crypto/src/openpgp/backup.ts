import * as openpgp from 'openpgp';
import { normalizeBackupCode } from '../backup/code.ts';
import { OxError } from './errors.ts';
import { xmppUserId } from './keys.ts';

/**
 * The secret key backup of XEP-0373 §5.4: the unprotected transferable
 * secret key, encrypted as an OpenPGP message with the backup code
 * (dashes included, 29 characters) as the password (SKESK). The code is
 * generated (../backup/code.ts), shown once, and never leaves the device.
 */
export async function sealSecretKeyBackup(secretKey: Uint8Array, code: string): Promise<Uint8Array> {
  const password = normalizeBackupCode(code);
  if (!password) throw new OxError('bad-backup-code', 'not a backup code');
  const encrypted = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: secretKey }),
    passwords: [password],
    format: 'binary',
    config: { preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256 },
  });
  return encrypted as Uint8Array;
}

/** The secret key of `jid` in a backup, opened with the code the user typed. */
export async function openSecretKeyBackup(backup: Uint8Array, code: string, jid: string): Promise<Uint8Array> {
  const password = normalizeBackupCode(code);
  if (!password) throw new OxError('bad-backup-code', 'not a backup code');
  let data: Uint8Array;
  try {
    const message = await openpgp.readMessage({ binaryMessage: backup });
    ({ data } = (await openpgp.decrypt({ message, passwords: [password], format: 'binary' })) as { data: Uint8Array });
  } catch (error) {
    throw new OxError('bad-backup-code', 'the backup code does not open this backup', { cause: error });
  }
  const keys = await openpgp.readPrivateKeys({ binaryKeys: data }).catch((error: unknown) => {
    throw new OxError('malformed', 'the backup holds no secret key', { cause: error });
  });
  const key = keys.find((k) => k.getUserIDs().includes(xmppUserId(jid)) && k.isDecrypted());
  if (!key) throw new OxError('wrong-account', `the backup holds no key for ${xmppUserId(jid)}`);
  return key.write() as Uint8Array;
}
