import { formatHop, type Hop } from '../config/proxy-jump.js';
import type { ProxyJumps } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { SshTarget } from './remote.js';
import type { HostSshConfig, UserSshConfig } from './ssh-config.js';

// How one host is reached: who logs in where, with which keys, through which jump hosts.
// The decisions (what the bluegreen config says wins; where it is silent the CLI uses what
// OpenSSH uses: ~/.ssh/config, the agent, the default identity files) are made here, once
// per host, from settings gathered by setup.ts; the pool only dials what comes out.

export type HostGroup = 'green' | 'blue' | 'balancer';

export interface PrivateKey {
  /** Where it came from, for messages (a path, or the secret's name). */
  source: string;
  text: string;
}

export interface Auth {
  /** The agent's socket: its keys are offered first, as ssh does. */
  agent?: string;
  /** Private keys offered after the agent's, in order. */
  keys: PrivateKey[];
}

/** One SSH login. */
export interface Endpoint {
  /** The name as the config writes it (a ~/.ssh/config Host alias, a hop of proxy_jump). */
  name: string;
  /** What is dialled (HostName), and what known_hosts is checked for. */
  host: string;
  port: number;
  user: string;
  auth: Auth;
}

/** A host and the jump hosts in front of it, outermost first (empty: a direct connection). */
export interface Route {
  jumps: Endpoint[];
  target: Endpoint;
}

/** The user's OpenSSH setup, used where the bluegreen config is silent (the CLI only). */
export interface OpenSshSetup {
  config: UserSshConfig;
  /** SSH_AUTH_SOCK. */
  agent?: string;
  /** ~/.ssh/id_ed25519, id_ecdsa, id_rsa: tried when ~/.ssh/config names no IdentityFile. */
  defaultIdentityFiles: string[];
  /** Reads a private key file; undefined when it does not exist. */
  readKey(path: string): Promise<string | undefined>;
}

export interface SshSettings {
  /** ssh.user, when set. */
  user?: string;
  /** The key given explicitly (secret or ssh.private_key): then the only one offered. */
  privateKey?: PrivateKey;
  jumps: ProxyJumps;
  openssh?: OpenSshSetup;
  /** What to say when no key at all is found (differs between the CLI and the action). */
  noKeyHint: string;
}

export const DEFAULT_USER = 'root';
export const DEFAULT_PORT = 22;

/** Resolves routes for the targets of one run, each host name looked up once. */
export class RouteResolver {
  private readonly auths = new Map<string, Promise<Auth>>();

  constructor(
    private readonly settings: SshSettings,
    /** The group (pool or balancer) a target belongs to; undefined for a host not in the config. */
    private readonly groupOf: (target: SshTarget) => HostGroup | undefined,
  ) {}

  async route(target: SshTarget): Promise<Route> {
    const { settings } = this;
    const own = this.lookup(target.host);
    const configured = this.configuredJumps(this.groupOf(target));
    let hops: Hop[];
    if (configured !== undefined) hops = configured;
    else if (own.proxyJump !== undefined) hops = own.proxyJump;
    else if (own.proxyCommand !== undefined)
      throw new UsageError(
        `${settings.openssh!.config.source}: ${target.host} has a ProxyCommand, which bluegreen does not run: write it as ProxyJump there, or set ssh.proxy_jump`,
      );
    else hops = [];
    const jumps = await Promise.all(hops.map((h) => this.hopEndpoint(h)));
    return {
      jumps,
      target: {
        name: target.host,
        host: own.hostName ?? target.host,
        port: target.port,
        user: settings.user ?? own.user ?? DEFAULT_USER,
        auth: await this.auth(target.host, own),
      },
    };
  }

  /**
   * The jump hosts the config gives a group. A host that is not in the config (a host of the
   * state that left it) gets the chain both pools share, if they share one.
   */
  private configuredJumps(group: HostGroup | undefined): Hop[] | undefined {
    const { jumps } = this.settings;
    if (group !== undefined) return jumps[group];
    return JSON.stringify(jumps.green) === JSON.stringify(jumps.blue) ? jumps.green : undefined;
  }

  private async hopEndpoint(hop: Hop): Promise<Endpoint> {
    const own = this.lookup(hop.host);
    return {
      name: formatHop(hop),
      host: own.hostName ?? hop.host,
      port: hop.port ?? own.port ?? DEFAULT_PORT,
      user: hop.user ?? own.user ?? this.settings.user ?? DEFAULT_USER,
      auth: await this.auth(hop.host, own),
    };
  }

  /** What ~/.ssh/config says about a name (nothing without the OpenSSH setup). */
  lookup(name: string): HostSshConfig {
    return this.settings.openssh?.config.lookup(name) ?? { identityFiles: [] };
  }

  private auth(name: string, own: HostSshConfig): Promise<Auth> {
    let auth = this.auths.get(name);
    if (!auth) {
      auth = this.findAuth(name, own);
      this.auths.set(name, auth);
    }
    return auth;
  }

  private async findAuth(name: string, own: HostSshConfig): Promise<Auth> {
    const { privateKey, openssh } = this.settings;
    if (privateKey) return { keys: [privateKey] };
    if (!openssh) throw new UsageError(`ssh.private_key: no SSH key (${this.settings.noKeyHint})`);
    const agent = own.identityAgent === 'none' ? undefined : (own.identityAgent ?? openssh.agent);
    const files = own.identityFiles.length > 0 ? own.identityFiles : openssh.defaultIdentityFiles;
    const keys: PrivateKey[] = [];
    for (const path of files) {
      const text = await openssh.readKey(path);
      if (text !== undefined) keys.push({ source: path, text });
    }
    if (agent === undefined && keys.length === 0)
      throw new UsageError(
        `ssh.private_key: no SSH key for ${name}: no ssh-agent (SSH_AUTH_SOCK is not set) and none of ${files.join(', ')} exists (${this.settings.noKeyHint})`,
      );
    return { ...(agent !== undefined ? { agent } : {}), keys };
  }
}

/** `user@host:port`, as messages name a login. */
export function describeEndpoint(e: Pick<Endpoint, 'user' | 'host' | 'port'>): string {
  return `${e.user}@${e.host}:${e.port}`;
}
