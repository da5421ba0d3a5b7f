import type { PoolName } from '../config/schema.js';
import { docker, parseContainerList } from '../commands/docker.js';
import { hostUrl } from './checks.js';
import { targetOf, type Context } from './context.js';
import type { StatusReport } from './outcome.js';
import type { HostRecord, PoolState } from './state.js';

// `status` of an SSH pool: per host (the recorded ones, then the configured ones, each once)
// the app's container, its state and version, and a live check of the host directly.

export async function sshStatusRows(
  ctx: Context,
  pool: PoolName,
  recorded: PoolState | null,
  configured: HostRecord[],
  seen: Set<string>,
): Promise<StatusReport['hosts']> {
  const hosts: HostRecord[] = [];
  for (const h of [...(recorded?.hosts ?? []), ...configured]) {
    if (seen.has(`${h.host}:${h.port}`)) continue;
    seen.add(`${h.host}:${h.port}`);
    hosts.push(h);
  }
  const rows = await ctx.remote.each(hosts, async (host) => {
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
  return rows.map((r) =>
    r.status === 'fulfilled'
      ? r.value
      : {
          host: '?',
          pool,
          address: '?',
          container: '-',
          state: 'error',
          version: '-',
          check: String(r.reason),
          ok: false,
        },
  );
}
