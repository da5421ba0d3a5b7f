import { DeployError } from '../../errors.js';
import { recordOf, type Context } from '../context.js';
import { planLines, removeFromPool, startCommands, startPool, stopCommands, stopPool } from '../pool.js';
import { otherPool, type DeployState } from '../state.js';
import { commitSwitch, planSwitch, servers, switchPlanLine } from '../switch.js';
import type { OpResult } from './types.js';

/** Before promote: the live pool alone again; the candidate's containers go. */
export async function rollbackCandidate(ctx: Context, state: DeployState): Promise<OpResult> {
  const cand = state.candidate!;
  const candPool = state.pools[cand]!;
  const livePool = state.pools[state.live!]!;
  const change = await planSwitch(ctx, servers(ctx, livePool.hosts));
  if (ctx.dryRun) {
    return {
      message: `would roll back candidate ${candPool.version} on ${cand}`,
      version: livePool.version,
      plan: [switchPlanLine(ctx), ...planLines(candPool.hosts, stopCommands(ctx, candPool.version))],
      diff: change.diff,
      result: 'rolled_back',
    };
  }
  await commitSwitch(ctx, state, change, {
    title: `switch the balancer back to ${state.live} only`,
    update: (s) => {
      s.candidate = null;
      s.pools[cand] = null;
    },
  });
  await ctx.log.group(`remove ${candPool.version} from ${cand}`, () =>
    stopPool(ctx, cand, candPool.hosts, candPool.version),
  );
  return {
    message: `rolled back: ${candPool.version} removed from ${cand}; ${livePool.version} live on ${state.live} (${livePool.hosts.length} hosts)`,
    version: livePool.version,
    diff: change.diff,
    result: 'rolled_back',
  };
}

/**
 * After promote: the previous version comes back on the idle pool (preflighted like any
 * deploy), takes over the balancer, and the current version drains and stops.
 */
export async function rollbackPromoted(ctx: Context, state: DeployState): Promise<OpResult> {
  const live = state.live!;
  const livePool = state.pools[live]!;
  const prev = state.previous!;
  const idle = otherPool(live);
  const hosts = ctx.config.pools[idle].map((h) => recordOf(ctx.config, h));
  if (hosts.length === 0)
    throw new DeployError(
      `pools.${idle} is empty: rollback brings ${prev.version} back on the idle pool; list its hosts`,
    );
  const change = await planSwitch(ctx, servers(ctx, hosts));
  if (ctx.dryRun) {
    return {
      message: `would bring ${prev.version} back on ${idle} and retire ${livePool.version}`,
      version: prev.version,
      plan: [
        ...planLines(hosts, startCommands(ctx, idle, prev.version)),
        switchPlanLine(ctx),
        ...planLines(livePool.hosts, stopCommands(ctx, livePool.version)),
      ],
      diff: change.diff,
      result: 'rolled_back',
    };
  }
  await ctx.log.group(`start ${prev.version} on ${idle}`, () => startPool(ctx, idle, hosts, prev.version));
  await commitSwitch(ctx, state, change, {
    title: `switch the balancer to ${idle}`,
    update: (s) => {
      s.pools[idle] = { version: prev.version, hosts, since: new Date().toISOString() };
      s.previous = { pool: live, version: livePool.version };
      s.live = idle;
      s.pools[live] = null;
    },
    onFailure: () => removeFromPool(ctx, idle, hosts),
  });
  await ctx.log.group(`stop ${livePool.version} on ${live}`, () =>
    stopPool(ctx, live, livePool.hosts, livePool.version),
  );
  return {
    message: `rolled back: ${prev.version} live on ${idle} (${hosts.length} hosts); ${livePool.version} retired`,
    version: prev.version,
    diff: change.diff,
    result: 'rolled_back',
  };
}

export async function rollback(ctx: Context, state: DeployState): Promise<OpResult> {
  if (state.candidate) return rollbackCandidate(ctx, state);
  if (state.previous && state.live) return rollbackPromoted(ctx, state);
  throw new DeployError('nothing to roll back: no candidate pool and no previous version recorded');
}
