import { DeployError, UsageError } from '../../errors.js';
import { buildAndPush, buildPlan } from '../build.js';
import { recordOf, type Context } from '../context.js';
import { planLines, removeFromPool, startCommands, startPool } from '../pool.js';
import { otherPool, type DeployState } from '../state.js';
import { commitSwitch, planSwitch, servers, switchPlanLine, verifyThroughBalancer } from '../switch.js';
import { promote } from './promote.js';
import { rollbackCandidate } from './rollback.js';
import { shiftTraffic } from './shift.js';
import type { OpResult } from './types.js';

/**
 * Deploys `version` to the idle pool: build/push (when configured), start and preflight
 * every host, and only then add the pool to the balancer beside the live one.
 */
export async function deploy(
  ctx: Context,
  state: DeployState,
  version: string,
  andPromote: boolean,
  steps?: number[],
): Promise<OpResult> {
  const { config } = ctx;
  if (steps && !state.live)
    throw new UsageError(
      '--steps shifts traffic from a live pool, and nothing is live yet: deploy without --steps first',
    );
  if (state.candidate) {
    const c = state.pools[state.candidate];
    throw new UsageError(
      `${state.candidate} already holds candidate ${c?.version ?? '?'} beside the live pool: run \`bluegreen promote\` or \`bluegreen rollback\` first`,
    );
  }
  const pool = state.live ? otherPool(state.live) : 'green';
  const hosts = config.pools[pool].map((h) => recordOf(config, h));
  if (hosts.length === 0)
    throw new UsageError(
      `pools.${pool}: is empty, but ${pool} is the idle pool this deploy goes to; list its hosts`,
    );
  const live = state.live ? state.pools[state.live] : null;
  const change = await planSwitch(ctx, servers(ctx, [...(live?.hosts ?? []), ...hosts]));

  if (ctx.dryRun) {
    const plan = [
      ...buildPlan(ctx, version),
      ...planLines(hosts, startCommands(ctx, pool, version)),
      switchPlanLine(ctx),
      ...(steps
        ? [
            `balancer: shift ${steps.join('% → ')}% to ${pool}, each step sampled ${config.shift.step_duration}ms`,
          ]
        : []),
    ];
    return {
      message: `would deploy ${version} to ${pool} (${hosts.length} hosts)`,
      version,
      plan,
      diff: change.diff,
    };
  }

  if (config.build) await ctx.log.group('build and push', () => buildAndPush(ctx, version));
  await ctx.log.group(`start ${version} on ${pool}`, () => startPool(ctx, pool, hosts, version));
  if (steps) return shiftTraffic(ctx, state, pool, hosts, version, steps);
  await commitSwitch(ctx, state, change, {
    title: 'switch the balancer',
    update: (s) => {
      s.pools[pool] = { version, hosts, since: new Date().toISOString() };
      if (s.live) s.candidate = pool;
      else s.live = pool;
    },
    onFailure: () => removeFromPool(ctx, pool, hosts),
  });

  try {
    await verifyThroughBalancer(ctx, Math.max(4, 2 * (hosts.length + (live?.hosts.length ?? 0))));
  } catch (err) {
    if (state.candidate) {
      ctx.log.error(`${(err as Error).message}; rolling back`);
      await rollbackCandidate(ctx, state);
      const failed = new DeployError(
        `${version} failed verification through the balancer and was rolled back: ${(err as Error).message}`,
      );
      failed.rolledBack = true;
      throw failed;
    }
    throw err;
  }

  const where = `${version} live on ${pool} (${hosts.length} hosts)`;
  if (andPromote && state.candidate) {
    const promoted = await promote(ctx, state);
    return { ...promoted, diff: [change.diff, promoted.diff].filter(Boolean).join('\n') };
  }
  return {
    message: live && state.candidate ? `${where} beside ${state.live} ${live.version}` : where,
    version,
    diff: change.diff,
  };
}
