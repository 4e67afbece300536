/**
 * Latency samples and their percentiles. Every sample is kept (8 bytes each):
 * at the rates this benchmark runs (≤ ~10⁶ samples) that is cheaper and more
 * exact than a bucketed histogram, and percentiles need no interpolation tricks.
 */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class LatencyRecorder {
  #samples = new Float64Array(1024);
  #count = 0;

  record(ms: number): void {
    if (this.#count === this.#samples.length) {
      const bigger = new Float64Array(this.#samples.length * 2);
      bigger.set(this.#samples);
      this.#samples = bigger;
    }
    this.#samples[this.#count++] = ms;
  }

  /** A copy of the samples recorded so far (to send to another thread). */
  samples(): Float64Array {
    return this.#samples.slice(0, this.#count);
  }

  /** Adds samples recorded elsewhere (e.g. by a worker). */
  recordAll(samples: Float64Array): void {
    for (const v of samples) this.record(v);
  }

  get count(): number {
    return this.#count;
  }

  /** Nearest-rank percentiles (no interpolation), in the unit recorded (ms). */
  summary(): LatencySummary {
    const n = this.#count;
    if (n === 0) return { count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
    let sum = 0;
    for (const v of sorted) sum += v;
    return { count: n, min: sorted[0]!, mean: sum / n, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[n - 1]! };
  }
}

/** Milliseconds on a clock shared by every thread of this process (epoch based, sub-ms resolution). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
