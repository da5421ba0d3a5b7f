import { expect } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';

/** The message of the UsageError that parsing `text` as bluegreen.yml raises (fails the test if none). */
export function configError(text: string): string {
  try {
    parseConfig(text, 'bluegreen.yml');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a config error');
}
