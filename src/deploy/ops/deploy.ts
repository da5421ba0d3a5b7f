import { DeployError, UsageError } from '../../errors.js';
import { buildPlan } from '../build.js';
import { releaseOf, type PreparedImage } from '../image.js';
import { memberKey, poolBackend } from '../backend.js';
import type { Context } from '../context.js';
import { planLines, type Release } from '../pool.js';
import { otherPool, type DeployState } from '../state.js';
import { commitSwitch, planSwitch, servers, switchPlanLine, verifyThroughBalancer } from '../switch.js';
import { releaseCommand, releaseHost, runRelease } from '../release.js';
import { promote } from './promote.js';
import { rollbackCandidate } from './rollback.js';
import { shiftTraffic } from './shift.js';
import type { OpResult } from './types.js';

/**
 * Deploys `version` to the idle pool: build/push (when configured), start and preflight
 * every host, and only then add the pool to the balancer beside the live one.
 */
export async function deploy(
  ctx: Context,
  state: DeployState,
  version: string,
  andPromote: boolean,
  steps?: number[],
  digest?: string,
): Promise<OpResult> {
  const { config } = ctx;
  if (steps && !state.live)
    throw new UsageError(
      '--steps shifts traffic from a live pool, and nothing is live yet: deploy without --steps first',
    );
  if (state.candidate) {
    const c = state.pools[state.candidate];
    throw new UsageError(
      `${state.candidate} already holds candidate ${c?.version ?? '?'} beside the live pool: run \`bluegreen promote\` or \`bluegreen rollback\` first`,
    );
  }
  const pool = state.live ? otherPool(state.live) : 'green';
  const backend = poolBackend(ctx, pool);
  let hosts = await backend.members();
  if (hosts.length === 0)
    throw new UsageError(
      `pools.${pool}: ${backend.emptiness.what}, but ${pool} is the idle pool this deploy goes to; ${backend.emptiness.fix}`,
    );
  const live = state.live ? state.pools[state.live] : null;
  let change = await planSwitch(ctx, servers(ctx, [...(live?.hosts ?? []), ...hosts]));

  if (ctx.dryRun) {
    // The digest the hosts would run, if the tag exists yet (a build would make a new one).
    let planned: Release = digest
      ? releaseOf(config, version, { image: config.image, digest })
      : { version, image: config.image };
    if (!digest && !config.build)
      planned = await ctx.images.resolve(ctx, version).then(
        (p) => releaseOf(config, version, p),
        (err: Error) => {
          ctx.log.warn(`the plan shows the tag: ${err.message}`);
          return planned;
        },
      );
    const release = releaseCommand(ctx, planned);
    const plan = [
      ...buildPlan(ctx, version),
      ...backend.startPlan(hosts, planned),
      ...(release ? planLines([releaseHost(hosts)], [release]) : []),
      switchPlanLine(ctx),
      ...(steps
        ? [
            `balancer: shift ${steps.join('% → ')}% to ${pool}, each step sampled ${config.shift.step_duration}ms`,
          ]
        : []),
    ];
    return {
      message: `would deploy ${version} to ${pool} (${hosts.length} hosts)`,
      version,
      plan,
      diff: change.diff,
    };
  }

  // Built (when configured) and resolved to its digest once; every host runs exactly that.
  const image: PreparedImage = digest
    ? { image: config.image, digest }
    : await ctx.images.prepare(ctx, version);
  const release = releaseOf(config, version, image);
  const started = await ctx.log.group(`start ${version} on ${pool}`, () => backend.start(hosts, release));
  // A Swarm pool may start on fewer nodes than planned (one went down): the switch follows.
  if (started.length !== hosts.length || started.some((h, i) => memberKey(h) !== memberKey(hosts[i]!))) {
    hosts = started;
    change = await planSwitch(ctx, servers(ctx, [...(live?.hosts ?? []), ...hosts]));
  }
  // The release phase: every host passed its check, none receives traffic yet.
  if (config.release)
    await ctx.log.group(`release ${version} on ${releaseHost(hosts).name}`, () =>
      runRelease(ctx, pool, hosts, release).catch(async (err: unknown) => {
        await backend.remove(hosts, version);
        throw new DeployError(
          `${(err as Error).message}\nThe release failed: ${pool}'s containers were removed; nothing reached users (the balancer was not changed).`,
          (err as DeployError).host,
        );
      }),
    );
  // The idle pool's hosts held the previous version, still running (warm): it is stopped now.
  if (state.previous?.pool === pool && state.previous.kept === 'warm') {
    state.previous.kept = 'stopped';
    delete state.previous.stopAt;
  }
  if (steps) return shiftTraffic(ctx, state, pool, hosts, release, steps);
  await commitSwitch(ctx, state, change, {
    title: 'switch the balancer',
    update: (s) => {
      s.pools[pool] = {
        ...release,
        hosts,
        since: new Date().toISOString(),
        ...(backend.service ? { service: backend.service } : {}),
      };
      if (s.live) s.candidate = pool;
      else s.live = pool;
    },
    onFailure: () => backend.remove(hosts, version),
  });

  try {
    await verifyThroughBalancer(ctx, Math.max(4, 2 * (hosts.length + (live?.hosts.length ?? 0))));
  } catch (err) {
    if (state.candidate) {
      ctx.log.error(`${(err as Error).message}; rolling back`);
      await rollbackCandidate(ctx, state);
      const failed = new DeployError(
        `${version} failed verification through the balancer and was rolled back: ${(err as Error).message}`,
      );
      failed.rolledBack = true;
      throw failed;
    }
    throw err;
  }

  const where = `${version} live on ${pool} (${hosts.length} hosts)`;
  if (andPromote && state.candidate) {
    const promoted = await promote(ctx, state);
    return {
      ...promoted,
      image: release.image,
      digest: image.digest,
      diff: [change.diff, promoted.diff].filter(Boolean).join('\n'),
    };
  }
  return {
    message: live && state.candidate ? `${where} beside ${state.live} ${live.version}` : where,
    version,
    image: release.image,
    // The digest, or (registry: none) the image ID: what pins the image either way.
    digest: image.digest,
    diff: change.diff,
  };
}
