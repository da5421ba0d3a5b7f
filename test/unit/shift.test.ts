import { describe, expect, it } from 'vitest';
import { judgeStep, parseSteps, shiftWeights } from '../../src/deploy/ops/shift.js';
import { percentile } from '../../src/util/stats.js';

const budget = { step_duration: 5000, max_error_rate: 0.01, max_p99: 1000, concurrency: 4 };

describe('deploy --steps', () => {
  it('accepts increasing percentages ending in 100', () => {
    expect(parseSteps('10,50,100')).toEqual([10, 50, 100]);
    expect(parseSteps('100')).toEqual([100]);
    expect(parseSteps(' 1, 99 ,100')).toEqual([1, 99, 100]);
  });

  it.each([
    ['', /integers/],
    ['10,50', /end in 100/],
    ['50,10,100', /increasing/],
    ['10,10,100', /increasing/],
    ['0,100', /between 1 and 100/],
    ['10,150', /between 1 and 100/],
    ['10.5,100', /integers/],
    ['-5,100', /integers/],
    ['10;id,100', /integers/],
  ])('refuses %j', (text, why) => {
    expect(() => parseSteps(text)).toThrow(why);
  });

  it('computes per-server weights whose pool share is the step', () => {
    for (const [pct, nLive, nCand] of [
      [10, 5, 3],
      [50, 5, 3],
      [90, 3, 3],
      [1, 40, 1],
      [99, 1, 40],
      [33, 7, 11],
    ] as const) {
      const w = shiftWeights(pct, nLive, nCand);
      expect(w.live).toBeGreaterThanOrEqual(1);
      expect(w.candidate).toBeGreaterThanOrEqual(1);
      expect(Math.max(w.live, w.candidate)).toBeLessThanOrEqual(256);
      const share = (nCand * w.candidate) / (nCand * w.candidate + nLive * w.live);
      expect(Math.abs(share * 100 - pct)).toBeLessThan(1);
    }
    expect(shiftWeights(10, 5, 3)).toEqual({ live: 27, candidate: 5 });
    expect(shiftWeights(50, 3, 3)).toEqual({ live: 1, candidate: 1 });
    expect(() => shiftWeights(100, 1, 1)).toThrow();
  });

  it('judges a step by error rate and p99 latency', () => {
    const fast = Array.from({ length: 200 }, () => 5);
    expect(judgeStep({ requests: 200, failed: 0, latenciesMs: fast }, budget).ok).toBe(true);
    expect(judgeStep({ requests: 200, failed: 2, latenciesMs: fast }, budget).ok).toBe(true); // 1% is the limit
    const errs = judgeStep({ requests: 200, failed: 3, latenciesMs: fast, firstError: 'status 500' }, budget);
    expect(errs.ok).toBe(false);
    expect(errs.reason).toMatch(/error rate 1\.5% > 1\.0% \(3 of 200; e\.g\. status 500\)/);
    const slow = [...fast.slice(0, 190), ...Array.from({ length: 10 }, () => 1500)];
    const v = judgeStep({ requests: 200, failed: 0, latenciesMs: slow }, budget);
    expect(v.ok).toBe(false);
    expect(v.reason).toBe('p99 1500ms > 1000ms');
    expect(judgeStep({ requests: 0, failed: 0, latenciesMs: [] }, budget).ok).toBe(false);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
  });
});
