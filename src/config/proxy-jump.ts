import { isHost, PATTERNS } from './validators.js';

// One jump host (bastion) of a proxy jump chain, as ssh's -J / ProxyJump write it:
// `[user@]host[:port]`, several separated by commas, or `none` for a direct connection.
// Shared by the config's ssh.proxy_jump and the ProxyJump lines of ~/.ssh/config.

export interface Hop {
  user?: string;
  host: string;
  port?: number;
}

/** Parses one hop; returns why it is not one instead. */
export function parseHop(text: string): Hop | string {
  const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return `expected [user@]host[:port], got ${JSON.stringify(text)}`;
  const [, user, rawHost, rawPort] = m;
  const host = rawHost!.replace(/^\[(.*)\]$/, '$1');
  if (user !== undefined && !PATTERNS.username.test(user))
    return `${JSON.stringify(user)} in ${JSON.stringify(text)} is not a Unix user name`;
  if (!isHost(host))
    return `expected [user@]host[:port] with a host name (letters, digits, dots, hyphens) or an IP address, got ${JSON.stringify(text)}`;
  const port = rawPort === undefined ? undefined : Number(rawPort);
  if (port !== undefined && (port < 1 || port > 65535))
    return `port ${rawPort} in ${JSON.stringify(text)} is not between 1 and 65535`;
  return { ...(user !== undefined ? { user } : {}), host, ...(port !== undefined ? { port } : {}) };
}

/**
 * Parses a chain: a list of hops, or one string of comma-separated hops, or `none` (an empty
 * chain: connect directly). Returns why it is not one instead.
 */
export function parseHops(value: string | readonly string[]): Hop[] | string {
  const parts = typeof value === 'string' ? value.split(',') : [...value];
  if (parts.length === 1 && parts[0]!.trim() === 'none') return [];
  if (parts.length === 0) return 'expected at least one jump host (or none)';
  const hops: Hop[] = [];
  for (const part of parts) {
    const hop = parseHop(part);
    if (typeof hop === 'string') return parts.length > 1 ? `${hop} in ${JSON.stringify(value)}` : hop;
    hops.push(hop);
  }
  return hops;
}

/** A hop as ssh writes it (messages, keys of the connection cache). */
export function formatHop(hop: Hop): string {
  const host = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
  return `${hop.user ? `${hop.user}@` : ''}${host}${hop.port ? `:${hop.port}` : ''}`;
}
