import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { expectedAt, validateConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { UsageError } from '../../src/errors.js';

// Every key of the config, given a value of the wrong type: the error names the key, what it
// expected and what it got.

const BASE = {
  app: 'webapp',
  image: 'hubuser/app',
  pools: { green: ['greenhost00'], blue: ['bluehost00'] },
  balancer: { host: 'dockerhost', file: '/etc/nginx/nginx.conf', url: 'http://dockerhost/' },
};

type Node = z.core.$ZodType;
const defOf = (n: Node) => n._zod.def as unknown as Record<string, unknown> & { type: string };

/** Unwraps defaults, optionals and transforms to the schema a user's value is checked against. */
function inner(n: Node): Node {
  const d = defOf(n);
  if (['default', 'prefault', 'optional', 'nullable', 'readonly'].includes(d.type))
    return inner(d.innerType as Node);
  if (d.type === 'pipe') return inner(d.in as Node);
  return n;
}

/** Every key path of the schema with a value of the wrong type for it. */
function leaves(n: Node, path: string[] = []): { path: string[]; wrong: unknown }[] {
  const node = inner(n);
  const d = defOf(node);
  if (d.type === 'object')
    return Object.entries(d.shape as Record<string, Node>).flatMap(([k, v]) => leaves(v, [...path, k]));
  // A field with several shapes (`registry: none` or a mapping): the field itself, and the keys of its mapping.
  if (d.type === 'union')
    return [
      { path, wrong: true },
      ...(d.options as Node[]).flatMap((o) => (defOf(inner(o)).type === 'object' ? leaves(o, path) : [])),
    ];
  const wrong: Record<string, unknown> = {
    number: 'abc',
    string: 123,
    boolean: 'yes',
    array: 'x',
    record: 'x',
    enum: 42,
    union: true,
  };
  return d.type in wrong ? [{ path, wrong: wrong[d.type] }] : [];
}

function set(obj: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(obj);
  let at = copy;
  for (const k of path.slice(0, -1)) {
    // A field of a union's mapping form (pools.green.swarm.label) where the base has another form (a list).
    if (typeof at[k] !== 'object' || at[k] === null || Array.isArray(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[path.at(-1)!] = value;
  return copy;
}

describe('config errors by type', () => {
  const cases = leaves(configSchema);

  it('covers the whole schema', () => {
    expect(cases.length).toBeGreaterThan(40);
    expect(cases.map((c) => c.path.join('.'))).toContain('checks.retries');
  });

  it.each(cases.map((c) => [c.path.join('.'), c] as const))('%s', (_name, c) => {
    let message = '';
    try {
      validateConfig(set(BASE, c.path, c.wrong), 'bluegreen.yml');
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      message = (err as Error).message;
    }
    const field = c.path.join('.');
    const expected = expectedAt(configSchema, c.path);
    expect(expected, `${field}: no words for what it expects`).toBeDefined();
    expect(message).toContain(`${field}: expected ${expected}, got ${JSON.stringify(c.wrong)}`);
  });

  it('says "expected a whole number", not "is required", for checks.retries: abc', () => {
    expect(() => validateConfig(set(BASE, ['checks', 'retries'], 'abc'))).toThrow(
      'checks.retries: expected a whole number from 1 to 1000, got "abc"',
    );
    expect(() => validateConfig(set(BASE, ['checks', 'retries'], 0))).toThrow(
      'checks.retries: expected a whole number from 1 to 1000, got 0',
    );
    expect(() => validateConfig(set(BASE, ['checks', 'timeout'], 'soon'))).toThrow(
      'checks.timeout: expected a duration such as "500ms", "2s" or "1m", got "soon"',
    );
    // a missing field is still "is required"
    const { app: _app, ...noApp } = BASE;
    expect(() => validateConfig(noApp)).toThrow('app: is required');
  });
});
