import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { configJsonSchema } from '../../src/config/json-schema.js';

describe('published config schema', () => {
  it('schema/bluegreen.schema.json is generated from the zod schema (run `npm run schema`)', () => {
    const committed = JSON.parse(readFileSync('schema/bluegreen.schema.json', 'utf8')) as unknown;
    expect(committed).toEqual(configJsonSchema());
  });

  it('the example config is valid', () => {
    const config = parseConfig(readFileSync('examples/bluegreen.yml', 'utf8'), 'examples/bluegreen.yml');
    expect(config.pools.blue.map((h) => h.name)).toEqual(['bluehost00', 'bluehost01', 'bluehost02']);
    expect(config.balancer.reload).toBe('docker kill -s HUP balancer');
  });
});
