// One story under load: the open-loop mix (fresh GETs, keep-alive GETs, fresh POSTs) runs
// through the balancer from a steady window to the end; each step of the story is a window
// of its own, and the whole report gets the zero-downtime verdict the e2e suites use.
import { assertZeroDowntime, type LoadReport, type ZeroDowntimeRules } from '../../test/harness/load.js';
import { mixedLoad } from '../../test/harness/zero-downtime.js';
import type { LoadStory } from '../lib/results.js';
import { log } from '../lib/util.js';
import { settle, type BenchContext } from './context.js';

export const STEADY_MS = 3000;
export const AFTER_MS = 2000;

export interface Step {
  window: string;
  run: () => Promise<unknown>;
}

/** A steady window of `ms` (no tool at work). */
export const steady = (window: string, ms = AFTER_MS): Step => ({ window, run: () => settle(ms) });

export async function underLoad(
  { lab, settings }: BenchContext,
  story: Omit<LoadStory, 'report' | 'violations' | 'actions' | 'rules'>,
  steps: Step[],
  opts: { actions: string[]; reloads: number },
): Promise<LoadStory> {
  let stopped: LoadReport;
  const load = mixedLoad(lab.balancer.url, settings.loadRate, { firstWindow: 'steady' });
  try {
    await settle(STEADY_MS);
    for (const s of steps) {
      load.mark(s.window);
      await s.run();
    }
  } finally {
    stopped = await load.stop();
  }
  const report = stopped;
  // An nginx reload may reset one idle keep-alive connection (retried, as browsers do).
  const rules: ZeroDowntimeRules = {
    maxIdleResets: opts.reloads,
    latency: { steady: 'steady', windows: opts.actions },
  };
  const violations = assertZeroDowntime(report, rules);
  const t = report.total;
  log(
    `${story.story}: ${t.sent} sent, ${t.non2xx} non-2xx, ${t.failures} failed, ${t.idleResets} idle resets; ${violations.length ? `${violations.length} violation(s)` : 'zero downtime'}`,
  );
  return {
    ...story,
    actions: opts.actions,
    report: { ...report, samples: report.samples.slice(0, 10) },
    rules,
    violations,
  };
}
