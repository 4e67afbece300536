import { useSyncExternalStore } from 'react';
import type { Session } from '../session/index.ts';

/** Re-renders on every session change; the stores hand out immutable snapshots, so children can memoise. */
export function useSessionVersion(session: Session): number {
  return useSyncExternalStore(
    (listener) => session.on('change', listener),
    () => session.version,
  );
}
