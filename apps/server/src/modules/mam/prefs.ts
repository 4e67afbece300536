import { NS, StanzaError, tryParseJid, xml, type Element, type Jid } from '@conexizan/protocol';
import type { ArchiveDefault, ArchivePrefs } from '@conexizan/storage';

/** XEP-0441 archiving preferences: reading, writing and applying them. */
const DEFAULTS: readonly ArchiveDefault[] = ['always', 'roster', 'never'];
/** JIDs per list; a longer list is refused rather than cut short. */
export const MAX_PREF_JIDS = 1000;

export function prefsElement(prefs: ArchivePrefs): Element {
  const list = (name: string, jids: string[]) => xml(name, {}, ...jids.map((jid) => xml('jid', {}, jid)));
  return xml('prefs', { xmlns: NS.MAM, default: prefs.default }, list('always', prefs.always), list('never', prefs.never));
}

/** The preferences a client sets; JIDs prepared and deduplicated. Throws the XEP's errors. */
export function parsePrefs(prefs: Element): ArchivePrefs {
  const mode = prefs.attrs.default as string | undefined;
  if (!mode || !(DEFAULTS as readonly string[]).includes(mode)) throw new StanzaError('bad-request', { type: 'modify', text: "default must be 'always', 'roster' or 'never'" });
  return { default: mode as ArchiveDefault, always: jidList(prefs, 'always'), never: jidList(prefs, 'never') };
}

function jidList(prefs: Element, name: string): string[] {
  const lists = prefs.getChildren(name);
  if (lists.length > 1) throw new StanzaError('bad-request', { type: 'modify', text: `one <${name}/> at most` });
  const jids = new Set<string>();
  for (const child of lists[0]?.getChildren('jid') ?? []) {
    const jid = tryParseJid(child.getText().trim());
    if (!jid) throw new StanzaError('jid-malformed', { type: 'modify', text: `a JID in <${name}/> is malformed` });
    jids.add(jid.toString());
  }
  if (jids.size > MAX_PREF_JIDS) throw new StanzaError('policy-violation', { type: 'modify', text: `at most ${MAX_PREF_JIDS} JIDs per list` });
  return [...jids];
}

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
