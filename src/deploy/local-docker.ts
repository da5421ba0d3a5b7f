import { getExecOutput } from '@actions/exec';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { docker } from '../commands/docker.js';
import { DeployError } from '../errors.js';

// The docker CLI of the machine running bluegreen (a CI runner or a laptop), with its own
// DOCKER_HOST: builds, pushes, and — with `registry: none` — the image IDs and archives that
// are streamed to the hosts.

/** Runs the local docker CLI; its output is collected (stdout and stderr in order), not echoed. */
export async function runLocalDocker(
  args: string[],
  stdin?: string,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; output: string; stdout: string }> {
  let output = '';
  let stdout = '';
  const env: Record<string, string> = { DOCKER_BUILDKIT: '0' };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, extraEnv);
  try {
    const res = await getExecOutput('docker', args, {
      // The legacy builder works with every daemon; BuildKit needs the buildx plugin.
      env,
      silent: true,
      ignoreReturnCode: true,
      // Always given, so stdin is closed (and a password never appears in the argv).
      input: Buffer.from(stdin ?? ''),
      listeners: {
        stdout: (chunk: Buffer) => {
          output += chunk.toString();
          stdout += chunk.toString();
        },
        stderr: (chunk: Buffer) => {
          output += chunk.toString();
        },
      },
    });
    return { code: res.exitCode, output, stdout };
  } catch (err) {
    throw new DeployError(
      `cannot run docker locally: ${(err as Error).message} (is the docker CLI installed?)`,
    );
  }
}

/** Where the local docker CLI talks to, for messages. */
export function localDaemon(): string {
  return process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'the local Docker daemon';
}

/** The image ID (`sha256:…`, the digest of its config) of `ref` in the local daemon. */
export async function localImageId(ref: string): Promise<string> {
  const res = await runLocalDocker(docker.localImageId(ref));
  const id = res.stdout.trim();
  if (res.code !== 0 || !/^sha256:[0-9a-f]{64}$/.test(id))
    throw new DeployError(
      `image ${ref} is not in ${localDaemon()}: with registry: none the hosts get the image from this machine; build or pull it here first, or add build: to the config (${res.output.trim().split('\n').at(-1) ?? ''})`,
    );
  return id;
}

/** An image saved once per run (`docker save`, gzip), streamed from the file to every host that lacks it. */
export interface ImageArchive {
  imageId: string;
  /** Compressed size. */
  bytes: number;
  ms: number;
  open(): Readable;
}

/**
 * Saves `imageId` from the local daemon, gzip-compressed (level 1: the hosts' `docker load`
 * reads gzip; a faster level keeps the runner's CPU from being the bottleneck), into a
 * temporary directory that `dispose` removes (also when the process exits first).
 */
export async function saveImage(imageId: string): Promise<ImageArchive & { dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-image-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', dispose);
  const path = join(dir, 'image.tar.gz');
  const started = Date.now();
  const child = spawn('docker', docker.localSave(imageId), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  try {
    await pipeline(child.stdout, createGzip({ level: 1 }), createWriteStream(path));
    const code = await exited;
    if (code !== 0) throw new Error(`exited ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
  } catch (err) {
    dispose();
    process.off('exit', dispose);
    throw new DeployError(`docker save ${imageId} (${localDaemon()}) failed: ${(err as Error).message}`);
  }
  return {
    imageId,
    bytes: statSync(path).size,
    ms: Date.now() - started,
    open: () => createReadStream(path),
    dispose: () => {
      dispose();
      process.off('exit', dispose);
    },
  };
}
