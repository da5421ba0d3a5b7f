import { DeployError } from '../../errors.js';
import { checkOnce, hostUrl } from '../checks.js';
import type { Context } from '../context.js';
import { sha256, type DeployState } from '../state.js';
import { applySwitch, planSwitch, servers, stopPool } from '../steps.js';
import type { OpResult } from './types.js';

/** The candidate becomes the only pool in the upstream; the old pool drains, then stops. */
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
        const r = await checkOnce(hostUrl(h.address, ctx.config.container.port, checks.path), checks);
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
    const plan = livePool.hosts.map(
      (h) => `${h.name}: docker stop + rm ${ctx.config.app} ${livePool.version} (after the drain)`,
    );
    return {
      message: `would promote ${cand} ${candPool.version} and retire ${live} ${livePool.version}`,
      version: candPool.version,
      plan,
      diff: change.diff,
    };
  }
  await ctx.log.group(`switch the balancer to ${cand} only`, () => applySwitch(ctx, change, state));
  state.previous = { pool: live, version: livePool.version };
  state.live = cand;
  state.candidate = null;
  state.pools[live] = null;
  state.upstreamSha256 = sha256(change.after);
  await ctx.store.write(state);
  await ctx.log.group(`stop ${live} ${livePool.version}`, () =>
    stopPool(ctx, live, livePool.hosts, livePool.version),
  );
  return {
    message: `${candPool.version} live on ${cand} (${candPool.hosts.length} hosts); ${live} ${livePool.version} retired`,
    version: candPool.version,
    diff: change.diff,
  };
}
