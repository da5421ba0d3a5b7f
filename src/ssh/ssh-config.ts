import { readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig, { glob } from 'ssh-config';
import { parseHops, type Hop } from '../config/proxy-jump.js';
import { UsageError } from '../errors.js';

// ~/.ssh/config as OpenSSH reads it, for the host names a config uses: parsed and matched by
// the `ssh-config` library (Host and Match blocks, patterns, first value wins); this module
// adds what the library leaves to its caller: Include, ~ and %-tokens in paths, and the
// few keys bluegreen honours (HostName, User, Port, IdentityFile, IdentityAgent, ProxyJump).

/** What ~/.ssh/config says about one host name. Unset fields: the file is silent. */
export interface HostSshConfig {
  hostName?: string;
  user?: string;
  port?: number;
  /** IdentityFile lines, ~ and tokens expanded, in order. */
  identityFiles: string[];
  /** IdentityAgent: "none", or the socket path (environment variables resolved). */
  identityAgent?: string;
  /** ProxyJump: the chain ([] for `ProxyJump none`). */
  proxyJump?: Hop[];
  /** ProxyCommand, which bluegreen does not run. */
  proxyCommand?: string;
}

export interface SshConfigEnv {
  home: string;
  env: NodeJS.ProcessEnv;
  localUser?: string;
}

const MAX_INCLUDE_DEPTH = 16;

export class UserSshConfig {
  private constructor(
    private readonly parsed: SSHConfig,
    /** Where it was read from, for messages. */
    readonly source: string,
    private readonly where: SshConfigEnv,
  ) {}

  /** Reads `path` (default ~/.ssh/config) and its Includes; a missing file is an empty config. */
  static async load(where: SshConfigEnv, path = join(where.home, '.ssh', 'config')): Promise<UserSshConfig> {
    const text = await readWithIncludes(path, where, 0);
    return UserSshConfig.parse(text ?? '', where, path);
  }

  static parse(text: string, where: SshConfigEnv, source = '~/.ssh/config'): UserSshConfig {
    let parsed: SSHConfig;
    try {
      parsed = SSHConfig.parse(text);
    } catch (err) {
      throw new UsageError(`${source}: cannot parse: ${(err as Error).message}`);
    }
    return new UserSshConfig(parsed, source, where);
  }

  /** What the file says about `host` (a name as the bluegreen config writes it). */
  lookup(host: string): HostSshConfig {
    // `Match exec` would run a command: bluegreen does not run commands of the user's config.
    const c = this.parsed.compute(host, { ignoreCase: true, matchExec: false });
    const one = (key: string): string | undefined => {
      const v = c[key];
      return Array.isArray(v) ? v[0] : v;
    };
    const hostName = one('hostname');
    const resolved = hostName === undefined ? host : expandTokens(hostName, { h: host });
    const user = one('user');
    const tokens = {
      h: resolved,
      r: user ?? '',
      d: this.where.home,
      u: this.where.localUser ?? localUser(),
      n: host,
    };
    const portText = one('port');
    let port: number | undefined;
    if (portText !== undefined) {
      port = Number(portText);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new UsageError(
          `${this.source}: Port for ${host}: expected 1 to 65535, got ${JSON.stringify(portText)}`,
        );
    }
    const files = c.identityfile;
    const identityFiles = (Array.isArray(files) ? files : files === undefined ? [] : [files])
      .filter((f) => f.toLowerCase() !== 'none')
      .map((f) => this.path(expandTokens(f, tokens)));
    const agent = one('identityagent');
    const jump = one('proxyjump');
    let proxyJump: Hop[] | undefined;
    if (jump !== undefined) {
      const hops = parseHops(jump);
      if (typeof hops === 'string') throw new UsageError(`${this.source}: ProxyJump for ${host}: ${hops}`);
      proxyJump = hops;
    }
    const proxyCommand = one('proxycommand');
    return {
      ...(hostName !== undefined ? { hostName: resolved } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(port !== undefined ? { port } : {}),
      identityFiles,
      ...(agent !== undefined ? { identityAgent: this.agentPath(agent, tokens) } : {}),
      ...(proxyJump !== undefined ? { proxyJump } : {}),
      ...(proxyCommand !== undefined && proxyCommand.toLowerCase() !== 'none' ? { proxyCommand } : {}),
    };
  }

  private path(p: string): string {
    if (p === '~' || p.startsWith('~/')) return join(this.where.home, p.slice(1));
    return isAbsolute(p) ? p : join(this.where.home, p);
  }

  private agentPath(value: string, tokens: Record<string, string>): string {
    if (value.toLowerCase() === 'none') return 'none';
    // `SSH_AUTH_SOCK` and `$VAR` / `${VAR}` name a variable holding the socket.
    const name = value === 'SSH_AUTH_SOCK' ? value : /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value)?.[1];
    if (name !== undefined) return this.where.env[name] ?? 'none';
    return this.path(expandTokens(value, tokens));
  }
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}

/** ssh_config's %-tokens (%h host, %r remote user, %d home, %u local user, %n name as given, %% a percent). */
export function expandTokens(text: string, tokens: Record<string, string>): string {
  return text.replace(/%([%a-zA-Z])/g, (all, t: string) => (t === '%' ? '%' : (tokens[t] ?? all)));
}

/**
 * The file's text with every `Include` line replaced by the files it names (relative paths
 * under ~/.ssh, `*` and `?` in the file name), as ssh reads them in place. undefined: no file.
 */
async function readWithIncludes(
  path: string,
  where: SshConfigEnv,
  depth: number,
): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UsageError(`${path}: cannot read: ${code ?? (err as Error).message}`);
  }
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*include\s*[=\s]\s*(.+?)\s*$/i.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    if (depth >= MAX_INCLUDE_DEPTH)
      throw new UsageError(`${path}: Include nested deeper than ${MAX_INCLUDE_DEPTH}`);
    for (const pattern of m[1]!.split(/\s+/).map((p) => p.replace(/^"(.*)"$/, '$1'))) {
      for (const file of await expandInclude(pattern, where)) {
        const included = await readWithIncludes(file, where, depth + 1);
        if (included !== undefined) out.push(included);
      }
    }
  }
  return out.join('\n');
}

async function expandInclude(pattern: string, where: SshConfigEnv): Promise<string[]> {
  const p = pattern.startsWith('~/')
    ? join(where.home, pattern.slice(2))
    : isAbsolute(pattern)
      ? pattern
      : join(where.home, '.ssh', pattern);
  const name = basename(p);
  if (!/[*?]/.test(name)) return [p];
  const dir = dirname(p);
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries
    .filter((e) => !e.startsWith('.') && glob(name, e))
    .sort()
    .map((e) => join(dir, e));
}
