import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from './latency.ts';

describe('LatencyRecorder', () => {
  it('gives nearest-rank percentiles of 1..100', () => {
    const r = new LatencyRecorder();
    for (let v = 100; v >= 1; v--) r.record(v); // order must not matter
    expect(r.summary()).toMatchObject({ count: 100, min: 1, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it('takes the single slow sample as p99 only when it is in the top 1 %', () => {
    const r = new LatencyRecorder();
    for (let i = 0; i < 199; i++) r.record(1);
    r.record(1000);
    expect(r.summary().p99).toBe(1);
    expect(r.summary().max).toBe(1000);
    r.recordAll(Float64Array.from([1000, 1000])); // 3 of 202: now inside the top 1 %
    expect(r.summary().p99).toBe(1000);
  });

  it('grows past its first buffer and hands its samples on', () => {
    const r = new LatencyRecorder();
    for (let i = 0; i < 5000; i++) r.record(i);
    const copy = new LatencyRecorder();
    copy.recordAll(r.samples());
    expect(copy.summary()).toEqual(r.summary());
    expect(new LatencyRecorder().summary().count).toBe(0);
  });
});
