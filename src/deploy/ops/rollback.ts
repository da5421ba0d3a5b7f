import { DeployError } from '../../errors.js';
import { memberKey, poolBackend } from '../backend.js';
import type { Context } from '../context.js';
import { releaseFrom, type Release } from '../pool.js';
import { describeKept } from './promote.js';
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
      plan: [switchPlanLine(ctx), ...poolBackend(ctx, cand).stopPlan(candPool.hosts, candPool.version)],
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
    poolBackend(ctx, cand).stop(candPool.hosts, candPool.version),
  );
  return {
    message: `rolled back: ${candPool.version} removed from ${cand}; ${livePool.version} live on ${state.live} (${livePool.hosts.length} hosts)`,
    version: livePool.version,
    diff: change.diff,
    result: 'rolled_back',
  };
}

/**
 * After promote: the previous version comes back on the pool it ran on — instantly when its
 * containers still run there (warm: checked again, then the balancer switches back), by
 * `docker start` when they were only stopped, by a pull when they are gone — takes over the
 * balancer, and the current version drains and is kept per promote.keep_old.
 */
export async function rollbackPromoted(ctx: Context, state: DeployState): Promise<OpResult> {
  const live = state.live!;
  const livePool = state.pools[live]!;
  const prev = state.previous!;
  const idle = otherPool(live);
  const backend = poolBackend(ctx, idle);
  let hosts = await backend.comebackHosts(prev);
  if (hosts.length === 0)
    throw new DeployError(
      `pools.${idle} ${backend.emptiness.what}: rollback brings ${prev.version} back on the idle pool; ${backend.emptiness.fix}`,
    );
  const release: Release = releaseFrom(prev, ctx.config.image);
  let change = await planSwitch(ctx, servers(ctx, hosts));
  if (ctx.dryRun) {
    return {
      message: `would bring ${prev.version} back on ${idle} (${prev.kept === 'warm' ? 'still running: a switch back' : prev.kept === 'stopped' ? 'stopped: docker start, no pull' : 'started again'}) and retire ${livePool.version}`,
      version: prev.version,
      plan: [...backend.bringBackPlan(hosts, release), switchPlanLine(ctx)],
      diff: change.diff,
      result: 'rolled_back',
    };
  }
  const back = await ctx.log.group(`bring ${prev.version} back on ${idle}`, () =>
    backend.bringBack(hosts, release),
  );
  const how = back.how;
  // A Swarm pool may come back on fewer nodes than planned (one went down): the switch follows.
  if (
    back.hosts.length !== hosts.length ||
    back.hosts.some((h, i) => memberKey(h) !== memberKey(hosts[i]!))
  ) {
    hosts = back.hosts;
    change = await planSwitch(ctx, servers(ctx, hosts));
  }
  await commitSwitch(ctx, state, change, {
    title: `switch the balancer to ${idle}`,
    update: (s) => {
      s.pools[idle] = {
        ...release,
        hosts,
        since: new Date().toISOString(),
        ...(backend.service ? { service: backend.service } : {}),
      };
      s.previous = { ...livePool, pool: live, kept: 'warm' };
      s.live = idle;
      s.pools[live] = null;
    },
    onFailure: () => backend.undoBringBack(hosts, release, how),
  });
  const kept = await ctx.log.group(`keep ${live} ${livePool.version} for a roll forward`, () =>
    poolBackend(ctx, live).keepOld(livePool.hosts, livePool.version),
  );
  // The switch recorded the old pool as warm; a stop (now or by a timer) is recorded too.
  if (kept.kept !== 'warm' || kept.stopAt) {
    state.previous = { ...state.previous!, ...kept };
    await ctx.store.write(state);
  }
  const came = [
    how.warm ? `${how.warm} still running (switched back)` : '',
    how.started ? `${how.started} started again (no pull)` : '',
    how.pulled ? `${how.pulled} pulled and started` : '',
  ].filter(Boolean);
  return {
    message: `rolled back: ${prev.version} live on ${idle} (${hosts.length} hosts: ${came.join(', ')}); ${livePool.version} ${describeKept(kept)}`,
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
