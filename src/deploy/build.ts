import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { docker, imageRef } from '../commands/docker.js';
import { DeployError } from '../errors.js';
import type { Context } from './context.js';

// Build and push happen on the machine running bluegreen (a CI runner or a laptop),
// with its own docker CLI and DOCKER_HOST.

function run(args: string[], stdin?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    // The legacy builder works with every daemon; BuildKit needs the buildx plugin.
    const child = spawn('docker', args, {
      env: { DOCKER_BUILDKIT: '0', ...process.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (err) =>
      reject(new DeployError(`cannot run docker locally: ${err.message} (is the docker CLI installed?)`)),
    );
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
    child.stdin.end(stdin ?? '');
  });
}

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

export async function buildAndPush(ctx: Context, version: string): Promise<void> {
  const { registry } = ctx.config;
  if (registry?.username && ctx.secrets.registryPassword) {
    const login = await run(
      ['login', '--username', registry.username, '--password-stdin', registry.server],
      ctx.secrets.registryPassword,
    );
    if (login.code !== 0)
      throw new DeployError(
        `docker login ${registry.server} failed: ${login.output.trim().split('\n').at(-1)}`,
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
