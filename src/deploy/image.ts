import { DeployError } from '../errors.js';
import type { EngineOptions } from './context.js';

// The image a deploy runs, fixed once before anything is recorded or started: built and
// pushed when the config has `build:`, then the tag resolved to its digest, so every host
// runs `image@sha256:…` and the GitHub deployment records exactly that.

export interface PreparedImage {
  /** The repository reference the hosts pull, e.g. registry.example.com:5000/hubuser/app. */
  image: string;
  /** `sha256:…` of the manifest the tag pointed to when it was resolved. */
  digest: string;
}

/**
 * STUB — the lead implements build + push + digest resolution here (issue #12 item 3).
 * The action already calls it before creating the GitHub deployment and passes the digest
 * to runCommand; until it lands, every non-dry-run deploy through the action fails here.
 */
export async function prepareImage(_opts: EngineOptions, _version: string): Promise<PreparedImage> {
  throw new DeployError('prepareImage: not implemented yet');
}
