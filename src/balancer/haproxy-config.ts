import ejs from 'ejs';
import { isHost, PATTERNS } from '../config/validators.js';
import type { UpstreamServer } from './driver.js';
import template from './haproxy-backend.ejs?raw';

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

interface Line {
  text: string; // without the line ending
  eol: string;
  index: number;
}

function lines(text: string, from = 0, to = text.length): Line[] {
  const out: Line[] = [];
  let i = from;
  while (i < to) {
    const nl = text.indexOf('\n', i);
    const stop = nl === -1 || nl >= to ? to : nl + 1;
    const raw = text.slice(i, stop);
    const eol = raw.endsWith('\r\n') ? '\r\n' : raw.endsWith('\n') ? '\n' : '';
    out.push({ text: raw.slice(0, raw.length - eol.length), eol, index: i });
    i = stop;
  }
  return out;
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
  const all = lines(text);
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
  return lines(text, section.bodyStart, section.end).flatMap((l) => {
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

/** HAProxy's weight range is 0..256. */
export const MAX_WEIGHT = 256;

/** The validating escape: only host addresses, ports, weights and generated names may be rendered. */
export function escapeHaproxyValue(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535)
    return String(value);
  if (typeof value === 'string') {
    if (/^bg-[A-Za-z0-9-]{1,120}$/.test(value)) return value;
    if (PATTERNS.ipv4.test(value) || PATTERNS.hostname.test(value)) return value;
    if (value.includes(':') && PATTERNS.ipv6.test(value)) return `[${value.replace(/^\[|\]$/g, '')}]`;
  }
  throw new Error(
    `refusing to render ${JSON.stringify(value)} into HAProxy config: not a host, port, weight or name`,
  );
}

export function renderServers(servers: UpstreamServer[], indent: string): string {
  if (!/^[ \t]*$/.test(indent)) throw new Error('indentation must be spaces or tabs');
  for (const s of servers) {
    if (!isHost(s.host)) escapeHaproxyValue(s.host); // throws with the message above
    if (s.weight !== undefined && (s.weight < 0 || s.weight > MAX_WEIGHT))
      throw new Error(`HAProxy weight ${s.weight} is outside 0..${MAX_WEIGHT}`);
  }
  return ejs.render(
    template,
    {
      indent,
      servers: servers.map((s) => ({ ...s, name: serverName(s.host, s.port) })),
    },
    { escape: escapeHaproxyValue },
  );
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
  const body = lines(text, section.bodyStart, section.end);
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
  const rendered = renderServers(servers, indent);
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
