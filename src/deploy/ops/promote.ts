import { DeployError } from '../../errors.js';
import { hostUrl } from '../checks.js';
import type { Context } from '../context.js';
import { planLines, stopCommands, stopPool } from '../pool.js';
import type { DeployState } from '../state.js';
import { commitSwitch, planSwitch, servers, switchPlanLine } from '../switch.js';
import type { OpResult } from './types.js';

/** The candidate becomes the only pool in the balancer; the old pool drains, then stops. */
export async function promote(ctx: Context, state: DeployState): Promise<OpResult> {
  const cand = state.candidate;
  const live = state.live;
  const candPool = cand ? state.pools[cand] : null;
  const livePool = live ? state.pools[live] : null;
  if (!cand || !candPool || !live || !livePool)
    throw new DeployError('nothing to promote: no candidate pool (run `bluegreen deploy` first)');

  // A candidate host that died since the deploy must not become the only pool.
  const checks = { ...ctx.config.checks };
  const dead = (
    await Promise.all(
      candPool.hosts.map(async (h) => {
        const r = await ctx.checker.once(hostUrl(h.address, ctx.config.container.port, checks.path), checks);
        return r.ok ? undefined : `${h.name} (${r.error})`;
      }),
    )
  ).filter((x): x is string => x !== undefined);
  if (dead.length) {
    throw new DeployError(
      `refusing to promote ${cand}: ${dead.join(', ')} no longer pass the check; run \`bluegreen rollback\` or deploy again`,
      dead[0],
    );
  }

  const change = await planSwitch(ctx, servers(ctx, candPool.hosts));
  if (ctx.dryRun) {
    return {
      message: `would promote ${cand} ${candPool.version} and retire ${live} ${livePool.version}`,
      version: candPool.version,
      plan: [switchPlanLine(ctx), ...planLines(livePool.hosts, stopCommands(ctx, livePool.version))],
      diff: change.diff,
    };
  }
  await commitSwitch(ctx, state, change, {
    title: `switch the balancer to ${cand} only`,
    update: (s) => {
      s.previous = { pool: live, version: livePool.version };
      s.live = cand;
      s.candidate = null;
      s.pools[live] = null;
    },
  });
  await ctx.log.group(`stop ${live} ${livePool.version}`, () =>
    stopPool(ctx, live, livePool.hosts, livePool.version),
  );
  return {
    message: `${candPool.version} live on ${cand} (${candPool.hosts.length} hosts); ${live} ${livePool.version} retired`,
    version: candPool.version,
    diff: change.diff,
  };
}
