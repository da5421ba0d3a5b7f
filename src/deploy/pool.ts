import type { Readable } from 'node:stream';
import { registryOf, type PoolName } from '../config/schema.js';
import { containerName, docker, imageRef, pinnedRef } from '../commands/docker.js';
import { DeployError } from '../errors.js';
import type { ExecResult, RemoteShell } from '../ssh/remote.js';
import { hostUrl } from './checks.js';
import { targetOf, type Context } from './context.js';
import { throwIfCancelled } from './guards.js';
import type { HostRecord } from './state.js';

// A pool's containers on its hosts: start (pull by digest, run, check directly), bring back
// (a previous version that is still running or only stopped), remove, stop. What runs on a
// host is listed by startCommands/stopCommands, which --dry-run prints. Each host step is
// recorded (for the report) and logged as one line per host per step.

/** A version of the app as the hosts run it. */
export interface Release {
  version: string;
  /** The repository (registry included). */
  image: string;
  /** `sha256:…`: the hosts run `image@digest`. Absent only for records older than digests. */
  digest?: string;
  /**
   * registry: none: `sha256:…`, the image ID of the image streamed from the machine running
   * bluegreen; the hosts run it by this ID (there is no registry digest).
   */
  imageId?: string;
}

/** What `docker pull` and `docker run` are given: by image ID or digest when it is known. */
export function releaseRef(r: Release): string {
  if (r.imageId) return r.imageId;
  return r.digest ? pinnedRef(r.image, r.digest) : imageRef(r.image, r.version);
}

/** A release as a state record keeps it (a pool, the previous version). */
export function releaseFrom(
  record: { version: string; image?: string; digest?: string; imageId?: string },
  fallbackImage: string,
): Release {
  return {
    version: record.version,
    image: record.image ?? fallbackImage,
    ...(record.digest ? { digest: record.digest } : {}),
    ...(record.imageId ? { imageId: record.imageId } : {}),
  };
}

/** One command of a host's plan. */
export interface HostCommand {
  command: string;
  /** Its stdin: text, or a stream opened when the command runs (an image archive). */
  stdin?: string | (() => Promise<Readable>);
  /** Skipped when this command exits 0 on the host first (e.g. the image is there already). */
  unless?: string;
  /** How the --dry-run plan shows it, when the command alone does not say it. */
  shown?: string;
  /** The step it is recorded and logged as; a command without one runs unrecorded. */
  step?: string;
  /** What the step's log line shows of the command's result. */
  detail?: (result: ExecResult) => string;
}

/** The registry login the hosts use: the pull-only user when there is one (hosts never hold a push token). */
export function hostLogin(ctx: Context): { server: string; username: string; password: string } | undefined {
  const registry = registryOf(ctx.config);
  if (!registry) return undefined;
  const pull = registry.pull_username;
  const username = pull ?? registry.username;
  const password = pull ? ctx.secrets.registryPullPassword : ctx.secrets.registryPassword;
  return username && password ? { server: registry.server, username, password } : undefined;
}

export const stopSeconds = (ctx: Context) => Math.ceil(ctx.config.container.stop_timeout / 1000);

/**
 * registry: none: the image archive from this machine, streamed into `docker load` on a host
 * that does not have the image ID yet (the archive is saved once per run, on first need).
 */
function transferCommand(ctx: Context, release: Release, imageId: string): HostCommand {
  const tag = imageRef(release.image, release.version);
  let bytes = 0;
  return {
    step: 'transfer',
    unless: docker.hasImage(imageId),
    command: docker.load(imageId, tag),
    stdin: async () => {
      const archive = await ctx.images.archive(imageId);
      bytes = archive.bytes;
      return archive.open();
    },
    shown: `${docker.hasImage(imageId)} || (local: docker save ${imageId} | gzip) | ${docker.load(imageId, tag)}`,
    detail: () => `${(bytes / 1e6).toFixed(1)} MB streamed from this machine`,
  };
}

/** The commands that start `release` on a host of `pool`, in order (its check follows). */
export function startCommands(ctx: Context, pool: PoolName, release: Release): HostCommand[] {
  const { config } = ctx;
  const login = hostLogin(ctx);
  const ref = releaseRef(release);
  const name = containerName(config.app, release.version);
  return [
    // No other container of the app may hold the port (what still runs here is outside the
    // balancer: an old pool kept warm); they are stopped and kept, not removed.
    { command: docker.makeRoom(config.app, name, stopSeconds(ctx)) },
    release.imageId
      ? transferCommand(ctx, release, release.imageId)
      : {
          step: 'pull',
          command: docker.pull(ref, login ? { server: login.server, username: login.username } : undefined),
          ...(login ? { stdin: login.password } : {}),
        },
    {
      step: 'start',
      command: docker.run({
        app: config.app,
        version: release.version,
        pool,
        image: ref,
        ...(release.digest ? { digest: release.digest } : {}),
        port: config.container.port,
        env: config.container.env,
        options: config.container.options,
        restart: config.container.restart,
      }),
      detail: (r) => r.stdout.trim().slice(0, 12),
    },
  ];
}

/**
 * The commands that stop (gracefully) and remove `version` on a host that was drained. Only
 * that container: a previous version kept on the host stays (it may be the rollback target).
 */
export function stopCommands(ctx: Context, version: string): HostCommand[] {
  const name = containerName(ctx.config.app, version);
  return [{ command: docker.stopIfRunning(name, stopSeconds(ctx)) }, { command: docker.removeIfThere(name) }];
}

/** A host that leaves its pool (scale): its container stops gracefully, then the app leaves it. */
export function leaveCommands(ctx: Context, version: string): HostCommand[] {
  return [
    { command: docker.stopIfRunning(containerName(ctx.config.app, version), stopSeconds(ctx)) },
    { command: docker.removeAll(ctx.config.app) },
  ];
}

/** The commands that stop `version` and keep its container (a rollback starts it again). */
export function stopKeepingCommands(ctx: Context, version: string): HostCommand[] {
  return [{ command: docker.stopIfRunning(containerName(ctx.config.app, version), stopSeconds(ctx)) }];
}

/** The command that removes `version`'s container at once: for hosts where it never served traffic. */
export function removeCommands(ctx: Context, version: string): HostCommand[] {
  return [{ command: docker.removeIfThere(containerName(ctx.config.app, version)) }];
}

/** `host: command` for every host and command: the --dry-run plan. */
export function planLines(hosts: HostRecord[], commands: HostCommand[]): string[] {
  return hosts.flatMap((h) => commands.map((c) => `${h.name}: ${c.shown ?? c.command}`));
}

export async function timed<T>(
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

async function runCommands(
  ctx: Context,
  host: HostRecord,
  pool: PoolName,
  shell: RemoteShell,
  commands: HostCommand[],
): Promise<void> {
  for (const c of commands) {
    throwIfCancelled(ctx);
    if (c.unless !== undefined && (await shell.exec(c.unless, { check: false })).code === 0) {
      if (c.step)
        await timed(
          ctx,
          host,
          pool,
          c.step,
          () => Promise.resolve(),
          () => 'already there',
        );
      continue;
    }
    const run = async () => {
      if (typeof c.stdin !== 'function') return shell.exec(c.command, { stdin: c.stdin });
      const stream = await c.stdin();
      // The command may end before it read everything (it failed): the rest is dropped.
      stream.on('error', () => undefined);
      try {
        return await shell.exec(c.command, { stdin: stream });
      } finally {
        stream.destroy();
      }
    };
    await (c.step ? timed(ctx, host, pool, c.step, run, c.detail) : run());
  }
}

/** Checks a host directly until it passes (checks.retries); the failure quotes the container's log. */
function checkHost(
  ctx: Context,
  host: HostRecord,
  pool: PoolName,
  shell: RemoteShell,
  version: string,
): Promise<unknown> {
  return checkDirectly(ctx, host, pool, {
    label: 'container log',
    read: async () => {
      const logs = await shell.exec(docker.logs(containerName(ctx.config.app, version), 5), { check: false });
      return logs.stdout + logs.stderr;
    },
  });
}

/**
 * The step `check` of a host: GET its own address until it passes (checks.retries); a failure
 * names the host and quotes the last lines of `log` (a container's or a Swarm task's).
 */
export async function checkDirectly(
  ctx: Context,
  host: HostRecord,
  pool: PoolName,
  log: { label: string; read: () => Promise<string> },
  messagePrefix = `${host.name}: `,
): Promise<unknown> {
  const { config } = ctx;
  const url = hostUrl(host.address, config.container.port, config.checks.path);
  return timed(
    ctx,
    host,
    pool,
    'check',
    async () => {
      const r = await ctx.checker.withRetries(url, config.checks, ctx.signal);
      if (r.ok) return r;
      const tail = logExcerpt(await log.read().catch(() => ''));
      throw new DeployError(
        `${messagePrefix}check GET ${url} failed after ${r.attempts} attempts: ${r.error}${tail ? `; ${log.label}: ${tail}` : ''}`,
        host.name,
      );
    },
    (r) => `${r.status} after ${r.attempts} attempt(s)`,
  );
}

/** Throws one DeployError naming every failed host, after `cleanup`. */
async function allOrNothing(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  results: PromiseSettledResult<unknown>[],
  undo: { verb: string; run: () => Promise<void> },
): Promise<void> {
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ host: hosts[i]!, reason: r.reason as Error }] : [],
  );
  if (failures.length === 0) return;
  ctx.log.warn(
    `${failures.length} of ${hosts.length} ${pool} host(s) failed; ${undo.verb} what was started on all ${hosts.length}`,
  );
  const cleanup = undo.run;
  await cleanup();
  const lines = failures.map((f) =>
    f.reason.message.startsWith(f.host.name) ? f.reason.message : `${f.host.name}: ${f.reason.message}`,
  );
  throw new DeployError(
    `${failures.length === 1 ? lines[0] : `${failures.length} hosts failed:\n  ${lines.join('\n  ')}`}\nNothing reached users: the balancer was not changed.`,
    failures[0]!.host.name,
  );
}

/**
 * Runs startCommands and then the check on every host, in parallel (bounded). All or
 * nothing: if any host fails, the containers started on all of them are removed and a
 * DeployError names every failed host and why.
 */
export async function startPool(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  release: Release,
): Promise<void> {
  const commands = startCommands(ctx, pool, release);
  const results = await ctx.remote.each(hosts, async (host) => {
    throwIfCancelled(ctx);
    const shell = await timed(ctx, host, pool, 'connect', () => ctx.remote.get(targetOf(ctx.config, host)));
    await runCommands(ctx, host, pool, shell, commands);
    await checkHost(ctx, host, pool, shell, release.version);
  });
  await allOrNothing(ctx, pool, hosts, results, {
    verb: 'removing',
    run: () => removeFromPool(ctx, pool, hosts, release.version),
  });
}

/** How a previous version comes back on a host: as it found it. */
export type Comeback = 'warm' | 'started' | 'pulled';

/**
 * Brings `release` back on the hosts that ran it: a container still running (an old pool
 * kept warm) is only checked again; a stopped one is started (`docker start`, no pull); a
 * missing one is pulled and run like any start. All or nothing: if any host fails, what this
 * started is stopped again (kept) and a DeployError names every failed host.
 */
export async function bringBack(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  release: Release,
): Promise<Record<Comeback, number>> {
  const name = containerName(ctx.config.app, release.version);
  const how = new Map<string, Comeback>();
  const results = await ctx.remote.each(hosts, async (host) => {
    throwIfCancelled(ctx);
    const shell = await timed(ctx, host, pool, 'connect', () => ctx.remote.get(targetOf(ctx.config, host)));
    // A stop timer of a warm pool must not fire once it is live again (one exec with the look).
    const state = (
      await shell.exec(docker.cancelStopsAndStateOf(ctx.config.app, name), { check: false })
    ).stdout.trim();
    if (state === 'running') {
      how.set(host.name, 'warm');
      await timed(
        ctx,
        host,
        pool,
        'warm',
        () => Promise.resolve(),
        () => `${name} still running`,
      );
    } else if (state === 'exited' || state === 'created') {
      how.set(host.name, 'started');
      await runCommands(ctx, host, pool, shell, [
        { command: docker.stopRunning(ctx.config.app, stopSeconds(ctx)) },
        { step: 'start', command: docker.start(name), detail: () => `docker start ${name} (no pull)` },
      ]);
    } else {
      how.set(host.name, 'pulled');
      await runCommands(ctx, host, pool, shell, startCommands(ctx, pool, release));
    }
    await checkHost(ctx, host, pool, shell, release.version);
  });
  await allOrNothing(ctx, pool, hosts, results, {
    verb: 'stopping (and keeping)',
    run: () =>
      retire(
        ctx,
        pool,
        hosts.filter((h) => how.get(h.name) !== 'warm'),
        'stop',
        stopKeepingCommands(ctx, release.version),
      ),
  });
  const counts: Record<Comeback, number> = { warm: 0, started: 0, pulled: 0 };
  for (const h of how.values()) counts[h]++;
  return counts;
}

/** The lines of a container log worth quoting: the error if there is one, else the last lines. */
export function logExcerpt(log: string): string {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.filter((l) => /error|exception|fatal/i.test(l)).slice(-2);
  return (error.length ? error : lines.slice(-3)).join(' | ').slice(0, 300);
}

/** Removes `version`'s container from hosts (force): for hosts where it never served traffic. */
export function removeFromPool(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  version: string,
): Promise<void> {
  return retire(ctx, pool, hosts, 'remove', removeCommands(ctx, version));
}

/** Stops (gracefully) and removes `version`'s container on hosts that were drained. */
export function stopPool(ctx: Context, pool: PoolName, hosts: HostRecord[], version: string): Promise<void> {
  return retire(ctx, pool, hosts, 'stop', stopCommands(ctx, version));
}

/** Hosts that leave the pool (scale): drained already; stopped, and the app's containers removed. */
export function leavePool(ctx: Context, pool: PoolName, hosts: HostRecord[], version: string): Promise<void> {
  return retire(ctx, pool, hosts, 'stop', leaveCommands(ctx, version));
}

/** What became of an old pool after a switch (promote.keep_old). */
export interface KeptOld {
  kept: 'warm' | 'stopped';
  stopAt?: string;
}

/**
 * An old pool that just left the balancer, per promote.keep_old: kept running (the instant
 * rollback), stopped by a timer on each host after DURATION (so it happens although this run
 * ends), or stopped at once. Its containers are never removed here (retention prunes).
 */
export async function keepOld(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  version: string,
): Promise<KeptOld> {
  const keep = ctx.config.promote.keep_old;
  if (keep.until === 'next_deploy') return { kept: 'warm' };
  if (keep.ms === 0) {
    await retire(ctx, pool, hosts, 'stop', stopKeepingCommands(ctx, version));
    return { kept: 'stopped' };
  }
  const seconds = Math.ceil(keep.ms / 1000);
  const name = containerName(ctx.config.app, version);
  await retire(ctx, pool, hosts, 'timer', [
    { command: docker.cancelScheduledStops(ctx.config.app) },
    { command: docker.scheduleStop(ctx.config.app, name, seconds, stopSeconds(ctx)) },
  ]);
  return { kept: 'warm', stopAt: new Date(Date.now() + seconds * 1000).toISOString() };
}

/**
 * Runs `commands` on every host as one recorded step. These hosts are already out of the
 * balancer, so a host that fails is only named in a warning: the run goes on.
 */
export async function retire(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  step: 'remove' | 'stop' | 'timer' | 'prune',
  commands: HostCommand[],
): Promise<void> {
  const results = await ctx.remote.each(hosts, async (host) => {
    const shell = await ctx.remote.get(targetOf(ctx.config, host));
    await timed(ctx, host, pool, step, async () => {
      for (const c of commands) await shell.exec(c.command);
    });
  });
  results.forEach((r, i) => {
    if (r.status === 'rejected') {
      ctx.log.warn(
        `could not ${step} the container on ${hosts[i]!.name}: ${(r.reason as Error).message}; it is out of the balancer, remove it by hand`,
        hosts[i]!.name,
      );
    }
  });
}
