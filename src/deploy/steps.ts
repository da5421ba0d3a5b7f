import { createTwoFilesPatch } from 'diff';
import type { UpstreamServer } from '../balancer/nginx-config.js';
import type { PoolName } from '../config/schema.js';
import { containerName, docker, imageRef } from '../commands/docker.js';
import { DeployError, UsageError } from '../errors.js';
import { driftOf } from '../balancer/set.js';
import type { Connection } from '../ssh/connection.js';
import { balancerCheckUrl, checkOnce, checkWithRetries, hostUrl } from './checks.js';
import { targetOf, type Context } from './context.js';
import { sha256, type DeployState, type HostRecord } from './state.js';

// The named steps every command is built from. Each host step is recorded (for the
// report) and logged as one line per host per step.

export function servers(ctx: Context, hosts: HostRecord[]): UpstreamServer[] {
  return hosts.map((h) => ({ host: h.address, port: ctx.config.container.port }));
}

async function timed<T>(
  ctx: Context,
  host: HostRecord,
  pool: PoolName,
  step: string,
  fn: () => Promise<T>,
  detail?: (v: T) => string,
): Promise<T> {
  const started = Date.now();
  try {
    const value = await fn();
    const ms = Date.now() - started;
    const d = detail?.(value);
    ctx.recorder.record(host.name, pool, { step, ok: true, ms, ...(d ? { detail: d } : {}) });
    ctx.log.hostStep(host.name, step, true, ms, d);
    return value;
  } catch (err) {
    const ms = Date.now() - started;
    const message = (err as Error).message;
    ctx.recorder.record(host.name, pool, { step, ok: false, ms, detail: message });
    ctx.log.hostStep(host.name, step, false, ms, message);
    throw err;
  }
}

function throwIfCancelled(ctx: Context): void {
  if (ctx.signal.aborted) throw new DeployError('cancelled (SIGINT/SIGTERM); cleaning up what was started');
}

/** The `docker run` that starts `version` on a host of `pool`. */
function dockerRunCommand(ctx: Context, pool: PoolName, version: string): string {
  const { config } = ctx;
  return docker.run({
    app: config.app,
    version,
    pool,
    image: imageRef(config.image, version),
    port: config.container.port,
    env: config.container.env,
    options: config.container.options,
    restart: config.container.restart,
  });
}

/** The docker commands a start runs on one host, in order (the --dry-run plan). */
export function startCommands(ctx: Context, pool: PoolName, version: string): string[] {
  const { config } = ctx;
  const login =
    config.registry?.username && ctx.secrets.registryPassword
      ? [docker.login(config.registry.server, config.registry.username)]
      : [];
  return [
    docker.removeAll(config.app),
    ...login,
    docker.pull(imageRef(config.image, version)),
    dockerRunCommand(ctx, pool, version),
  ];
}

/**
 * Pulls and starts `version` on every host, in parallel (bounded), then checks each one
 * directly. All or nothing: if any host fails, the containers started on all of them are
 * removed and a DeployError names every failed host and why.
 */
export async function startPool(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  version: string,
): Promise<void> {
  const { config } = ctx;
  const image = imageRef(config.image, version);
  const name = containerName(config.app, version);
  const login = config.registry?.username && ctx.secrets.registryPassword ? config.registry : undefined;

  const results = await ctx.ssh.each(hosts, async (host) => {
    throwIfCancelled(ctx);
    const conn = await timed(ctx, host, pool, 'connect', () => ctx.ssh.get(targetOf(config, host)));
    await conn.exec(docker.removeAll(config.app));
    if (login) {
      await timed(ctx, host, pool, 'login', () =>
        conn.exec(docker.login(login.server, login.username!), { stdin: ctx.secrets.registryPassword }),
      );
    }
    throwIfCancelled(ctx);
    await timed(ctx, host, pool, 'pull', () => conn.exec(docker.pull(image)));
    throwIfCancelled(ctx);
    await timed(
      ctx,
      host,
      pool,
      'start',
      () => conn.exec(dockerRunCommand(ctx, pool, version)),
      (r) => r.stdout.trim().slice(0, 12),
    );
    const url = hostUrl(host.address, config.container.port, config.checks.path);
    const check = await timed(
      ctx,
      host,
      pool,
      'check',
      async () => {
        const r = await checkWithRetries(url, config.checks, ctx.signal);
        if (!r.ok) {
          const logs = await conn.exec(docker.logs(name, 5), { check: false });
          const tail = logExcerpt(logs.stdout + logs.stderr);
          throw new DeployError(
            `${host.name}: check GET ${url} failed after ${r.attempts} attempts: ${r.error}${tail ? `; container log: ${tail}` : ''}`,
            host.name,
          );
        }
        return r;
      },
      (r) => `${r.status} after ${r.attempts} attempt(s)`,
    );
    return check;
  });

  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ host: hosts[i]!, reason: r.reason as Error }] : [],
  );
  if (failures.length > 0) {
    ctx.log.warn(
      `${failures.length} of ${hosts.length} ${pool} host(s) failed; removing what was started on all ${hosts.length}`,
    );
    await removeFromPool(ctx, pool, hosts);
    const lines = failures.map((f) =>
      f.reason.message.startsWith(f.host.name) ? f.reason.message : `${f.host.name}: ${f.reason.message}`,
    );
    throw new DeployError(
      `${failures.length === 1 ? lines[0] : `${failures.length} hosts failed:\n  ${lines.join('\n  ')}`}\nNothing reached users: the balancer was not changed.`,
      failures[0]!.host.name,
    );
  }
}

/** The lines of a container log worth quoting: the error if there is one, else the last lines. */
function logExcerpt(log: string): string {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.filter((l) => /error|exception|fatal/i.test(l)).slice(-2);
  return (error.length ? error : lines.slice(-3)).join(' | ').slice(0, 300);
}

/** Removes the app's containers from hosts (force): for hosts that never served traffic. */
export async function removeFromPool(ctx: Context, pool: PoolName, hosts: HostRecord[]): Promise<void> {
  const results = await ctx.ssh.each(hosts, async (host) => {
    const conn = await ctx.ssh.get(targetOf(ctx.config, host));
    await timed(ctx, host, pool, 'remove', () => conn.exec(docker.removeAll(ctx.config.app)));
  });
  warnLeftovers(ctx, hosts, results, 'remove');
}

/** Stops (gracefully) and removes the app's containers on hosts that were drained. Images stay for rollback. */
export async function stopPool(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  version: string,
): Promise<void> {
  const name = containerName(ctx.config.app, version);
  const seconds = Math.ceil(ctx.config.container.stop_timeout / 1000);
  const results = await ctx.ssh.each(hosts, async (host) => {
    const conn: Connection = await ctx.ssh.get(targetOf(ctx.config, host));
    await timed(ctx, host, pool, 'stop', async () => {
      await conn.exec(`${docker.stop(name, seconds)} >/dev/null 2>&1; true`);
      await conn.exec(docker.removeAll(ctx.config.app));
    });
  });
  warnLeftovers(ctx, hosts, results, 'stop');
}

function warnLeftovers(
  ctx: Context,
  hosts: HostRecord[],
  results: PromiseSettledResult<unknown>[],
  what: string,
): void {
  results.forEach((r, i) => {
    if (r.status === 'rejected') {
      ctx.log.warn(
        `could not ${what} the container on ${hosts[i]!.name}: ${(r.reason as Error).message}; it is out of the balancer, remove it by hand`,
        hosts[i]!.name,
      );
    }
  });
}

export interface Switch {
  before: string;
  after: string;
  diff: string;
}

/** Renders the upstream for `targets` and the unified diff against the file as it is. */
export async function planSwitch(ctx: Context, targets: UpstreamServer[]): Promise<Switch> {
  const before = await ctx.balancer.read();
  const after = ctx.balancer.render(before, targets);
  const file = ctx.config.balancer.file;
  const diff = before === after ? '' : createTwoFilesPatch(file, file, before, after, 'before', 'after');
  return { before, after, diff };
}

/**
 * Applies a planned switch: write, test, reload, wait for the old workers to drain.
 * An unchanged file is still reloaded when it is not what bluegreen last applied: a run
 * killed between writing the file and reloading leaves exactly that, and skipping the
 * reload would then stop a pool nginx still sends traffic to.
 */
export async function applySwitch(ctx: Context, change: Switch, state: DeployState): Promise<void> {
  if (change.before === change.after && state.upstreamSha256 === sha256(change.after)) return;
  throwIfCancelled(ctx);
  await ctx.balancer.apply(change.before, change.after);
}

/**
 * Requests through the balancer (each on a fresh connection); every one must pass the
 * checks.
 */
export async function verifyThroughBalancer(ctx: Context, requests: number): Promise<void> {
  const url = balancerCheckUrl(ctx.config);
  for (let i = 0; i < requests; i++) {
    const r = await checkOnce(url, ctx.config.checks);
    if (!r.ok) throw new DeployError(`verify through the balancer failed: GET ${url}: ${r.error}`);
  }
  ctx.log.info(`verified ${requests} requests through ${url}`);
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
  const what = `${drifted.map((f) => f.host).join(', ')} differ${drifted.length === 1 ? 's' : ''} from ${all[0]!.host} (${ctx.config.balancer.file}; see \`bluegreen status\`)`;
  // A dry run changes nothing, so it shows its plan anyway (with the warning).
  if (!force && !ctx.dryRun)
    throw new UsageError(
      `the balancers' files have drifted: ${what}. Make them the same, or pass --force to render the change into each one's own file`,
    );
  ctx.log.warn(
    `the balancers' files have drifted: ${what}; ${force ? 'going ahead (--force)' : 'showing the plan anyway (--dry-run)'}`,
  );
}

/**
 * Puts the upstream back in line with the state record before a change: a run killed
 * between reloading nginx and writing the state (or a hand edit) leaves servers in the
 * upstream that the state does not know, and a new deploy must not remove containers
 * that still receive traffic.
 */
export async function reconcile(ctx: Context, state: DeployState): Promise<void> {
  const live = state.live ? state.pools[state.live] : null;
  if (!live) return;
  const cand = state.candidate ? state.pools[state.candidate] : null;
  const expected = servers(ctx, [...live.hosts, ...(cand?.hosts ?? [])]);
  const actual = ctx.balancer.servers(await ctx.balancer.read());
  const key = (s: UpstreamServer) => `${s.host}:${s.port}`;
  const same =
    expected.length === actual.length && expected.every((e) => actual.some((a) => key(a) === key(e)));
  if (same) return;
  ctx.log.warn(
    `the upstream (${actual.map(key).join(', ') || 'empty'}) is not what the state record expects (${expected.map(key).join(', ')}): an interrupted run or a hand edit; restoring it first`,
  );
  const change = await planSwitch(ctx, expected);
  await ctx.log.group('restore the upstream', () => applySwitch(ctx, change, state));
  state.upstreamSha256 = sha256(change.after);
  await ctx.store.write(state);
}
