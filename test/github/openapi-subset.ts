import { readFileSync } from 'node:fs';

// GitHub's own REST description (npm @octokit/openapi) is a 13 MB JSON document. The fake
// needs a handful of operations: this cuts them out with every component they $ref
// (transitively), so openapi-backend starts in milliseconds instead of seconds.

export const GITHUB_OPENAPI = new URL(
  '../../node_modules/@octokit/openapi/generated/api.github.com.json',
  import.meta.url,
);

type Json = Record<string, unknown>;

export interface OpenApiDoc {
  openapi: string;
  info: Json;
  paths: Record<string, Record<string, Json>>;
  components: Record<string, Record<string, unknown>>;
}

export interface Subset {
  doc: OpenApiDoc;
  /** Every method + path template of the full description, to tell "not GitHub" from "not faked". */
  allRoutes: { method: string; template: string; pattern: RegExp }[];
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

function collectRefs(value: unknown, into: string[]): void {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') into.push(v);
      else collectRefs(v, into);
    }
  }
}

function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

export function extractOperations(operationIds: readonly string[]): Subset {
  const full = JSON.parse(readFileSync(GITHUB_OPENAPI, 'utf8')) as OpenApiDoc;
  const wanted = new Set(operationIds);
  const paths: OpenApiDoc['paths'] = {};
  const refs: string[] = [];
  const allRoutes: Subset['allRoutes'] = [];
  for (const [template, item] of Object.entries(full.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      allRoutes.push({ method: method.toUpperCase(), template, pattern: templatePattern(template) });
      if (!wanted.has(op.operationId as string)) continue;
      (paths[template] ??= {})[method] = op;
      wanted.delete(op.operationId as string);
      collectRefs(op, refs);
    }
  }
  if (wanted.size > 0) throw new Error(`not in GitHub's OpenAPI description: ${[...wanted].join(', ')}`);
  const components: OpenApiDoc['components'] = {};
  const seen = new Set<string>();
  while (refs.length > 0) {
    const ref = refs.pop()!;
    if (seen.has(ref)) continue;
    seen.add(ref);
    const [, section, kind, name] = ref.split('/');
    if (section !== 'components' || !kind || !name) throw new Error(`unexpected $ref ${ref}`);
    const value = full.components[kind]?.[name];
    if (value === undefined) throw new Error(`dangling $ref ${ref}`);
    (components[kind] ??= {})[name] = value;
    collectRefs(value, refs);
  }
  const doc = { openapi: full.openapi, info: full.info, paths, components };
  nullableWithoutType(doc);
  return { doc, allRoutes };
}

/**
 * GitHub's description marks some schemas `nullable` beside anyOf/oneOf/allOf instead of a
 * `type` (e.g. a commit's author in pulls/list-commits); Ajv refuses to compile those. Say
 * the same thing in a form it takes: "one of these, or null".
 */
function nullableWithoutType(value: unknown): void {
  if (Array.isArray(value)) {
    for (const v of value) nullableWithoutType(v);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const schema = value as Record<string, unknown>;
  for (const v of Object.values(schema)) nullableWithoutType(v);
  if (!('nullable' in schema) || 'type' in schema) return;
  const nullable = schema.nullable === true;
  delete schema.nullable;
  const combinator = ['anyOf', 'oneOf', 'allOf'].find((k) => k in schema);
  if (!nullable || !combinator) return;
  const inner = { [combinator]: schema[combinator] };
  delete schema[combinator];
  schema.anyOf = [inner, { type: 'null' }];
}

/** Follows a local $ref (one or more hops) within the subset. */
export function resolveRef<T>(doc: OpenApiDoc, value: unknown): T {
  let v = value as { $ref?: string };
  while (v && typeof v === 'object' && typeof v.$ref === 'string') {
    const [, , kind, name] = v.$ref.split('/');
    v = doc.components[kind!]![name!] as { $ref?: string };
  }
  return v as T;
}
