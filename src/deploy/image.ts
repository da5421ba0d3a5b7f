import { imageRef as tagRef, pinnedRef } from '../commands/docker.js';
import { registryOf, streamsImage, type Config } from '../config/schema.js';
import { DeployError } from '../errors.js';
import { imageRef, resolveDigest } from '../registry/digest.js';
import { buildAndPush, type BuildInputs } from './build.js';
import { localImageId, saveImage, type ImageArchive } from './local-docker.js';
import type { Release } from './pool.js';

// The image a deploy runs, fixed once before anything is recorded or started: built and
// pushed when the config has `build:`, then the tag resolved to its digest with the
// registry's API, so every host runs `image@sha256:…` (a tag that moves later changes
// nothing) and the state record, the outcome and the GitHub deployment name exactly that.
//
// With `registry: none` there is no registry: the image is built (or found) in this
// machine's Docker, identified by its image ID (the digest of its config, which `docker
// save` and `docker load` keep), streamed to each host that lacks it, and run by that ID.

export interface PreparedImage {
  /** The repository reference the hosts pull, e.g. registry.example.com:5000/hubuser/app. */
  image: string;
  /**
   * `sha256:…` that pins what the hosts run: the digest of the manifest the tag pointed to
   * when it was resolved, or — with `registry: none` — the local image ID.
   */
  digest: string;
}

/** What the hosts pull and run: `image@digest`. */
export function runnable(p: PreparedImage): string {
  return pinnedRef(p.image, p.digest);
}

/** The release a deploy starts: pinned by digest, or (registry: none) by image ID. */
export function releaseOf(config: Pick<Config, 'registry'>, version: string, p: PreparedImage): Release {
  return streamsImage(config)
    ? { version, image: p.image, imageId: p.digest }
    : { version, image: p.image, digest: p.digest };
}

/** The tag's digest as the registry serves it now (with the push or the pull credentials). */
export async function resolveImage(run: BuildInputs, version: string): Promise<PreparedImage> {
  const { config } = run;
  if (streamsImage(config))
    return { image: config.image, digest: await localImageId(tagRef(config.image, version)) };
  const secrets = run.secrets ?? {};
  const registry = registryOf(config);
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
  const local = streamsImage(run.config);
  if (run.config.build)
    await run.log.group(local ? 'build' : 'build and push', () => buildAndPush(run, version));
  try {
    const prepared = await resolveImage(run, version);
    run.log.info(
      local
        ? `${run.config.image}:${version} is image ${prepared.digest} here: streamed to the hosts that lack it, run by that ID (registry: none)`
        : `${run.config.image}:${version} is ${prepared.digest}: every host runs it by digest`,
    );
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
  /** registry: none: the local image `imageId`, saved once per run, to stream to the hosts. */
  archive(imageId: string): Promise<ImageArchive>;
  /** Removes what the run saved. */
  dispose(): Promise<void>;
}

/** The real images of one run: the registry's, or (registry: none) this machine's. */
export function runImages(): ImageSource {
  const saved = new Map<string, ReturnType<typeof saveImage>>();
  return {
    prepare: prepareImage,
    resolve: resolveImage,
    archive(imageId) {
      let archive = saved.get(imageId);
      if (!archive) {
        archive = saveImage(imageId);
        saved.set(imageId, archive);
        // A failed save is tried again by the next host that needs it.
        archive.catch(() => saved.delete(imageId));
      }
      return archive;
    },
    async dispose() {
      const all = [...saved.values()];
      saved.clear();
      await Promise.all(all.map((a) => a.then((x) => x.dispose()).catch(() => undefined)));
    },
  };
}
