import { UsageError } from '../errors.js';
import { PATTERNS } from './validators.js';

/** Validates a version given on the command line or by the action: it becomes the image tag. */
export function validateVersion(version: string | undefined, field = 'version'): string {
  if (!version) throw new UsageError(`${field}: is required (the image tag to deploy, e.g. 2.0.0)`);
  if (!PATTERNS.tag.test(version)) {
    throw new UsageError(
      `${field}: ${JSON.stringify(version)} is not a valid image tag (letters, digits, _ . -, at most 128, not starting with . or -)`,
    );
  }
  return version;
}
