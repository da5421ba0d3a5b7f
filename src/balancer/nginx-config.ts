import ejs from 'ejs';
import { isHost, PATTERNS } from '../config/validators.js';
import type { UpstreamServer } from './driver.js';
import template from './upstream.ejs?raw';

// Pure text operations on an nginx config: find one upstream block, read its servers,
// and replace it with a rendered one. Everything outside the block stays byte-identical.

export interface Block {
  start: number;
  end: number; // index just past the closing brace
  body: string;
}

/** Locates `upstream NAME { … }`, skipping comments and quoted strings. */
export function findUpstream(text: string, name: string): Block | undefined {
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length - 2; i++) {
    const t = tokens[i]!;
    if (t.value === 'upstream' && tokens[i + 1]?.value === name && tokens[i + 2]?.value === '{') {
      let depth = 0;
      for (let j = i + 2; j < tokens.length; j++) {
        const tj = tokens[j]!;
        if (tj.value === '{') depth++;
        else if (tj.value === '}' && --depth === 0) {
          const open = tokens[i + 2]!;
          return { start: t.index, end: tj.index + 1, body: text.slice(open.index + 1, tj.index) };
        }
      }
      return undefined;
    }
  }
  return undefined;
}

interface Token {
  value: string;
  index: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if (c === '"' || c === "'") {
      const start = i++;
      while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
      tokens.push({ value: text.slice(start, ++i), index: start });
    } else if (c === '{' || c === '}' || c === ';') tokens.push({ value: c, index: i++ });
    else {
      const start = i;
      while (i < text.length && !/[\s{};#"']/.test(text[i]!)) i++;
      tokens.push({ value: text.slice(start, i), index: start });
    }
  }
  return tokens;
}

/** Splits a block body into its directives (without the trailing `;`). */
function directives(body: string): string[] {
  return body
    .replace(/#[^\n]*/g, '')
    .split(';')
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter((d) => d !== '');
}

export function parseServers(body: string): UpstreamServer[] {
  return directives(body)
    .filter((d) => d.startsWith('server '))
    .flatMap((d) => {
      const [, addr = '', ...params] = d.split(' ');
      if (params.includes('down') || params.includes('backup')) return [];
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(addr);
      if (!m) return [];
      const weight = params.find((p) => p.startsWith('weight='));
      return [{ host: m[1]!, port: Number(m[2]), ...(weight ? { weight: Number(weight.slice(7)) } : {}) }];
    });
}

export interface RenderOptions {
  name: string;
  servers: UpstreamServer[];
  maxFails: number;
  failTimeoutSeconds: number;
}

/** The validating escape: only hosts, ports, names and small integers may be rendered. */
function escapeValue(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535)
    return String(value);
  if (typeof value === 'string' && (isHost(value) || PATTERNS.upstreamName.test(value))) {
    return value.includes(':') ? `[${value.replace(/^\[|\]$/g, '')}]` : value;
  }
  throw new Error(`refusing to render ${JSON.stringify(value)} into nginx config: not a host, port or name`);
}

export function renderUpstream(options: RenderOptions, existingBody: string): string {
  if (options.servers.length === 0)
    throw new Error(`upstream ${options.name}: refusing to render a block without servers`);
  // Directives other than `server` (keepalive, zone, hash …) are the operator's: keep them.
  const kept = directives(existingBody)
    .filter((d) => !d.startsWith('server '))
    .map((d) => `${d};`);
  return ejs
    .render(
      template,
      {
        name: options.name,
        directives: kept,
        servers: options.servers,
        maxFails: options.maxFails,
        failTimeout: options.failTimeoutSeconds,
      },
      { escape: escapeValue },
    )
    .trimEnd();
}

export class UpstreamNotFound extends Error {}

/** Returns the file with the named upstream block replaced; throws when the block is missing. */
export function replaceUpstream(text: string, options: RenderOptions): string {
  const block = findUpstream(text, options.name);
  if (!block) throw new UpstreamNotFound(`upstream ${options.name} { … } not found`);
  return text.slice(0, block.start) + renderUpstream(options, block.body) + text.slice(block.end);
}
