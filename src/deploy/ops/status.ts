import { POOLS } from '../../config/schema.js';
import { driftOf } from '../../balancer/set.js';
import { sha256 } from '../../util/hash.js';
import { poolBackend } from '../backend.js';
import type { Context } from '../context.js';
import type { StatusReport } from '../outcome.js';
import type { DeployState } from '../state.js';
import type { OpResult } from './types.js';

/** What is live, what is candidate, and per host: container and check result. Changes nothing. */
export async function status(ctx: Context, state: DeployState): Promise<OpResult> {
  const files = await ctx.balancer.readAll();
  const text = files[0]!.text;
  const drifted = new Set(driftOf(files).map((f) => f.host));
  // Both pools at once; each takes its members in `seen` before it waits, green first.
  const seen = new Set<string>();
  const pools = await Promise.all(
    POOLS.map((pool) => poolBackend(ctx, pool).status(state.pools[pool], seen)),
  );
  const facts = await Promise.all(ctx.balancer.members.map((m) => m.facts()));
  const report: StatusReport = {
    live: state.live,
    candidate: state.candidate,
    previous: state.previous
      ? {
          pool: state.previous.pool,
          version: state.previous.version,
          ...(state.previous.digest ? { digest: state.previous.digest } : {}),
          ...(state.previous.imageId ? { imageId: state.previous.imageId } : {}),
          ...(state.previous.kept ? { kept: state.previous.kept } : {}),
          ...(state.previous.stopAt ? { stopAt: state.previous.stopAt } : {}),
        }
      : null,
    pools: (['live', 'candidate'] as const).flatMap((role) => {
      const pool = state[role];
      const p = pool ? state.pools[pool] : null;
      return pool && p
        ? [
            {
              pool,
              role,
              version: p.version,
              ...(p.image ? { image: p.image } : {}),
              ...(p.digest ? { digest: p.digest } : {}),
              ...(p.imageId ? { imageId: p.imageId } : {}),
            },
          ]
        : [];
    }),
    upstream: ctx.balancer.servers(text),
    upstreamEditedByHand: state.upstreamSha256 !== null && state.upstreamSha256 !== sha256(text),
    balancers: files.map((f, i) => ({
      host: f.host,
      sha256: f.sha256,
      upstream: ctx.balancer.servers(f.text),
      drift: drifted.has(f.host),
      ...facts[i],
    })),
    drift: drifted.size > 0,
    hosts: pools.flatMap((p) => p.rows),
    ...(pools.some((p) => p.service)
      ? { services: pools.flatMap((p) => (p.service ? [p.service] : [])) }
      : {}),
  };
  const live = state.live ? `${state.live} ${state.pools[state.live]?.version}` : 'nothing';
  const cand = state.candidate
    ? `, candidate ${state.candidate} ${state.pools[state.candidate]?.version}`
    : '';
  return {
    message: `live: ${live}${cand}`,
    version: state.live ? state.pools[state.live]?.version : undefined,
    status: report,
  };
}
