import type { TFunction } from 'i18next';
import { UploadError } from '../session/index.ts';
import { actionProblem } from './problems.ts';

/**
 * Why a file did not go, as the end of "Could not send NAME: …" (the
 * server's explanation is English). Apart from problems.ts, which the login
 * screen uses: UploadError brings the upload code (and OMEMO's) with it.
 */
export function uploadProblem(t: TFunction, error: unknown): string {
  if (error instanceof UploadError && error.reason === 'too-large') return t('chat.uploadTooLarge');
  if (error instanceof UploadError && error.reason === 'quota') return t('chat.uploadQuota');
  if (error instanceof UploadError && error.reason === 'unavailable') return t('chat.uploadUnavailable');
  return actionProblem(t, error);
}
