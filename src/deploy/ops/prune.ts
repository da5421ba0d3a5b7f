import type { Context } from '../context.js';
import { prune } from '../retention.js';
import type { DeployState } from '../state.js';
import type { OpResult } from './types.js';

/** `bluegreen prune [--dry-run]`: retention on demand (it also runs after every promote). */
export async function pruneCommand(ctx: Context, state: DeployState): Promise<OpResult> {
  const lines = await prune(ctx, state, ctx.dryRun);
  const what = `retain ${ctx.config.retain} per host; never ${[state.live, state.candidate].filter(Boolean).length ? 'the live, candidate or previous version' : 'a running container'}`;
  if (lines.length === 0) return { message: `nothing to prune (${what})` };
  return {
    message: `${ctx.dryRun ? 'would prune' : 'pruned'} ${lines.length} host(s) (${what})`,
    plan: lines,
  };
}
