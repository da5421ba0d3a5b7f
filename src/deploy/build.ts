import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { docker, imageRef } from '../commands/docker.js';
import { registryOf, streamsImage } from '../config/schema.js';
import { sh } from '../commands/shell.js';
import { DeployError } from '../errors.js';
import type { Context } from './context.js';
import { runLocalDocker as run } from './local-docker.js';

// Build and push happen on the machine running bluegreen (a CI runner or a laptop),
// with its own docker CLI and DOCKER_HOST. A registry login goes to a throw-away
// DOCKER_CONFIG directory made for this build and removed when it ends (also when the run
// is cancelled), never to the runner's ~/.docker/config.json.

/** What a build needs of a run. */
export type BuildInputs = Pick<Context, 'config' | 'baseDir' | 'log'> & { secrets?: Context['secrets'] };

/** `docker login` before a build, when the registry needs one (the password goes to its stdin). */
function loginCommand(ctx: BuildInputs): string[] | undefined {
  const registry = registryOf(ctx.config);
  if (!registry?.username || !ctx.secrets?.registryPassword) return undefined;
  return docker.localLogin(registry.server, registry.username);
}

/**
 * The build and push of `version` (argv after `docker`), in order; none without `build:`.
 * With `registry: none` nothing is pushed: the hosts get the image from this machine.
 */
export function buildCommands(ctx: BuildInputs, version: string): string[][] {
  const build = ctx.config.build;
  if (!build) return [];
  const tag = imageRef(ctx.config.image, version);
  return [
    docker.build(
      resolve(ctx.baseDir, build.context),
      resolve(ctx.baseDir, build.context, build.dockerfile),
      tag,
      build.args,
    ),
    ...(streamsImage(ctx.config) ? [] : [docker.push(tag)]),
  ];
}

/** `local: docker …` lines: what buildAndPush runs, for the --dry-run plan. */
export function buildPlan(ctx: BuildInputs, version: string): string[] {
  const commands = buildCommands(ctx, version);
  const login = loginCommand(ctx);
  return [...(login && commands.length ? [login] : []), ...commands].map(
    (argv) => `local: ${sh('docker', ...argv)}`,
  );
}

export async function buildAndPush(ctx: BuildInputs, version: string): Promise<void> {
  const login = loginCommand(ctx);
  const dockerConfig = login ? mkdtempSync(join(tmpdir(), 'bluegreen-docker-')) : undefined;
  const cleanup = () => {
    if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
  };
  // A cancelled run still ends through the finally below; this covers an exit in between.
  process.once('exit', cleanup);
  const env: Record<string, string> = dockerConfig ? { DOCKER_CONFIG: dockerConfig } : {};
  try {
    if (login) {
      const res = await run(login, ctx.secrets?.registryPassword, env);
      if (res.code !== 0)
        throw new DeployError(
          `docker login ${registryOf(ctx.config)!.server} failed: ${res.output.trim().split('\n').at(-1)}`,
        );
    }
    for (const args of buildCommands(ctx, version)) {
      const started = Date.now();
      const res = await run(args, undefined, env);
      if (res.code !== 0) {
        throw new DeployError(
          `docker ${args[0]} failed: ${res.output.trim().split('\n').slice(-5).join('\n')}`,
        );
      }
      ctx.log.info(
        `docker ${args[0]} ${imageRef(ctx.config.image, version)}: ${((Date.now() - started) / 1000).toFixed(1)}s`,
      );
    }
  } finally {
    cleanup();
    process.off('exit', cleanup);
  }
}
