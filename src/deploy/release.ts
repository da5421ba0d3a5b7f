import { docker, releaseContainerName } from '../commands/docker.js';
import type { PoolName } from '../config/schema.js';
import { DeployError } from '../errors.js';
import { withDeadline } from '../util/deadline.js';
import { targetOf, type Context } from './context.js';
import { releaseRef, timed, type HostCommand, type Release } from './pool.js';
import type { HostRecord } from './state.js';

// The release phase (`release: { command, host }`): the command runs once, in a one-off
// container of the new image, on one host of the new pool — after every host of that pool
// passed its check and before the balancer sends it any traffic. So a migration runs only
// for a version that starts everywhere, and never while users reach it. Its failure fails
// the deploy: the output is quoted, the one-off container and the new pool's containers are
// removed, and the balancer is not touched.

/** The host the release runs on: the first of the pool (release.host: first). */
export function releaseHost(hosts: HostRecord[]): HostRecord {
  return hosts[0]!;
}

/** The release's command on its host: `docker run --rm … IMAGE COMMAND…` (for the plan too). */
export function releaseCommand(ctx: Context, release: Release): HostCommand | undefined {
  const spec = ctx.config.release;
  if (!spec) return undefined;
  const { app, container } = ctx.config;
  return {
    step: 'release',
    command: docker.runOnce(
      {
        app,
        version: release.version,
        image: releaseRef(release),
        env: container.env,
        options: container.options,
      },
      spec.command,
    ),
  };
}

/** The last lines of a release's output, for an error message. */
function tail(output: string, lines = 12): string {
  const all = output.split('\n').filter((l) => l.trim() !== '');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).map((l) => `    ${l}`).join('\n');
}

/**
 * Runs the release on the first host of the pool, and logs its output. Throws a DeployError
 * quoting the output when it fails, is cancelled or outlives release.timeout (its container
 * is removed then); the caller removes the pool's containers.
 */
export async function runRelease(
  ctx: Context,
  pool: PoolName,
  hosts: HostRecord[],
  release: Release,
): Promise<void> {
  const c = releaseCommand(ctx, release);
  const spec = ctx.config.release;
  if (!c || !spec) return;
  const host = releaseHost(hosts);
  const shell = await ctx.remote.get(targetOf(ctx.config, host));
  const name = releaseContainerName(ctx.config.app, release.version);
  const words = spec.command.join(' ');
  // A release that hangs, or a run that is cancelled, stops the one-off container: the
  // attached `docker run` then returns.
  const removeContainer = async () => {
    // Through a fresh connection when this one dropped (the container may still run).
    const now = await ctx.remote.get(targetOf(ctx.config, host));
    await now.exec(docker.remove(name), { check: false });
  };
  const deadline = withDeadline({
    timeoutMs: spec.timeout,
    setting: 'release.timeout',
    signal: ctx.signal,
    stop: () => removeContainer().catch(() => undefined),
  });
  try {
    const result = await timed(
      ctx,
      host,
      pool,
      'release',
      async () => {
        const r = await shell.exec(c.command, { check: false });
        const output = `${r.stdout}${r.stderr}`;
        if (r.code !== 0 || deadline.stopped) {
          throw new DeployError(
            `${host.name}: release \`${words}\` of ${release.version} ${deadline.stopped ?? `exited ${r.code}`}${output.trim() ? `; its output:\n${tail(output)}` : ' (no output)'}`,
            host.name,
          );
        }
        return output;
      },
      () => `\`${words}\` exited 0`,
    );
    for (const line of result.split('\n').filter((l) => l.trim() !== ''))
      ctx.log.info(`release ${host.name}: ${line}`);
  } catch (err) {
    // Whatever is left of the one-off container goes (a dropped session leaves it running).
    await removeContainer().catch(() => undefined);
    throw err;
  } finally {
    deadline.dispose();
  }
}
