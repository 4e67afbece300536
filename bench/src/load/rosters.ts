/**
 * Rosters for the benchmark: user i has the users i±1 … i±size/2 (around the
 * ring of accounts) as contacts with mutual subscriptions, so every roster
 * entry is matched by the other side's and every user has the same count.
 * An odd size is rounded down to even; a ring too small for it is capped.
 */
export function effectiveRosterSize(size: number, users: number): number {
  const even = Math.floor(size / 2) * 2;
  const most = users - 1 - ((users - 1) % 2); // i±d must stay distinct
  return Math.max(0, Math.min(even, most));
}

export function rosterContacts(index: number, users: number, size: number): number[] {
  const half = effectiveRosterSize(size, users) / 2;
  const out: number[] = [];
  for (let d = 1; d <= half; d++) {
    out.push((index + d) % users, (index - d + users) % users);
  }
  return out;
}
