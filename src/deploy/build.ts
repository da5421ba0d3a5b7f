import { getExecOutput } from '@actions/exec';
import { resolve } from 'node:path';
import { docker, imageRef } from '../commands/docker.js';
import { sh } from '../commands/shell.js';
import { DeployError } from '../errors.js';
import type { Context } from './context.js';

// Build and push happen on the machine running bluegreen (a CI runner or a laptop),
// with its own docker CLI and DOCKER_HOST.

/** Runs the local docker CLI; its output is collected (stdout and stderr in order), not echoed. */
async function run(args: string[], stdin?: string): Promise<{ code: number; output: string }> {
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  const env: Record<string, string> = { DOCKER_BUILDKIT: '0' };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  try {
    const res = await getExecOutput('docker', args, {
      // The legacy builder works with every daemon; BuildKit needs the buildx plugin.
      env,
      silent: true,
      ignoreReturnCode: true,
      // Always given, so stdin is closed (and a password never appears in the argv).
      input: Buffer.from(stdin ?? ''),
      listeners: { stdout: collect, stderr: collect },
    });
    return { code: res.exitCode, output };
  } catch (err) {
    throw new DeployError(
      `cannot run docker locally: ${(err as Error).message} (is the docker CLI installed?)`,
    );
  }
}

/** `docker login` before a build, when the registry needs one (the password goes to its stdin). */
function loginCommand(ctx: Context): string[] | undefined {
  const { registry } = ctx.config;
  if (!registry?.username || !ctx.secrets.registryPassword) return undefined;
  return docker.localLogin(registry.server, registry.username);
}

/** The build and push of `version` (argv after `docker`), in order; none without `build:`. */
export function buildCommands(ctx: Context, version: string): string[][] {
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
    docker.push(tag),
  ];
}

/** `local: docker …` lines: what buildAndPush runs, for the --dry-run plan. */
export function buildPlan(ctx: Context, version: string): string[] {
  const commands = buildCommands(ctx, version);
  const login = loginCommand(ctx);
  return [...(login && commands.length ? [login] : []), ...commands].map(
    (argv) => `local: ${sh('docker', ...argv)}`,
  );
}

export async function buildAndPush(ctx: Context, version: string): Promise<void> {
  const login = loginCommand(ctx);
  if (login) {
    const res = await run(login, ctx.secrets.registryPassword);
    if (res.code !== 0)
      throw new DeployError(
        `docker login ${ctx.config.registry!.server} failed: ${res.output.trim().split('\n').at(-1)}`,
      );
  }
  for (const args of buildCommands(ctx, version)) {
    const started = Date.now();
    const res = await run(args);
    if (res.code !== 0) {
      throw new DeployError(
        `docker ${args[0]} failed: ${res.output.trim().split('\n').slice(-5).join('\n')}`,
      );
    }
    ctx.log.info(
      `docker ${args[0]} ${imageRef(ctx.config.image, version)}: ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
  }
}
