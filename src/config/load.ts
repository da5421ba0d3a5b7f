import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { serviceOptions } from '../swarm/options.js';
import { configSchema, POOLS, registryOf, type Config } from './schema.js';

/** Reads, parses and validates a config file. Every error names the file and the field. */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config ${path}: ${(err as Error).message} (pass --config PATH)`);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, source = 'config'): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new UsageError(`${source}: invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
  }
  return validateConfig(doc.toJS(), source);
}

export function validateConfig(raw: unknown, source = 'config'): Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`${source}: expected a mapping with app, image, pools and balancer`);
  }
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new UsageError(`${source}: ${formatIssues(parsed.error.issues)}`);
  const config = parsed.data;
  checkPools(config, source);
  config.image = qualifiedImage(config, source);
  return config;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The registry host an image reference names, as docker reads it ("hubuser/app" names none). */
export function registryHostOf(image: string): string | undefined {
  const first = image.split('/')[0]!;
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : undefined;
}

/**
 * The repository the hosts pull, as Kamal does it: with registry.server set, an image that
 * names no registry comes from that server (`hubuser/app` → `SERVER/hubuser/app`); an image
 * that names one is used as it is, and it must be the same server.
 */
function qualifiedImage(config: Config, source: string): string {
  const server = registryOf(config)?.server;
  if (!server) return config.image;
  const named = registryHostOf(config.image);
  if (named === undefined) return DOCKER_HUB.has(server) ? config.image : `${server}/${config.image}`;
  if (named.toLowerCase() !== server.toLowerCase())
    throw new UsageError(
      `${source}: image: ${JSON.stringify(config.image)} names registry ${named}, but registry.server is ${server}: name one registry (drop the host from image, or make registry.server ${named})`,
    );
  return config.image;
}

/** A union's error is the error of the branch whose type matched (e.g. the string form of a host). */
function unwrapUnions(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((i) => {
    if (i.code !== 'invalid_union') return [i];
    // A branch that fails at its root on the value's type (or, for a literal such as `none`,
    // its value) did not take the value.
    const branch = i.errors.find(
      (b) => !b.some((e) => (e.code === 'invalid_type' || e.code === 'invalid_value') && e.path.length === 0),
    );
    if (!branch) {
      // No branch took the value's type: say what the field takes (a duration, or a host).
      const expected = expectedAt(configSchema, i.path) ?? '"host", "host:port" or { ssh, address, name }';
      const input = (i as { input?: unknown }).input;
      return [
        {
          ...i,
          message: `expected ${expected}${input === undefined ? '' : `, got ${show(input)}`}`,
        } as z.core.$ZodIssue,
      ];
    }
    return unwrapUnions(branch.map((e) => ({ ...e, path: [...i.path, ...e.path] }) as z.core.$ZodIssue));
  });
}

function formatIssues(issues: z.core.$ZodIssue[]): string {
  const lines = unwrapUnions(issues).map((i) => {
    const field = i.path.length ? i.path.map(String).join('.') : '(top level)';
    if (i.code === 'unrecognized_keys') {
      return `${field === '(top level)' ? '' : field + ': '}unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    }
    const input = (i as { input?: unknown }).input;
    if (i.code === 'invalid_type' && input === undefined) return `${field}: is required`;
    const got = input === undefined ? '' : `, got ${show(input)}`;
    if (['invalid_type', 'invalid_value', 'too_small', 'too_big'].includes(i.code)) {
      const expected =
        expectedAt(configSchema, i.path) ?? ('expected' in i ? String(i.expected) : 'another value');
      return `${field}: expected ${expected}${got}`;
    }
    return `${field}: ${i.message}${i.message.includes(show(input)) ? '' : got}`;
  });
  return lines.length === 1 ? lines[0]! : `\n  - ${lines.join('\n  - ')}`;
}

/** A value as a message quotes it: JSON, at most 60 characters. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

type AnySchema = z.core.$ZodType;

/** The schema of the field at `path`, through defaults, optionals and transforms. */
function schemaAt(schema: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
  let node: AnySchema | undefined = schema;
  for (let i = 0; node;) {
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    if (['default', 'prefault', 'optional', 'nullable', 'readonly'].includes(def.type))
      node = def.innerType as AnySchema;
    else if (def.type === 'pipe') node = def.in as AnySchema;
    else if (i === path.length) return node;
    else if (def.type === 'object') node = (def.shape as Record<string, AnySchema>)[String(path[i++])];
    else if (def.type === 'union') {
      // The option that has the rest of the path (the mapping form of ssh.proxy_jump or registry).
      const rest = path.slice(i);
      return (def.options as AnySchema[]).map((o) => schemaAt(o, rest)).find((n) => n !== undefined);
    } else if (def.type === 'array' || def.type === 'record') {
      node = (def.type === 'array' ? def.element : def.valueType) as AnySchema;
      i++;
    } else return undefined;
  }
  return undefined;
}

/** The type a union's option checks a value against (through transforms): string, object, literal … */
function kindOf(option: AnySchema): { type: string; values?: unknown[] } {
  const def = option._zod.def as unknown as { type: string; in?: AnySchema; values?: unknown[] };
  if (def.type === 'pipe') return kindOf(def.in!);
  return def;
}

/** What a field expects, in words: "a whole number from 1 to 1000", "true or false" … */
export function expectedAt(schema: AnySchema, path: readonly PropertyKey[]): string | undefined {
  const node = schemaAt(schema, path);
  if (!node) return undefined;
  const def = node._zod.def as unknown as { type: string; options?: AnySchema[] };
  switch (def.type) {
    case 'number': {
      const n = node as unknown as { isInt: boolean; minValue: number | null; maxValue: number | null };
      const what = n.isInt ? 'a whole number' : 'a number';
      const lo = n.minValue !== null && Number.isFinite(n.minValue) ? n.minValue : undefined;
      const hi =
        n.maxValue !== null && Number.isFinite(n.maxValue) && n.maxValue < 2 ** 52 ? n.maxValue : undefined;
      if (lo !== undefined && hi !== undefined) return `${what} from ${lo} to ${hi}`;
      if (lo !== undefined) return `${what} ≥ ${lo}`;
      return what;
    }
    case 'string':
      return 'text';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping';
    case 'enum':
      return `one of ${(node as unknown as { options: string[] }).options.join(', ')}`;
    case 'union': {
      // A union that describes itself says what it takes (e.g. ssh.proxy_jump's forms).
      const own = (node as { description?: string }).description;
      if (own) return own;
      const options = (def.options ?? []).map(kindOf);
      const kinds = options.map((o) => o.type);
      if (kinds.includes('string') && kinds.includes('number'))
        return 'a duration such as "500ms", "2s" or "1m"';
      if (kinds.includes('array') && kinds.includes('object'))
        return 'a list of hosts, or { swarm: { label: KEY=VALUE } }';
      const words: Record<string, string> = { object: 'a mapping', string: 'text', array: 'a list' };
      const each = options.map((o) =>
        o.type === 'literal' ? (o.values ?? []).map((v) => JSON.stringify(v)).join(' or ') : words[o.type],
      );
      return each.every((w) => w !== undefined) ? each.join(' or ') : undefined;
    }
    default:
      return undefined;
  }
}

function checkPools(config: Config, source: string): void {
  const seen = new Map<string, string>();
  for (const pool of POOLS) {
    config.pools[pool].forEach((h, i) => {
      const key = `${h.ssh.host}:${h.ssh.port ?? config.ssh.port ?? 22}`;
      const where = `pools.${pool}.${i}`;
      const other = seen.get(key);
      if (other)
        throw new UsageError(
          `${source}: ${where}: host ${h.name} is already listed at ${other}; a host belongs to one pool once`,
        );
      seen.set(key, where);
    });
  }
  if (config.swarm) {
    checkServiceOptions(config, source);
    // A Swarm node pulls for itself and has no SSH session of ours to stream into or to run
    // a one-off container on: both are SSH-host features for now.
    if (config.registry === 'none')
      throw new UsageError(
        `${source}: registry: none streams the image to SSH hosts; Swarm nodes pull it themselves: give registry.server (and credentials), or use SSH host pools`,
      );
    if (config.release)
      throw new UsageError(
        `${source}: release: the release phase runs on an SSH host of the new pool and is not supported for Swarm pools yet; run it from a hook (hooks.pre_deploy) instead`,
      );
    return;
  }
  if (config.pools.green.length === 0 && config.pools.blue.length === 0) {
    throw new UsageError(`${source}: pools: list at least one host in pools.green`);
  }
}

/** Swarm pools: every container option must have a `docker service create` equivalent. */
function checkServiceOptions(config: Config, source: string): void {
  try {
    serviceOptions(config.container.options);
  } catch (err) {
    throw new UsageError(`${source}: ${(err as Error).message}`);
  }
}

export { validateVersion } from './version.js';
