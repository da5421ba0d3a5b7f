import type { PoolName } from '../../config/schema.js';
import { docker, parseContainerList } from '../../commands/docker.js';
import { driftOf } from '../../balancer/set.js';
import { sha256 } from '../../util/hash.js';
import { hostUrl } from '../checks.js';
import { recordOf, targetOf, type Context } from '../context.js';
import type { StatusReport } from '../outcome.js';
import type { DeployState, HostRecord } from '../state.js';
import type { OpResult } from './types.js';

/** What is live, what is candidate, and per host: container and check result. Changes nothing. */
export async function status(ctx: Context, state: DeployState): Promise<OpResult> {
  const files = await ctx.balancer.readAll();
  const text = files[0]!.text;
  const drifted = new Set(driftOf(files).map((f) => f.host));
  const hosts: { host: HostRecord; pool: PoolName }[] = [];
  const seen = new Set<string>();
  for (const pool of ['green', 'blue'] as const) {
    const listed = [
      ...(state.pools[pool]?.hosts ?? []),
      ...ctx.config.pools[pool].map((h) => recordOf(ctx.config, h)),
    ];
    for (const h of listed) {
      if (seen.has(`${h.host}:${h.port}`)) continue;
      seen.add(`${h.host}:${h.port}`);
      hosts.push({ host: h, pool });
    }
  }
  const rows = await ctx.remote.each(hosts, async ({ host, pool }) => {
    const url = hostUrl(host.address, ctx.config.container.port, ctx.config.checks.path);
    let container = '-';
    let st = 'none';
    let version = '-';
    try {
      const shell = await ctx.remote.get(targetOf(ctx.config, host));
      const list = parseContainerList((await shell.exec(docker.list(ctx.config.app))).stdout);
      // The running one first: a host may also hold stopped versions kept for a rollback.
      const shown = list.find((c) => c.state === 'running') ?? list[0];
      if (shown) ({ name: container, state: st, version } = shown);
      const stopped = list.filter((c) => c !== shown).length;
      if (stopped) st = `${st} (+${stopped} kept)`;
    } catch (err) {
      st = `unreachable: ${(err as Error).message}`;
    }
    const check = await ctx.checker.once(url, {
      ...ctx.config.checks,
      timeout: Math.min(ctx.config.checks.timeout, 2000),
    });
    return {
      host: host.name,
      pool,
      address: host.address,
      container,
      state: st,
      version,
      check: check.ok ? `${check.status}` : (check.error ?? 'failed'),
      ok: check.ok,
    };
  });
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
    hosts: rows.map((r) =>
      r.status === 'fulfilled'
        ? r.value
        : {
            host: '?',
            pool: 'green' as const,
            address: '?',
            container: '-',
            state: 'error',
            version: '-',
            check: String(r.reason),
            ok: false,
          },
    ),
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
