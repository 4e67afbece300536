import type { Backend, Tx } from '../db.ts';

/**
 * Locks the account for the rest of the transaction, or throws: writes whose
 * contract has no "no such account" answer are a caller bug without one.
 */
export async function requireAccount(backend: Backend, tx: Tx, username: string): Promise<void> {
  if (!(await backend.lockAccount(tx, username))) throw new Error(`no account ${username}`);
}
