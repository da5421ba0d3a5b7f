import { expect } from 'vitest';
import { saveResult } from './results.js';
import { assertZeroDowntime, formatWindows, type LoadReport, type ZeroDowntimeRules } from './load.js';
import { startLoadProcess, type LoadProcess } from './load-process.js';

// The zero-downtime claim as every e2e test under load checks it: an open-loop mix of fresh
// GETs, keep-alive GETs and fresh POSTs through the balancer (whose retries are off in the
// lab), and a verdict on the whole report.

export const V1 = 'Hello World\n';
export const V2 = 'Hello Webapps!\n';

/** The share of each stream in the mix: POSTs are never retried by a balancer. */
export const MIX = { freshGet: 0.4, keepAliveGet: 0.4, freshPost: 0.2 } as const;

export interface MixedLoadOptions {
  /** Bodies a user may see (default: either version's greeting). */
  bodies?: readonly string[];
  maxDurationMs?: number;
  firstWindow?: string;
}

/** Starts the standard mix at `ratePerSecond` in total, in a process of its own (load-process.ts). */
export function mixedLoad(url: string, ratePerSecond: number, opts: MixedLoadOptions = {}): LoadProcess {
  return startLoadProcess({
    url,
    rates: {
      freshGet: ratePerSecond * MIX.freshGet,
      keepAliveGet: ratePerSecond * MIX.keepAliveGet,
      freshPost: ratePerSecond * MIX.freshPost,
    },
    expectBodies: opts.bodies ?? [V1, V2],
    maxDurationMs: opts.maxDurationMs ?? 180_000,
    ...(opts.firstWindow ? { firstWindow: opts.firstWindow } : {}),
  });
}

/**
 * Prints the per-window table, records the report under `suite`/`name` in .results/, and
 * expects zero downtime by `rules` (every violation listed at once).
 */
export function expectZeroDowntime(
  suite: string,
  name: string,
  report: LoadReport,
  rules: ZeroDowntimeRules = {},
): void {
  console.log(`${name}\n${formatWindows(report)}`);
  const violations = assertZeroDowntime(report, rules);
  saveResult(suite, name, { report, rules, violations });
  expect(violations, `${name}: ${report.samples.slice(0, 5).join('; ')}`).toEqual([]);
}

/** Sleeps `ms`: a steady window before and after the commands under test. */
export const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
