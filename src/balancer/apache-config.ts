import ejs from 'ejs';
import { PATTERNS } from '../config/validators.js';
import template from './apache-members.ejs?raw';
import { addressKey } from './haproxy-config.js';
import type { UpstreamServer } from './driver.js';

// Pure text operations on an Apache httpd config: find the `<Proxy "balancer://NAME">`
// block, read its BalancerMember lines, and replace them. Everything else (the block's other
// lines — ProxySet, comments, blank lines — and the rest of the file) stays byte-identical.
//
// Apache's syntax, as far as it matters here: one directive per line, a trailing backslash
// continues a line, a line whose first non-blank character is `#` is a comment (there are no
// comments after a directive), arguments may be quoted with " or ', directive and section
// names are case-insensitive, and so are balancer names.

export interface ProxyBlock {
  /** Index of the `<Proxy …>` line. */
  start: number;
  /** Index just past the opening line (its newline included). */
  bodyStart: number;
  /** Index of the `</Proxy>` line. */
  bodyEnd: number;
}

export interface BalancerMember extends UpstreamServer {
  /** Takes traffic: not disabled (D), stopped (S), a hot standby (H) or a spare (R). */
  active: boolean;
}

/** Apache's loadfactor range (`BalancerMember LoadFactor must be a number between 1..100`). */
export const MAX_LOADFACTOR = 100;

interface Line {
  text: string; // without the line ending
  eol: string;
  index: number;
}

/** A directive with its continuation lines. */
interface Logical {
  lines: Line[];
  /** The joined text, continuations removed. */
  text: string;
  index: number;
}

function physicalLines(text: string, from: number, to: number): Line[] {
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

function logicalLines(text: string, from = 0, to = text.length): Logical[] {
  const out: Logical[] = [];
  let group: Line[] = [];
  for (const l of physicalLines(text, from, to)) {
    group.push(l);
    if (l.text.endsWith('\\') && l.eol !== '') continue;
    out.push({
      lines: group,
      text: group.map((g, i) => (i < group.length - 1 ? g.text.slice(0, -1) : g.text)).join(' '),
      index: group[0]!.index,
    });
    group = [];
  }
  if (group.length > 0)
    out.push({ lines: group, text: group.map((g) => g.text).join(' '), index: group[0]!.index });
  return out;
}

const isComment = (l: Logical) => /^\s*#/.test(l.text);
const isBlank = (l: Logical) => l.text.trim() === '';

/** A directive's words, as Apache reads them (quotes removed, backslash escapes inside quotes). */
export function words(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= line.length) break;
    const q = line[i]!;
    if (q === '"' || q === "'") {
      let w = '';
      let j = i + 1;
      while (j < line.length && line[j] !== q) {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        w += line[j];
        j++;
      }
      out.push(w);
      i = j + 1;
    } else {
      let j = i;
      while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** `balancer://NAME` (any case, an optional trailing slash) names balancer `name`. */
function namesBalancer(url: string | undefined, name: string): boolean {
  return url !== undefined && url.replace(/\/$/, '').toLowerCase() === `balancer://${name.toLowerCase()}`;
}

/** The URL of a `<Proxy URL>` opening line, or undefined for any other line. */
function proxySectionUrl(line: string): string | undefined {
  const m = /^\s*<proxy[ \t]+(.*)>\s*$/i.exec(line);
  return m ? words(m[1]!)[0] : undefined;
}

/** Every `<Proxy "balancer://NAME">` block of the file (normally one). */
export function findProxyBlocks(text: string, name: string): ProxyBlock[] {
  const all = logicalLines(text);
  const blocks: ProxyBlock[] = [];
  for (let i = 0; i < all.length; i++) {
    const l = all[i]!;
    if (isComment(l) || !namesBalancer(proxySectionUrl(l.text), name)) continue;
    const close = all.slice(i + 1).find((c) => /^\s*<\/proxy\s*>\s*$/i.test(c.text));
    if (!close) continue; // not a complete block: Apache refuses the file anyway
    const last = l.lines.at(-1)!;
    blocks.push({
      start: l.index,
      bodyStart: last.index + last.text.length + last.eol.length,
      bodyEnd: close.index,
    });
  }
  return blocks;
}

export function findProxyBlock(text: string, name: string): ProxyBlock | undefined {
  return findProxyBlocks(text, name)[0];
}

function isMember(l: Logical): boolean {
  return !isComment(l) && words(l.text)[0]?.toLowerCase() === 'balancermember';
}

/** `http://host:port` with an optional trailing slash; IPv6 in brackets. Other URLs: undefined. */
function parseMemberUrl(url: string): { host: string; port: number } | undefined {
  const m = /^http:\/\/(\[[0-9A-Fa-f:.]+\]|[^/:[\]\s]+)(?::(\d{1,5}))?\/?$/i.exec(url);
  if (!m) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : 80 };
}

/** The flags a `status=` value leaves set: `+H`, `D`, `-E+I` … (no sign means set). */
function statusFlags(value: string): Set<string> {
  const flags = new Set<string>();
  let set = true;
  for (const c of value.toUpperCase()) {
    if (c === '+' || c === '-') set = c === '+';
    else if (set) flags.add(c);
    else flags.delete(c);
  }
  return flags;
}

/** The block's http:// BalancerMember lines (those taking traffic have `active`). */
export function parseMembers(text: string, block: ProxyBlock): BalancerMember[] {
  return logicalLines(text, block.bodyStart, block.bodyEnd)
    .filter(isMember)
    .flatMap((l) => {
      const [, url = '', ...params] = words(l.text);
      const addr = parseMemberUrl(url);
      if (!addr) return [];
      const param = (key: string) =>
        params.find((p) => p.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const flags = statusFlags(param('status') ?? '');
      const weight = Number(param('loadfactor'));
      return [
        {
          ...addr,
          ...(param('loadfactor') !== undefined && Number.isFinite(weight) ? { weight } : {}),
          active: !['D', 'S', 'H', 'R'].some((f) => flags.has(f)),
        },
      ];
    });
}

/** The servers that take traffic: active members, in file order. */
export function parseServers(text: string, name: string): UpstreamServer[] {
  const block = findProxyBlock(text, name);
  if (!block) return [];
  return parseMembers(text, block)
    .filter((m) => m.active)
    .map(({ host, port, weight }) => ({ host, port, ...(weight !== undefined ? { weight } : {}) }));
}

/** A member parameter's name or value: no white space, quotes, `#`, `:` or backslash. */
const PARAM = /^[A-Za-z0-9_.,+-]{1,100}$/;

/** The validating escape: only hosts, ports, small integers and parameter words may be rendered. */
export function escapeApacheValue(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535)
    return String(value);
  if (typeof value === 'string') {
    if (PATTERNS.ipv4.test(value) || PATTERNS.hostname.test(value)) return value;
    if (value.includes(':') && PATTERNS.ipv6.test(value)) return `[${value.replace(/^\[|\]$/g, '')}]`;
    if (PARAM.test(value)) return value;
  }
  throw new Error(
    `refusing to render ${JSON.stringify(value)} into Apache config: not a host, port, number or parameter word`,
  );
}

export interface MemberOptions {
  /** `retry=`: seconds a member that failed is left out (Apache's default, 60, is long). */
  retrySeconds: number;
  /** More parameters for every member (balancer.member_params), e.g. upgrade=websocket. */
  params: [string, string][];
}

/**
 * Weights as loadfactors: Apache takes 1..100, so larger weights are scaled down to that
 * range (the ratio kept as closely as integers allow; never below 1).
 */
export function loadfactors(servers: UpstreamServer[]): UpstreamServer[] {
  const top = Math.max(0, ...servers.map((s) => s.weight ?? 0));
  return servers.map((s) => {
    if (s.weight === undefined) return s;
    if (!Number.isInteger(s.weight) || s.weight < 1)
      throw new Error(`Apache loadfactor ${s.weight} is outside 1..${MAX_LOADFACTOR}`);
    const weight =
      top > MAX_LOADFACTOR ? Math.max(1, Math.round((s.weight * MAX_LOADFACTOR) / top)) : s.weight;
    return { ...s, weight };
  });
}

/** The BalancerMember lines for `servers`, each address once (the first). */
export function renderMembers(servers: UpstreamServer[], indent: string, options: MemberOptions): string {
  if (!/^[ \t]*$/.test(indent)) throw new Error('indentation must be spaces or tabs');
  // A parameter is a word, never a host: checked here, so an IPv6-like value is not bracketed.
  for (const word of options.params.flat())
    if (!PARAM.test(word))
      throw new Error(`refusing to render ${JSON.stringify(word)} into Apache config: not a parameter word`);
  const seen = new Set<string>();
  const members = loadfactors(servers).filter((s) => {
    const key = addressKey(s);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return ejs.render(
    template,
    { indent, members, retry: options.retrySeconds, params: options.params },
    { escape: escapeApacheValue },
  );
}

export class ProxyBlockNotFound extends Error {}

/**
 * Returns the file with the BalancerMember lines of `<Proxy "balancer://NAME">` replaced by
 * `servers`, placed where the first old member line was (or after the block's last directive).
 * Every other line of the block and of the file is kept as it was.
 */
export function replaceMembers(
  text: string,
  name: string,
  servers: UpstreamServer[],
  options: MemberOptions,
): string {
  const blocks = findProxyBlocks(text, name);
  const block = blocks[0];
  if (!block) throw new ProxyBlockNotFound(`<Proxy "balancer://${name}"> … </Proxy> not found`);
  if (blocks.length > 1)
    throw new Error(
      `<Proxy "balancer://${name}"> appears ${blocks.length} times: keep its members in one block, which bluegreen then manages`,
    );
  if (servers.length === 0) throw new Error(`balancer://${name}: refusing to render a block without members`);
  const outside = logicalLines(text).filter(
    (l) =>
      (l.index < block.start || l.index >= block.bodyEnd) &&
      isMember(l) &&
      namesBalancer(words(l.text)[1], name),
  );
  if (outside.length > 0)
    throw new Error(
      `\`${outside[0]!.text.trim()}\` adds a member to balancer://${name} outside its <Proxy> block: move it into the block, whose members bluegreen manages`,
    );
  const body = logicalLines(text, block.bodyStart, block.bodyEnd);
  const firstMember = body.findIndex(isMember);
  const indentFrom = body[firstMember] ?? body.find((l) => !isBlank(l));
  const indent = indentFrom ? /^[ \t]*/.exec(indentFrom.text)![0] : '    ';
  // Without member lines: after the block's last directive, before trailing blank lines and comments.
  let at = firstMember;
  if (at === -1) {
    at = body.length;
    while (at > 0 && (isBlank(body[at - 1]!) || isComment(body[at - 1]!))) at--;
  }
  const rendered = renderMembers(servers, indent, options);
  let out = '';
  body.forEach((l, i) => {
    if (i === at) out += rendered;
    if (!isMember(l)) out += l.lines.map((p) => p.text + p.eol).join('');
  });
  if (at === body.length) out += rendered;
  return text.slice(0, block.bodyStart) + out + text.slice(block.bodyEnd);
}
