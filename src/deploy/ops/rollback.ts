import { DeployError } from '../../errors.js';
import { recordOf, type Context } from '../context.js';
import { otherPool, sha256, type DeployState } from '../state.js';
import {
  applySwitch,
  planSwitch,
  removeFromPool,
  servers,
  startCommands,
  startPool,
  stopPool,
} from '../steps.js';
import type { OpResult } from './types.js';

/** Before promote: the live pool alone again; the candidate's containers go. */
export async function rollbackCandidate(ctx: Context, state: DeployState): Promise<OpResult> {
  const cand = state.candidate!;
  const candPool = state.pools[cand]!;
  const livePool = state.pools[state.live!]!;
  const change = await planSwitch(ctx, servers(ctx, livePool.hosts));
  if (ctx.dryRun) {
    const plan = candPool.hosts.map(
      (h) => `${h.name}: docker rm ${ctx.config.app} ${candPool.version} (after the drain)`,
    );
    return {
      message: `would roll back candidate ${candPool.version} on ${cand}`,
      version: livePool.version,
      plan,
      diff: change.diff,
      result: 'rolled_back',
    };
  }
  await ctx.log.group(`switch the balancer back to ${state.live} only`, () =>
    applySwitch(ctx, change, state),
  );
  state.candidate = null;
  state.pools[cand] = null;
  state.upstreamSha256 = sha256(change.after);
  await ctx.store.write(state);
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
 * deploy), takes over the upstream, and the current version drains and stops.
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
    const plan = [
      ...hosts.flatMap((h) => startCommands(ctx, idle, prev.version).map((c) => `${h.name}: ${c}`)),
      ...livePool.hosts.map(
        (h) => `${h.name}: docker stop + rm ${ctx.config.app} ${livePool.version} (after the drain)`,
      ),
    ];
    return {
      message: `would bring ${prev.version} back on ${idle} and retire ${livePool.version}`,
      version: prev.version,
      plan,
      diff: change.diff,
      result: 'rolled_back',
    };
  }
  await ctx.log.group(`start ${prev.version} on ${idle}`, () => startPool(ctx, idle, hosts, prev.version));
  await ctx.log.group(`switch the balancer to ${idle}`, async () => {
    try {
      await applySwitch(ctx, change, state);
    } catch (err) {
      await removeFromPool(ctx, idle, hosts);
      throw err;
    }
  });
  state.pools[idle] = { version: prev.version, hosts, since: new Date().toISOString() };
  state.previous = { pool: live, version: livePool.version };
  state.live = idle;
  state.pools[live] = null;
  state.upstreamSha256 = sha256(change.after);
  await ctx.store.write(state);
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
