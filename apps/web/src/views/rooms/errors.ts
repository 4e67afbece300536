import type { TFunction } from 'i18next';
import { MucJoinError, UploadError } from '../../session/index.ts';
import { actionProblem } from '../problems.ts';
import { uploadProblem } from '../upload-problem.ts';

const KNOWN = new Set([
  'conflict', 'not-authorized', 'registration-required', 'forbidden', 'service-unavailable', 'item-not-found', 'not-allowed', 'not-acceptable',
  'jid-malformed', 'remote-server-not-found', 'remote-server-timeout', 'policy-violation', 'resource-constraint', 'exists', 'kicked', 'banned', 'removed', 'shutdown', 'offline',
  'encryption-refused',
]);

/**
 * A sentence for why entering or acting in a room failed, from the XMPP
 * error condition; anything else in the app's general words, never an
 * error's message (a server's English, or a condition's name).
 */
export function roomProblem(t: TFunction, problem: unknown): string {
  const condition = problem instanceof MucJoinError ? problem.condition : typeof problem === 'string' ? problem : (problem as { condition?: unknown } | null)?.condition;
  if (typeof condition === 'string' && KNOWN.has(condition)) return t(`rooms.errors.${condition}`);
  if (problem instanceof UploadError) return uploadProblem(t, problem);
  return actionProblem(t, typeof condition === 'string' ? { condition } : problem);
}
