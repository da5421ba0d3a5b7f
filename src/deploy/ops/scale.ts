import { DeployError, UsageError } from '../../errors.js';
import { recordOf, type Context } from '../context.js';
import {
  planLines,
  releaseFrom,
  removeFromPool,
  startCommands,
  startPool,
  leaveCommands,
  leavePool,
  type Release,
} from '../pool.js';
import type { DeployState, HostRecord } from '../state.js';
import { commitSwitch, planSwitch, servers, switchPlanLine } from '../switch.js';
import type { OpResult } from './types.js';

const key = (h: HostRecord) => `${h.host}:${h.port}`;

/** Makes the live pool match the hosts now listed in the config. */
export async function scale(ctx: Context, state: DeployState): Promise<OpResult> {
  const live = state.live;
  const current = live ? state.pools[live] : null;
  if (!live || !current) throw new DeployError('nothing is live yet: run `bluegreen deploy` first');
  const desired = ctx.config.pools[live].map((h) => recordOf(ctx.config, h));
  if (desired.length === 0)
    throw new UsageError(`pools.${live}: is empty; refusing to scale the live pool to zero hosts`);
  const have = new Set(current.hosts.map(key));
  const want = new Set(desired.map(key));
  const added = desired.filter((h) => !have.has(key(h)));
  const removed = current.hosts.filter((h) => !want.has(key(h)));
  if (added.length === 0 && removed.length === 0)
    return {
      message: `${live} already has the ${desired.length} hosts the config lists`,
      version: current.version,
    };

  // New hosts run exactly what the others run: the same digest.
  const release: Release = releaseFrom(current, ctx.config.image);
  const cand = state.candidate ? state.pools[state.candidate] : null;
  const change = await planSwitch(ctx, servers(ctx, [...desired, ...(cand?.hosts ?? [])]));
  const summary = `${live}: +${added.length} (${added.map((h) => h.name).join(', ') || 'none'}), -${removed.length} (${removed.map((h) => h.name).join(', ') || 'none'})`;
  if (ctx.dryRun) {
    const plan = [
      ...planLines(added, startCommands(ctx, live, release)),
      switchPlanLine(ctx),
      ...planLines(removed, leaveCommands(ctx, current.version)),
    ];
    return { message: `would scale ${summary}`, version: current.version, plan, diff: change.diff };
  }
  if (added.length)
    await ctx.log.group(`start ${current.version} on new ${live} hosts`, () =>
      startPool(ctx, live, added, release),
    );
  await commitSwitch(ctx, state, change, {
    title: 'switch the balancer',
    update: () => {
      current.hosts = desired;
    },
    onFailure: async () => {
      if (added.length) await removeFromPool(ctx, live, added, current.version);
    },
  });
  if (removed.length)
    await ctx.log.group('stop removed hosts', () => leavePool(ctx, live, removed, current.version));
  return {
    message: `scaled ${summary}; ${desired.length} hosts serve ${current.version}`,
    version: current.version,
    diff: change.diff,
  };
}
