import ejs from 'ejs';
import { isHost, PATTERNS } from '../config/validators.js';
import { addressKey, type UpstreamServer } from './driver.js';
import template from './haproxy-backend.ejs?raw';
import { physicalLines, type Line } from './text-lines.js';

// Pure text operations on an HAProxy config: find one `backend NAME` section, read its
// servers, and replace its `server` lines. Everything else (other sections, and the
// section's other lines, comments and blank lines) stays byte-identical.

/** A section ends where the next one starts: one of these keywords at the start of a line. */
export const SECTION_KEYWORDS = [
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'peers',
  'resolvers',
  'userlist',
  'program',
  'http-errors',
  'ring',
  'cache',
  'mailers',
] as const;
const SECTION_START = new RegExp(`^(?:${SECTION_KEYWORDS.join('|')})(?=[ \\t\\r\\n#]|$)`);

export interface Section {
  /** Index of the `backend NAME` line. */
  start: number;
  /** Index just past the header line (its newline included). */
  bodyStart: number;
  /** Index of the next section's first line, or the end of the text. */
  end: number;
}

export interface BackendServer extends UpstreamServer {
  name: string;
}

function words(line: string): string[] {
  const hash = line.indexOf('#');
  return (hash === -1 ? line : line.slice(0, hash))
    .trim()
    .split(/[ \t]+/)
    .filter(Boolean);
}

/** Locates `backend NAME` (header at the start of a line) and where its section ends. */
export function findBackend(text: string, name: string): Section | undefined {
  const all = physicalLines(text);
  for (let i = 0; i < all.length; i++) {
    const l = all[i]!;
    if (!SECTION_START.test(l.text)) continue;
    const w = words(l.text);
    if (w[0] !== 'backend' || w[1] !== name) continue;
    const next = all.slice(i + 1).find((n) => SECTION_START.test(n.text));
    return {
      start: l.index,
      bodyStart: l.index + l.text.length + l.eol.length,
      end: next?.index ?? text.length,
    };
  }
  return undefined;
}

function parseAddress(addr: string): { host: string; port: number } | undefined {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(addr) ?? /^([^:[\]]+):(\d{1,5})$/.exec(addr);
  if (!m) return undefined;
  return { host: m[1]!, port: Number(m[2]) };
}

/** The section's `server` lines that take traffic (not `disabled`, not `backup`). */
export function parseBackendServers(text: string, section: Section): BackendServer[] {
  return physicalLines(text, section.bodyStart, section.end).flatMap((l) => {
    const w = words(l.text);
    if (w[0] !== 'server' || w.length < 3) return [];
    if (w.includes('disabled') || w.includes('backup')) return [];
    const addr = parseAddress(w[2]!);
    if (!addr) return [];
    const wi = w.indexOf('weight');
    const weight = wi > 2 ? Number(w[wi + 1]) : undefined;
    return [
      {
        name: w[1]!,
        ...addr,
        ...(weight !== undefined && Number.isInteger(weight) ? { weight } : {}),
      },
    ];
  });
}

/** `bg-10-88-0-60-8000`: a server name made only of letters, digits and hyphens. */
export function serverName(host: string, port: number): string {
  return `bg-${host.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${port}`;
}

/** A server's identity: its address. Host names compare case-insensitively, IPv6 without brackets. */
export { addressKey };

/**
 * An operator's own server name that bluegreen keeps as it is (`seed0`, `web-1`): HAProxy's
 * name characters without `:`, so a kept name can never be mistaken for an address.
 */
const KEPT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** HAProxy's weight range is 0..256. */
export const MAX_WEIGHT = 256;

/** The validating escape: only host addresses, ports, weights and server names may be rendered. */
export function escapeHaproxyValue(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535)
    return String(value);
  if (typeof value === 'string') {
    if (/^bg-[A-Za-z0-9-]{1,120}$/.test(value)) return value;
    if (PATTERNS.ipv4.test(value) || PATTERNS.hostname.test(value)) return value;
    if (value.includes(':') && PATTERNS.ipv6.test(value)) return `[${value.replace(/^\[|\]$/g, '')}]`;
    if (KEPT_NAME.test(value)) return value;
  }
  throw new Error(
    `refusing to render ${JSON.stringify(value)} into HAProxy config: not a host, port, weight or name`,
  );
}

/**
 * The name each server gets in the section: a server whose address the section already
 * lists keeps that line's name (an operator's `seed0` stays `seed0`, so the running
 * HAProxy, its stats and the runtime API know it as before); a new address gets a
 * generated `bg-…` name that no server line of the section uses yet. An address given
 * twice is rendered once (the first), so no file bluegreen writes lists an address twice.
 */
export function namedServers(existing: BackendServer[], servers: UpstreamServer[]): BackendServer[] {
  const known = new Map<string, string>();
  for (const e of existing)
    if (KEPT_NAME.test(e.name) && !known.has(addressKey(e))) known.set(addressKey(e), e.name);
  const taken = new Set(existing.map((e) => e.name));
  const seen = new Set<string>();
  const out: BackendServer[] = [];
  for (const s of servers) {
    const key = addressKey(s);
    if (seen.has(key)) continue;
    seen.add(key);
    let name = known.get(key);
    if (name === undefined) {
      const base = serverName(s.host, s.port);
      name = base;
      for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
    }
    taken.add(name);
    out.push({ ...s, name });
  }
  return out;
}

export function renderServers(servers: BackendServer[], indent: string): string {
  if (!/^[ \t]*$/.test(indent)) throw new Error('indentation must be spaces or tabs');
  for (const s of servers) {
    if (!isHost(s.host)) escapeHaproxyValue(s.host); // throws with the message above
    if (s.weight !== undefined && (s.weight < 0 || s.weight > MAX_WEIGHT))
      throw new Error(`HAProxy weight ${s.weight} is outside 0..${MAX_WEIGHT}`);
  }
  return ejs.render(template, { indent, servers }, { escape: escapeHaproxyValue });
}

/** Every `server` line of the section, those not taking traffic (backup, disabled) included. */
function allServerLines(text: string, section: Section): BackendServer[] {
  return physicalLines(text, section.bodyStart, section.end).flatMap((l) => {
    const w = words(l.text);
    const addr = w[0] === 'server' && w.length >= 3 ? parseAddress(w[2]!) : undefined;
    return addr ? [{ name: w[1]!, ...addr }] : [];
  });
}

export class BackendNotFound extends Error {}

/**
 * Returns the file with the `server` lines of `backend NAME` replaced by `servers`, placed
 * where the first old `server` line was (or after the section's last directive). Every other
 * line of the section and of the file is kept as it was.
 */
export function replaceBackend(text: string, name: string, servers: UpstreamServer[]): string {
  const section = findBackend(text, name);
  if (!section) throw new BackendNotFound(`backend ${name} not found`);
  if (servers.length === 0) throw new Error(`backend ${name}: refusing to render a section without servers`);
  const body = physicalLines(text, section.bodyStart, section.end);
  const isServer = (l: Line) => words(l.text)[0] === 'server';
  const firstServer = body.findIndex(isServer);
  const indentFrom = body[firstServer] ?? body.find((l) => words(l.text).length > 0);
  const indent = indentFrom ? /^[ \t]*/.exec(indentFrom.text)![0] : '    ';
  // Without server lines: after the last directive, before trailing blank lines and comments.
  let at = firstServer;
  if (at === -1) {
    at = body.length;
    while (at > 0 && words(body[at - 1]!.text).length === 0) at--;
  }
  const existing = [...parseBackendServers(text, section), ...allServerLines(text, section)];
  const rendered = renderServers(namedServers(existing, servers), indent);
  let out = '';
  body.forEach((l, i) => {
    if (i === at) out += rendered;
    if (!isServer(l)) out += l.text + l.eol;
  });
  if (at === body.length) {
    // The section may end without a newline (last line of the file).
    if (out !== '' && !out.endsWith('\n')) out += '\n';
    out += rendered;
  }
  // A header on the file's last line without a newline.
  let head = text.slice(0, section.bodyStart);
  if (!head.endsWith('\n')) head += '\n';
  return head + out + text.slice(section.end);
}

export interface BackendChange {
  /** The servers whose address is not in the new file, under the names the running HAProxy knows. */
  leaving: BackendServer[];
  /**
   * When the change both adds and removes addresses: the file with both sets (rendered into
   * the current text, so the leaving servers keep their names and every address appears
   * once), loaded first so the running worker knows the new servers while the leaving ones drain.
   */
  staged?: string;
}

/** What a change from `current` to `next` does to `backend NAME`: servers are identified by address. */
export function planBackendChange(current: string, next: string, name: string): BackendChange {
  const serversOf = (text: string) => {
    const section = findBackend(text, name);
    return section ? parseBackendServers(text, section) : [];
  };
  const before = serversOf(current);
  const after = serversOf(next);
  const staying = new Set(after.map(addressKey));
  const had = new Set(before.map(addressKey));
  const leaving = before.filter((s) => !staying.has(addressKey(s)));
  const adds = after.some((s) => !had.has(addressKey(s)));
  if (leaving.length === 0 || !adds) return { leaving };
  const strip = ({ host, port, weight }: UpstreamServer) => ({
    host,
    port,
    ...(weight !== undefined ? { weight } : {}),
  });
  return {
    leaving,
    staged: replaceBackend(current, name, [
      ...after.map(strip),
      ...leaving.map(({ host, port }) => ({ host, port })),
    ]),
  };
}
