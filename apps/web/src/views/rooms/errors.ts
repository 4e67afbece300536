import type { TFunction } from 'i18next';
import { MucJoinError } from '../../session/index.ts';

const KNOWN = new Set([
  'conflict', 'not-authorized', 'registration-required', 'forbidden', 'service-unavailable', 'item-not-found', 'not-allowed', 'not-acceptable',
  'jid-malformed', 'remote-server-not-found', 'remote-server-timeout', 'exists', 'kicked', 'banned', 'removed', 'shutdown', 'offline', 'encryption-refused',
]);

/** A sentence for why entering or acting in a room failed, from the XMPP error condition. */
export function roomProblem(t: TFunction, problem: unknown): string {
  const condition = problem instanceof MucJoinError ? problem.condition : typeof problem === 'string' ? problem : ((problem as { condition?: string })?.condition ?? (problem as Error)?.message ?? 'undefined-condition');
  return KNOWN.has(condition) ? t(`rooms.errors.${condition}`) : t('rooms.errors.generic', { condition });
}
