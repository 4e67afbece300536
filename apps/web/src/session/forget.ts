import { deleteDB } from 'idb';
import { DB_NAME } from './persistence.ts';
import { deleteVault } from './vault.ts';

/**
 * The server's address that answers with `Clear-Site-Data: "storage"`
 * (apps/server/src/modules/website/clear-site-data.ts). Deleting an IndexedDB database
 * only marks its records deleted: Chromium keeps them in its LevelDB files
 * until a compaction that may never come. That header makes the browser
 * remove the origin's storage files themselves.
 */
export const CLEAR_SITE_DATA_PATH = '/clear-site-data';

/**
 * After logout: nothing of any account stays in this browser. The databases
 * are deleted one by one first (works everywhere), then the browser is asked
 * to erase the files as well; where that is not served (a development server,
 * plain http on a public host) the deletion above is what there is.
 * Preferences that are not about an account (language) are put back.
 */
export async function forgetThisBrowser(keep: string[] = ['conexizan.lang']): Promise<void> {
  const kept = keep.map((key) => [key, globalThis.localStorage?.getItem(key) ?? null] as const);
  globalThis.localStorage?.clear();
  const databases = (await globalThis.indexedDB?.databases?.().catch(() => [])) ?? [];
  const names = new Set([DB_NAME, ...databases.map((d) => d.name ?? '').filter((name) => name.startsWith('conexizan'))]);
  await deleteVault().catch(() => {});
  for (const name of names) await deleteDB(name).catch(() => {});
  try {
    await fetch(CLEAR_SITE_DATA_PATH, { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
  } catch {
    // not served here: the databases above are deleted all the same
  }
  for (const [key, value] of kept) if (value !== null) globalThis.localStorage?.setItem(key, value);
}
