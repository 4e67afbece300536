import { useTranslation } from 'react-i18next';
import type { ChatMessage } from '../../session/index.ts';

/** The protection of one message, in words (a lock alone would not reach a screen reader). */
export function MessageSecurityLabel({ message }: { message: ChatMessage }) {
  const { t } = useTranslation();
  if (message.retracted || message.undecryptable) return null;
  // Our message is not out yet: the encryption layer decides how it goes when it leaves (then this says so).
  if (message.outgoing && !message.security && (message.state === 'pending' || message.state === 'failed')) return null;
  const security = message.security ?? 'unencrypted';
  const openpgp = message.method === 'openpgp';
  const text =
    security === 'encrypted-verified' ? t(openpgp ? 'openpgp.encryptedVerified' : 'encryption.encryptedVerified') : security === 'encrypted' ? t(openpgp ? 'openpgp.encrypted' : 'encryption.encrypted') : t('encryption.unencrypted');
  return (
    <span className={`security security-${security}`}>
      {' · '}
      <span>{text}</span>
    </span>
  );
}

/** Said in place of a message that could not be decrypted, with the reason. */
export function UndecryptableNotice({ message }: { message: ChatMessage }) {
  const { t } = useTranslation();
  const reason = t(`encryption.errors.${message.undecryptable}`, { defaultValue: message.body });
  return <p className="body undecryptable">{t('encryption.undecryptable', { reason })}</p>;
}

/** Said once at the top of a chat instead of an error on each message that is older than this device. */
export function PredatesNotice({ count }: { count: number }) {
  const { t } = useTranslation();
  if (count === 0) return null;
  return (
    <p className="muted predates" role="note">
      {t('encryption.predates', { count })}
    </p>
  );
}
