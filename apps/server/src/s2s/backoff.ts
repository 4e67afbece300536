/**
 * Delay before the next connection attempt to a remote server: exponential
 * from `baseMs`, capped, with jitter so that many servers that lost the same
 * peer do not all knock at the same moment when it comes back.
 */
export function retryDelayMs(attempt: number, baseMs = 1000, maxMs = 30_000, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.75 + random() * 0.5));
}
