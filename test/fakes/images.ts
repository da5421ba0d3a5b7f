import type { BuildInputs } from '../../src/deploy/build.js';
import type { ImageSource, PreparedImage } from '../../src/deploy/image.js';
import type { Release } from '../../src/deploy/pool.js';
import { sha256 } from '../../src/util/hash.js';
import type { Journal } from './journal.js';

// Images without a registry: a version's digest is the sha256 of its name, so tests can
// name what each host must run; `prepare` is journaled, and can be told to fail.

export function fakeDigest(version: string): string {
  return `sha256:${sha256(`image ${version}`)}`;
}

/** The release a fake run deploys for `version`. */
export function fakeRelease(image: string, version: string): Release {
  return { version, image, digest: fakeDigest(version) };
}

export class FakeImages implements ImageSource {
  failure: string | undefined;

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
}
