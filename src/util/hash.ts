import { createHash } from 'node:crypto';

/** Hex sha256 of a text: how the state record and the drift check compare config files. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
