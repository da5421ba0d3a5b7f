import { DeployError } from '../../errors.js';
import { hostUrl } from '../checks.js';
import type { Context } from '../context.js';
import { poolBackend } from '../backend.js';
import { prune } from '../retention.js';
import type { DeployState } from '../state.js';
import { commitSwitch, planSwitch, servers, switchPlanLine } from '../switch.js';
import type { OpResult } from './types.js';

/**
 * The candidate becomes the only pool in the balancer; the old pool drains and is then kept
 * per promote.keep_old (running, as the instant rollback, or stopped); old containers beyond
 * `retain` are pruned.
 */
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
  const keep = ctx.config.promote.keep_old;
  if (ctx.dryRun) {
    const kept =
      keep.until === 'next_deploy'
        ? [
            `${live}: ${livePool.version} keeps running outside the balancer until the next deploy (promote.keep_old)`,
          ]
        : keep.ms === 0
          ? poolBackend(ctx, live).stopKeepingPlan(livePool.hosts, livePool.version)
          : [
              `${live}: a timer on each host stops ${livePool.version} after ${keep.ms / 1000}s (promote.keep_old)`,
            ];
    return {
      message: `would promote ${cand} ${candPool.version} and retire ${live} ${livePool.version}`,
      version: candPool.version,
      plan: [switchPlanLine(ctx), ...kept],
      diff: change.diff,
    };
  }
  await commitSwitch(ctx, state, change, {
    title: `switch the balancer to ${cand} only`,
    update: (s) => {
      s.previous = { ...livePool, pool: live, kept: 'warm' };
      s.live = cand;
      s.candidate = null;
      s.pools[live] = null;
    },
  });
  const kept = await ctx.log.group(`keep ${live} ${livePool.version} for a rollback`, () =>
    poolBackend(ctx, live).keepOld(livePool.hosts, livePool.version),
  );
  // The switch recorded the old pool as warm; a stop (now or by a timer) is recorded too.
  if (kept.kept !== 'warm' || kept.stopAt) {
    state.previous = { ...state.previous!, ...kept };
    await ctx.store.write(state);
  }
  const pruned = await ctx.log.group(`prune old containers (retain ${ctx.config.retain})`, () =>
    prune(ctx, state, false),
  );
  for (const line of pruned) ctx.log.info(line);
  return {
    message: `${candPool.version} live on ${cand} (${candPool.hosts.length} hosts); ${live} ${livePool.version} ${describeKept(kept)}`,
    version: candPool.version,
    diff: change.diff,
  };
}

/** "kept running outside the balancer (warm) until the next deploy", "stopped, kept" … */
export function describeKept(kept: { kept: 'warm' | 'stopped'; stopAt?: string }): string {
  if (kept.kept === 'stopped') return 'stopped, kept for a rollback';
  return kept.stopAt
    ? `kept running outside the balancer (warm) until ${kept.stopAt}, then stopped by a timer on its hosts`
    : 'kept running outside the balancer (warm) until the next deploy';
}
