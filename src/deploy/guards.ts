import { driftOf } from '../balancer/set.js';
import { DeployError, UsageError } from '../errors.js';
import type { Context } from './context.js';

// Checks made before a run changes anything, and between its steps.

/** A cancelled run (SIGINT/SIGTERM) stops at the next step boundary; the caller cleans up. */
export function throwIfCancelled(ctx: Context): void {
  if (ctx.signal.aborted) throw new DeployError('cancelled (SIGINT/SIGTERM); cleaning up what was started');
}

/**
 * With several balancers, their files must be the same before a change: a difference means
 * someone edited one by hand, and a change would silently make them agree or disagree more.
 * Refused (UsageError: nothing touched) unless forced.
 */
export async function refuseDrift(ctx: Context, force: boolean): Promise<void> {
  const all = await ctx.balancer.readAll();
  const drifted = driftOf(all);
  if (drifted.length === 0) return;
  const what = `${drifted.map((f) => f.host).join(', ')} differ${drifted.length === 1 ? 's' : ''} from ${all[0]!.host} (${ctx.balancer.source}; see \`bluegreen status\`)`;
  // A dry run changes nothing, so it shows its plan anyway (with the warning).
  if (!force && !ctx.dryRun)
    throw new UsageError(
      `the balancers' files have drifted: ${what}. Make them the same, or pass --force to render the change into each one's own file`,
    );
  ctx.log.warn(
    `the balancers' files have drifted: ${what}; ${force ? 'going ahead (--force)' : 'showing the plan anyway (--dry-run)'}`,
  );
}
