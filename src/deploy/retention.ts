import { docker } from '../commands/docker.js';
import type { PoolName } from '../config/schema.js';
import { recordOf, targetOf, type Context } from './context.js';
import { timed } from './pool.js';
import type { DeployState, HostRecord } from './state.js';

// Retention (`retain`, default 3): on each host, the app's containers beyond the newest
// `retain` are removed with their images after a successful promote, and by `bluegreen prune`.
// The live and previous versions are never pruned, running containers never: a rollback must
// find what it needs (Kamal once pruned the image a rollback needed, basecamp/kamal#270).

export interface AppContainer {
  id: string;
  name: string;
  state: string;
  version: string;
  created: string;
  image: string;
}

export function parseInventory(stdout: string): AppContainer[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [id = '', name = '', state = '', version = '', created = '', image = ''] = l.split('\t');
      return { id, name, state, version, created, image };
    });
}

export interface PrunePlan {
  keep: AppContainer[];
  remove: AppContainer[];
  /** Images of removed containers that no kept container uses. */
  images: string[];
}

/** Which containers of one host go: the oldest beyond `retain`, never a protected version or a running one. */
export function planPrune(all: AppContainer[], protectedVersions: string[], retain: number): PrunePlan {
  const newestFirst = [...all].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  const must = newestFirst.filter((c) => c.state === 'running' || protectedVersions.includes(c.version));
  const keep = [...must];
  for (const c of newestFirst) if (keep.length < retain && !keep.includes(c)) keep.push(c);
  const remove = newestFirst.filter((c) => !keep.includes(c));
  const used = new Set(keep.map((c) => c.image));
  const images = [...new Set(remove.map((c) => c.image))].filter((i) => !used.has(i));
  return { keep, remove, images };
}

/** The versions a prune may never touch: live, candidate and previous. */
export function protectedVersions(state: DeployState): string[] {
  return [
    state.live ? state.pools[state.live]?.version : undefined,
    state.candidate ? state.pools[state.candidate]?.version : undefined,
    state.previous?.version,
  ].filter((v): v is string => v !== undefined);
}

/**
 * Prunes every host of both pools (as the config lists them); returns `host: removes …` lines.
 * With `dryRun` it only lists them. A host that cannot be reached is named in a warning.
 */
export async function prune(ctx: Context, state: DeployState, dryRun: boolean): Promise<string[]> {
  const keepVersions = protectedVersions(state);
  const hosts: { host: HostRecord; pool: PoolName }[] = (['green', 'blue'] as const).flatMap((pool) =>
    ctx.config.pools[pool].map((h) => ({
      host: recordOf(ctx.config, h),
      pool,
    })),
  );
  const lines: string[] = [];
  const results = await ctx.remote.each(hosts, async ({ host, pool }) => {
    const shell = await ctx.remote.get(targetOf(ctx.config, host));
    const plan = planPrune(
      parseInventory((await shell.exec(docker.inventory(ctx.config.app))).stdout),
      keepVersions,
      ctx.config.retain,
    );
    if (plan.remove.length === 0) return;
    lines.push(
      `${host.name}: ${dryRun ? 'would remove' : 'removes'} ${plan.remove.map((c) => c.name).join(', ')}${plan.images.length ? ` and ${plan.images.length} image(s)` : ''} (keeps ${plan.keep.map((c) => c.name).join(', ')})`,
    );
    if (dryRun) return;
    await timed(ctx, host, pool, 'prune', async () => {
      await shell.exec(docker.removeContainers(plan.remove.map((c) => c.name)));
      if (plan.images.length) await shell.exec(docker.removeImages(plan.images));
    });
  });
  results.forEach((r, i) => {
    if (r.status === 'rejected')
      ctx.log.warn(
        `could not prune ${hosts[i]!.host.name}: ${(r.reason as Error).message}`,
        hosts[i]!.host.name,
      );
  });
  return lines.sort();
}
