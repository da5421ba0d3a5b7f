import { Readable } from 'node:stream';
import type { BuildInputs } from '../../src/deploy/build.js';
import type { ImageSource, PreparedImage } from '../../src/deploy/image.js';
import type { ImageArchive } from '../../src/deploy/local-docker.js';
import type { Release } from '../../src/deploy/pool.js';
import { sha256 } from '../../src/util/hash.js';
import type { Journal } from './journal.js';

// Images without a registry: a version's digest is the sha256 of its name, so tests can
// name what each host must run; `prepare` is journaled, and can be told to fail. With
// `registry: none` the same value is the local image ID, and `archive` hands out its bytes
// (`image <ID>`), saved once per run (journaled).

export function fakeDigest(version: string): string {
  return `sha256:${sha256(`image ${version}`)}`;
}

/** The release a fake run deploys for `version`. */
export function fakeRelease(image: string, version: string): Release {
  return { version, image, digest: fakeDigest(version) };
}

/** The release of a fake run with `registry: none`: by image ID. */
export function fakeLocalRelease(image: string, version: string): Release {
  return { version, image, imageId: fakeDigest(version) };
}

/** What a fake archive of `imageId` holds. */
export function fakeArchiveBytes(imageId: string): Buffer {
  return Buffer.from(`image ${imageId}`);
}

export class FakeImages implements ImageSource {
  failure: string | undefined;
  /** Set: saving an archive fails with it. */
  saveFailure: string | undefined;
  disposed = false;

  constructor(private readonly journal: Journal) {}

  prepare(run: BuildInputs, version: string): Promise<PreparedImage> {
    this.journal.add(
      `local: prepare ${run.config.image}:${version}${run.config.build ? ' (build, push)' : ''}`,
    );
    if (this.failure) return Promise.reject(new Error(this.failure));
    return this.resolve(run, version);
  }

  resolve(run: BuildInputs, version: string): Promise<PreparedImage> {
    return Promise.resolve({ image: run.config.image, digest: fakeDigest(version) });
  }

  private readonly saved = new Map<string, ImageArchive>();

  archive(imageId: string): Promise<ImageArchive> {
    let archive = this.saved.get(imageId);
    if (!archive) {
      this.journal.add(`local: save ${imageId}`);
      if (this.saveFailure) return Promise.reject(new Error(this.saveFailure));
      const bytes = fakeArchiveBytes(imageId);
      archive = { imageId, bytes: bytes.length, ms: 1, open: () => Readable.from([bytes]) };
      this.saved.set(imageId, archive);
    }
    return Promise.resolve(archive);
  }

  dispose(): Promise<void> {
    this.disposed = true;
    return Promise.resolve();
  }
}
