import { z } from 'zod';
import { configSchema } from './schema.js';

/** The config's JSON Schema for editors (what a user writes: defaults optional, durations as text). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'bluegreen.yml',
  };
}
