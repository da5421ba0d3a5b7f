import { addressKey, type UpstreamServer } from './driver.js';

// The reverse_proxy handler as JSON text: canonical (sorted keys), so the same handler is the
// same text on every Caddy host and its sha256 means something; parsed and rendered purely.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Handler = { [key: string]: Json };

function sorted(value: Json): Json {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sorted(value[k]!)]),
    );
  return value;
}

/** JSON with its keys sorted, two-space indented, with a final newline. */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sorted(value as Json), null, 2)}\n`;
}

/**
 * The handler in `text` (as read from `/id/ID`), checked: an object whose `handler` is
 * reverse_proxy. Throws a message naming what is wrong.
 */
export function parseHandler(text: string, id: string): Handler {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the object with "@id": "${id}" is not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`the object with "@id": "${id}" is not a handler object`);
  const h = value as Handler;
  if (h.handler !== 'reverse_proxy')
    throw new Error(
      `the object with "@id": "${id}" is ${typeof h.handler === 'string' ? `a ${h.handler} handler` : 'not a handler'}, not a reverse_proxy handler: put the @id on the reverse_proxy handler itself`,
    );
  if (h.upstreams !== undefined && !Array.isArray(h.upstreams))
    throw new Error(`the reverse_proxy handler "${id}" has "upstreams" that is not a list`);
  return h;
}

function dialOf(s: UpstreamServer): string {
  return `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
}

function parseDial(dial: string): UpstreamServer | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(dial);
  return m ? { host: (m[1] ?? m[2])!, port: Number(m[3]) } : undefined;
}

/**
 * The servers of the handler: each distinct `dial`, in order of first appearance; an address
 * listed n times has weight n (that is how weights are written, see render) when the counts
 * are not all equal.
 */
export function parseServers(text: string, id: string): UpstreamServer[] {
  const h = parseHandler(text, id);
  const counts = new Map<string, { server: UpstreamServer; n: number }>();
  for (const u of (h.upstreams as Json[] | undefined) ?? []) {
    const dial = u !== null && typeof u === 'object' && !Array.isArray(u) ? u.dial : undefined;
    if (typeof dial !== 'string')
      throw new Error(`the reverse_proxy handler "${id}" has an upstream without a "dial" string`);
    const server = parseDial(dial);
    if (!server)
      throw new Error(
        `the reverse_proxy handler "${id}" has upstream "${dial}", not a host:port bluegreen can manage (placeholders and dynamic upstreams are not)`,
      );
    const key = addressKey(server);
    const seen = counts.get(key);
    if (seen) seen.n += 1;
    else counts.set(key, { server, n: 1 });
  }
  const all = [...counts.values()];
  const weighted = all.some((e) => e.n !== all[0]!.n);
  return all.map((e) => (weighted ? { ...e.server, weight: e.n } : e.server));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The handler with its upstreams replaced by `servers` (everything else kept). Caddy 2.6 has
 * no weighted policy (weighted_round_robin came with 2.7), so a weight is written by listing
 * the address that many times (weights divided by their common divisor), interleaved, which
 * round_robin and random then honour.
 */
export function renderServers(text: string, id: string, servers: UpstreamServer[]): string {
  const h = parseHandler(text, id);
  const weights = servers.map((s) => Math.max(1, s.weight ?? 1));
  const g = weights.reduce(gcd, 0) || 1;
  const counts = weights.map((w) => w / g);
  const upstreams: Json[] = [];
  for (let round = 0; round < Math.max(0, ...counts); round++)
    servers.forEach((s, i) => {
      if (counts[i]! > round) upstreams.push({ dial: dialOf(s) });
    });
  return canonicalJson({ ...h, upstreams });
}
