import { pinnedRef } from '../commands/docker.js';
import { DeployError } from '../errors.js';
import { imageRef, resolveDigest } from '../registry/digest.js';
import { buildAndPush, type BuildInputs } from './build.js';

// The image a deploy runs, fixed once before anything is recorded or started: built and
// pushed when the config has `build:`, then the tag resolved to its digest with the
// registry's API, so every host runs `image@sha256:…` (a tag that moves later changes
// nothing) and the state record, the outcome and the GitHub deployment name exactly that.

export interface PreparedImage {
  /** The repository reference the hosts pull, e.g. registry.example.com:5000/hubuser/app. */
  image: string;
  /** `sha256:…` of the manifest the tag pointed to when it was resolved. */
  digest: string;
}

/** What the hosts pull and run: `image@digest`. */
export function runnable(p: PreparedImage): string {
  return pinnedRef(p.image, p.digest);
}

/** The tag's digest as the registry serves it now (with the push or the pull credentials). */
export async function resolveImage(run: BuildInputs, version: string): Promise<PreparedImage> {
  const { config } = run;
  const secrets = run.secrets ?? {};
  const registry = config.registry;
  const username = registry?.username ?? registry?.pull_username;
  const password = registry?.username ? secrets.registryPassword : secrets.registryPullPassword;
  const digest = await resolveDigest(imageRef(config.image, version), {
    ...(username && password !== undefined ? { username, password } : {}),
    insecure: registry?.insecure ?? false,
  });
  return { image: config.image, digest };
}

/**
 * Builds and pushes `version` when the config has `build:` (with the run's own credentials),
 * then resolves it to its digest. Takes the engine's options or a run's context.
 */
export async function prepareImage(run: BuildInputs, version: string): Promise<PreparedImage> {
  if (run.config.build) await run.log.group('build and push', () => buildAndPush(run, version));
  try {
    const prepared = await resolveImage(run, version);
    run.log.info(`${run.config.image}:${version} is ${prepared.digest}: every host runs it by digest`);
    return prepared;
  } catch (err) {
    if (err instanceof DeployError) throw err;
    throw new DeployError(
      `cannot resolve ${run.config.image}:${version} to a digest: ${(err as Error).message}`,
    );
  }
}

/** How a run gets its images (the real one: build, push and the registry API; tests fake it). */
export interface ImageSource {
  /** Builds and pushes when configured, then resolves to the digest. */
  prepare(run: BuildInputs, version: string): Promise<PreparedImage>;
  /** Only resolves (a dry run's plan). */
  resolve(run: BuildInputs, version: string): Promise<PreparedImage>;
}

export const registryImages: ImageSource = { prepare: prepareImage, resolve: resolveImage };
