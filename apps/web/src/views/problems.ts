import type { TFunction } from 'i18next';

/** XMPP error conditions (RFC 6120 §8.3.3) and the app's own sentence for each group of them. */
const SENTENCES: Record<string, string> = {
  'not-allowed': 'notAllowed',
  forbidden: 'notAllowed',
  'not-authorized': 'notAllowed',
  'service-unavailable': 'unsupported',
  'feature-not-implemented': 'unsupported',
  'remote-server-not-found': 'remoteUnreachable',
  'remote-server-timeout': 'remoteUnreachable',
  'item-not-found': 'notFound',
  'recipient-unavailable': 'notFound',
  'resource-constraint': 'tooMany',
  'policy-violation': 'tooMany',
  // SASL (RFC 6120 §6.5.9): the server throttles logins after too many wrong passwords.
  'temporary-auth-failure': 'tooMany',
  'not-acceptable': 'notAccepted',
  'bad-request': 'notAccepted',
  'jid-malformed': 'notAccepted',
  conflict: 'notAccepted',
};

/**
 * A sentence, in the user's language, for why an action failed. Servers
 * explain errors in their own words and language (often English only), so
 * the app says it itself from the error's condition; the server's text is
 * never shown.
 */
export function actionProblem(t: TFunction, error: unknown): string {
  const condition = (error as { condition?: unknown } | null)?.condition;
  if (typeof condition === 'string' && SENTENCES[condition]) return t(`problems.${SENTENCES[condition]}`);
  const message = String((error as Error | null)?.message ?? '');
  if (error instanceof TypeError || /offline|timeout|timed out|network|socket|disconnect/i.test(message)) return t('problems.offline');
  return t('problems.generic');
}

/** What a suspended user is told: that, and the operators' reason when they chose to give it. */
export function suspendedText(t: TFunction, reason: string | null): string {
  return reason ? t('auth.errors.suspendedReason', { reason }) : t('auth.errors.suspended');
}
