import type { PoolName } from '../config/schema.js';
import { containerName, docker, imageRef } from '../commands/docker.js';
import { DeployError } from '../errors.js';
import type { ExecResult } from '../ssh/remote.js';
import { hostUrl } from './checks.js';
import { targetOf, type Context } from './context.js';
import { throwIfCancelled } from './guards.js';
import type { HostRecord } from './state.js';

// A pool's containers on its hosts: start (pull, run, check directly), remove, stop. What
// runs on a host is listed by startCommands/stopCommands, which --dry-run prints. Each host
// step is recorded (for the report) and logged as one line per host per step.

/** One command of a host's plan. */
export interface HostCommand {
  command: string;
  stdin?: string;
  /** The step it is recorded and logged as; a command without one runs unrecorded. */
  step?: string;
  /** What the step's log line shows of the command's result. */
  detail?: (result: ExecResult) => string;
}

/** The commands that start `version` on a host of `pool`, in order (its check follows). */
export function startCommands(ctx: Context, pool: PoolName, version: string): HostCommand[] {
  const { config } = ctx;
  const { registry } = config;
  const password = ctx.secrets.registryPassword;
  return [
    // No container of the app may hold the port for the new one.
    { command: docker.removeAll(config.app) },
    ...(registry?.username && password
      ? [{ step: 'login', command: docker.login(registry.server, registry.username), stdin: password }]
      : []),
    { step: 'pull', command: docker.pull(imageRef(config.image, version)) },
    {
      step: 'start',
      command: docker.run({
        app: config.app,
        version,
        pool,
        image: imageRef(config.image, version),
        port: config.container.port,
        env: config.container.env,
        options: config.container.options,
        restart: config.container.restart,
      }),
      detail: (r) => r.stdout.trim().slice(0, 12),
    },
  ];
}

/** The commands that stop (gracefully) and remove `version` on a host that was drained. Images stay for rollback. */
export function stopCommands(ctx: Context, version: string): HostCommand[] {
  const { app, container } = ctx.config;
  return [
    { command: docker.stopIfRunning(containerName(app, version), Math.ceil(container.stop_timeout / 1000)) },
    { command: docker.removeAll(app) },
  ];
}

/** The commands that remove the app's containers at once: for hosts that never served traffic. */
export function removeCommands(ctx: Context): HostCommand[] {
  return [{ command: docker.removeAll(ctx.config.app) }];
}

/** `host: command` for every host and command: the --dry-run plan. */
export function planLines(hosts: HostRecord[], commands: HostCommand[]): string[] {
  return hosts.flatMap((h) => commands.map((c) => `${h.name}: ${c.command}`));
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

/**
 * Runs startCommands and then the check on every host, in parallel (bounded). All or
 * nothing: if any host fails, the containers started on all of them are removed and a
 * DeployError names every failed host and why.
 */
export async function startPool(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  version: string,
): Promise<void> {
  const { config } = ctx;
  const commands = startCommands(ctx, pool, version);

  const results = await ctx.remote.each(hosts, async (host) => {
    throwIfCancelled(ctx);
    const shell = await timed(ctx, host, pool, 'connect', () => ctx.remote.get(targetOf(config, host)));
    for (const c of commands) {
      throwIfCancelled(ctx);
      const run = () => shell.exec(c.command, { stdin: c.stdin });
      await (c.step ? timed(ctx, host, pool, c.step, run, c.detail) : run());
    }
    const url = hostUrl(host.address, config.container.port, config.checks.path);
    return timed(
      ctx,
      host,
      pool,
      'check',
      async () => {
        const r = await ctx.checker.withRetries(url, config.checks, ctx.signal);
        if (!r.ok) {
          const logs = await shell.exec(docker.logs(containerName(config.app, version), 5), { check: false });
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
export function removeFromPool(ctx: Context, pool: PoolName, hosts: HostRecord[]): Promise<void> {
  return retire(ctx, pool, hosts, 'remove', removeCommands(ctx));
}

/** Stops (gracefully) and removes the app's containers on hosts that were drained. */
export function stopPool(ctx: Context, pool: PoolName, hosts: HostRecord[], version: string): Promise<void> {
  return retire(ctx, pool, hosts, 'stop', stopCommands(ctx, version));
}

/**
 * Runs `commands` on every host as one recorded step. These hosts are already out of the
 * balancer, so a host that fails is only named in a warning: the run goes on.
 */
async function retire(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  step: 'remove' | 'stop',
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
