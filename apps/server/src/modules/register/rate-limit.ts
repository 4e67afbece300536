/** Counts registrations per (hashed) source in memory for an hour; nothing is persisted. */
export class RegistrationRateLimit {
  readonly #perHour: number;
  readonly #events = new Map<string, number[]>();

  constructor(perHour: number) {
    this.#perHour = perHour;
  }

  allow(sourceKey: string, now = Date.now()): boolean {
    const recent = (this.#events.get(sourceKey) ?? []).filter((t) => now - t < 3_600_000);
    if (recent.length >= this.#perHour) {
      this.#events.set(sourceKey, recent);
      return false;
    }
    recent.push(now);
    this.#events.set(sourceKey, recent);
    if (this.#events.size > 50_000) this.#prune(now);
    return true;
  }

  #prune(now: number): void {
    for (const [key, times] of this.#events) if (times.every((t) => now - t >= 3_600_000)) this.#events.delete(key);
  }
}
