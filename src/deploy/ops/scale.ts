import { DeployError, UsageError } from '../../errors.js';
import { memberKey as key, poolBackend } from '../backend.js';
import type { Context } from '../context.js';
import { releaseFrom, type Release } from '../pool.js';
import type { DeployState } from '../state.js';
import { commitSwitch, planSwitch, servers, switchPlanLine } from '../switch.js';
import type { OpResult } from './types.js';

/**
 * Makes the live pool match its members now: the hosts the config lists, or the nodes with
 * the pool's Swarm label. New ones join after preflight; leaving ones are drained out first.
 */
export async function scale(ctx: Context, state: DeployState): Promise<OpResult> {
  const live = state.live;
  const current = live ? state.pools[live] : null;
  if (!live || !current) throw new DeployError('nothing is live yet: run `bluegreen deploy` first');
  const backend = poolBackend(ctx, live);
  let desired = await backend.members();
  if (desired.length === 0)
    throw new UsageError(
      `pools.${live}: ${backend.emptiness.what}; refusing to scale the live pool to zero ${backend.service ? 'nodes' : 'hosts'}`,
    );
  const have = new Set(current.hosts.map(key));
  const want = new Set(desired.map(key));
  let added = desired.filter((h) => !have.has(key(h)));
  const removed = current.hosts.filter((h) => !want.has(key(h)));
  if (added.length === 0 && removed.length === 0)
    return {
      message: `${live} already has the ${desired.length} ${backend.service ? `nodes labelled for it` : 'hosts the config lists'}`,
      version: current.version,
    };

  // New hosts run exactly what the others run: the same digest.
  const release: Release = releaseFrom(current, ctx.config.image);
  const cand = state.candidate ? state.pools[state.candidate] : null;
  let change = await planSwitch(ctx, servers(ctx, [...desired, ...(cand?.hosts ?? [])]));
  const summary = () =>
    `${live}: +${added.length} (${added.map((h) => h.name).join(', ') || 'none'}), -${removed.length} (${removed.map((h) => h.name).join(', ') || 'none'})`;
  if (ctx.dryRun) {
    const plan = [
      ...(added.length ? backend.extendPlan(added, release) : []),
      switchPlanLine(ctx),
      ...(removed.length ? backend.leavePlan(removed, current.version) : []),
    ];
    return { message: `would scale ${summary()}`, version: current.version, plan, diff: change.diff };
  }
  if (added.length) {
    const joined = await ctx.log.group(`start ${current.version} on new ${live} hosts`, () =>
      backend.extend(added, release),
    );
    // A Swarm node that went down meanwhile does not join: the switch follows.
    if (joined.length !== added.length) {
      const left = new Set(added.filter((h) => !joined.some((j) => key(j) === key(h))).map(key));
      desired = desired.filter((h) => !left.has(key(h)));
      added = joined;
      change = await planSwitch(ctx, servers(ctx, [...desired, ...(cand?.hosts ?? [])]));
    }
  }
  await commitSwitch(ctx, state, change, {
    title: 'switch the balancer',
    update: () => {
      current.hosts = desired;
    },
    onFailure: async () => {
      if (added.length) await backend.remove(added, current.version);
    },
  });
  if (removed.length)
    await ctx.log.group('stop removed hosts', () => backend.leave(removed, current.version));
  return {
    message: `scaled ${summary()}; ${desired.length} hosts serve ${current.version}`,
    version: current.version,
    diff: change.diff,
  };
}
