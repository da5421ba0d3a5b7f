import type { Config, PoolName } from '../../config/schema.js';
import { DeployError, messageOf } from '../../errors.js';
import { percentile } from '../../util/stats.js';
import { balancerCheckUrl } from '../checks.js';
import type { Context } from '../context.js';
import { removeFromPool, type Release } from '../pool.js';
import type { DeployState, HostRecord } from '../state.js';
import { commitSwitch, planSwitch, servers } from '../switch.js';
import { promote } from './promote.js';
import { rollbackCandidate } from './rollback.js';
import type { OpResult } from './types.js';

// `deploy --steps 10,50,100`: after preflight, the new pool joins the balancer with a small
// weight, and its share grows step by step. Each step is sampled through balancer.url for
// shift.step_duration and judged against an error-rate and a p99 budget; a failed step rolls
// the candidate back. The last step (100) is a promote: the old pool leaves the balancer
// (weight 0 is not a valid nginx weight), drains, and stops.

export { parseSteps } from '../../config/steps.js';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Per-server weights that send `percent` of requests to the candidate pool:
 * nCand·wCand / (nCand·wCand + nLive·wLive) = percent/100, reduced, at most `max`, at least 1.
 */
export function shiftWeights(
  percent: number,
  nLive: number,
  nCand: number,
  max = 256,
): { live: number; candidate: number } {
  if (percent <= 0 || percent >= 100) throw new Error(`a shift step is between 1 and 99, got ${percent}`);
  let candidate = percent * nLive;
  let live = (100 - percent) * nCand;
  const g = gcd(candidate, live);
  candidate /= g;
  live /= g;
  const top = Math.max(candidate, live);
  if (top > max) {
    candidate = Math.max(1, Math.round((candidate * max) / top));
    live = Math.max(1, Math.round((live * max) / top));
  }
  return { live, candidate };
}

export interface StepSample {
  requests: number;
  failed: number;
  latenciesMs: number[];
  firstError?: string;
}

export interface StepVerdict {
  ok: boolean;
  errorRate: number;
  p99Ms: number;
  reason?: string;
}

/** Judges one step's sample against the budget. */
export function judgeStep(sample: StepSample, budget: Config['shift']): StepVerdict {
  const errorRate = sample.requests === 0 ? 1 : sample.failed / sample.requests;
  const p99Ms = sample.latenciesMs.length === 0 ? 0 : percentile(sample.latenciesMs, 99);
  const problems: string[] = [];
  if (sample.requests === 0) problems.push('no request completed');
  else if (errorRate > budget.max_error_rate)
    problems.push(
      `error rate ${(errorRate * 100).toFixed(1)}% > ${(budget.max_error_rate * 100).toFixed(1)}% (${sample.failed} of ${sample.requests}${sample.firstError ? `; e.g. ${sample.firstError}` : ''})`,
    );
  if (sample.requests > 0 && p99Ms > budget.max_p99) problems.push(`p99 ${p99Ms}ms > ${budget.max_p99}ms`);
  return {
    ok: problems.length === 0,
    errorRate,
    p99Ms,
    ...(problems.length ? { reason: problems.join('; ') } : {}),
  };
}

/** Requests through balancer.url (fresh connection each) for `durationMs`, `concurrency` at a time. */
export async function sampleThroughBalancer(
  ctx: Context,
  durationMs: number,
  concurrency: number,
): Promise<StepSample> {
  const url = balancerCheckUrl(ctx.config);
  const sample: StepSample = { requests: 0, failed: 0, latenciesMs: [] };
  const deadline = ctx.clock.now() + durationMs;
  const worker = async () => {
    while (ctx.clock.now() < deadline && !ctx.signal.aborted) {
      const r = await ctx.checker.once(url, ctx.config.checks);
      sample.requests++;
      sample.latenciesMs.push(r.ms);
      if (!r.ok) {
        sample.failed++;
        sample.firstError ??= r.error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sample;
}

/**
 * Runs the steps for a pool that was just started and preflighted. The candidate enters the
 * balancer at the first step; a failed step (budget or balancer) rolls it back.
 */
export async function shiftTraffic(
  ctx: Context,
  state: DeployState,
  pool: PoolName,
  hosts: HostRecord[],
  release: Release,
  steps: number[],
): Promise<OpResult> {
  const { version } = release;
  const livePool = state.live ? state.pools[state.live] : null;
  if (!state.live || !livePool) throw new DeployError('--steps needs a live pool to shift traffic from');
  const budget = ctx.config.shift;
  const diffs: string[] = [];
  for (const percent of steps.filter((s) => s < 100)) {
    const w = shiftWeights(percent, livePool.hosts.length, hosts.length);
    const targets = [
      ...servers(ctx, livePool.hosts).map((s) => ({ ...s, weight: w.live })),
      ...servers(ctx, hosts).map((s) => ({ ...s, weight: w.candidate })),
    ];
    const entering = state.candidate !== pool;
    // Before the candidate entered, its containers just go; after, the step is rolled back.
    const fail = async (err: unknown): Promise<never> => {
      if (!entering) return failStep(ctx, state, version, percent, messageOf(err));
      await removeFromPool(ctx, pool, hosts, version);
      throw err;
    };
    const change = await planSwitch(ctx, targets).catch(fail);
    await commitSwitch(ctx, state, change, {
      title: `shift ${percent}% to ${pool} ${version}`,
      update: (s) => {
        if (!entering) return;
        s.pools[pool] = { ...release, hosts, since: new Date().toISOString() };
        s.candidate = pool;
      },
      onFailure: fail,
    });
    if (change.diff) diffs.push(change.diff);
    ctx.log.info(
      `shift: ${percent}% of requests to ${pool} ${version} (weights: live ${w.live}, candidate ${w.candidate}); sampling ${budget.step_duration}ms through ${ctx.config.balancer.url}`,
    );
    const sample = await sampleThroughBalancer(ctx, budget.step_duration, budget.concurrency);
    const verdict = judgeStep(sample, budget);
    const line = `${sample.requests} requests, ${sample.failed} failed, p99 ${verdict.p99Ms}ms`;
    if (!verdict.ok) return failStep(ctx, state, version, percent, `${verdict.reason} (${line})`);
    ctx.log.info(`shift: step ${percent}% passed: ${line}`);
  }
  ctx.log.info(`shift: 100% to ${pool} ${version}: promoting`);
  const promoted = await promote(ctx, state);
  return { ...promoted, diff: [...diffs, promoted.diff].filter(Boolean).join('\n') };
}

async function failStep(
  ctx: Context,
  state: DeployState,
  version: string,
  percent: number,
  reason: string,
): Promise<never> {
  ctx.log.error(`shift: step ${percent}% failed: ${reason}; rolling back`);
  await rollbackCandidate(ctx, state);
  const failed = new DeployError(`${version} failed at the ${percent}% step and was rolled back: ${reason}`);
  failed.rolledBack = true;
  throw failed;
}
