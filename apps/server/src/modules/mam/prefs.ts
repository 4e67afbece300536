import type { Jid } from '@conexizan/protocol';
import type { ArchivePrefs } from '@conexizan/storage';

// Applying XEP-0441 archiving preferences; reading and writing them is in @conexizan/protocol's mam.ts.

/** XEP-0441 §2.3: a listed full JID matches exactly, a listed bare JID any resource. */
function listed(list: string[], target: Jid): boolean {
  if (list.length === 0) return false;
  const full = target.toString();
  const bare = target.bare().toString();
  return list.some((entry) => entry === bare || entry === full);
}

/**
 * Whether a message with `target` (the other party) goes into the archive.
 * 'never' wins over 'always' when a JID is on both lists: when in doubt, keep less.
 * `inRoster` is asked only when the default is 'roster' and no list decides.
 */
export async function wantsArchived(prefs: ArchivePrefs, target: Jid, inRoster: () => Promise<boolean>): Promise<boolean> {
  if (listed(prefs.never, target)) return false;
  if (listed(prefs.always, target)) return true;
  if (prefs.default === 'roster') return inRoster();
  return prefs.default === 'always';
}
