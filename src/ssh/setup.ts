import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import ssh2 from 'ssh2';
import type { Config, HostRef } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../util/log.js';
import { KnownHosts, type HostKeyPolicy } from './known-hosts.js';
import type { PoolOptions } from './pool.js';
import type { SshTarget } from './remote.js';
import {
  DEFAULT_PORT,
  RouteResolver,
  type HostGroup,
  type OpenSshSetup,
  type PrivateKey,
  type SshSettings,
} from './route.js';
import { UserSshConfig } from './ssh-config.js';

// Everything SSH of one run, gathered once: the host keys to trust, the keys to offer, the
// user's ~/.ssh (for the CLI), and the config's hosts with what ~/.ssh/config says of them.
//
// What wins, field by field (each decision is in route.ts or below, and unit-tested):
//   key:         BLUEGREEN_SSH_KEY / the action's ssh_private_key > ssh.private_key >
//                (CLI) ssh-agent + IdentityFile of ~/.ssh/config, else ~/.ssh/id_{ed25519,ecdsa,rsa}
//   known hosts: BLUEGREEN_KNOWN_HOSTS / known_hosts input > ssh.known_hosts >
//                (CLI) ~/.ssh/known_hosts + /etc/ssh/ssh_known_hosts; ssh.fingerprints beside any
//   user:        ssh.user > (CLI) User of ~/.ssh/config > root     (a hop's user@ first)
//   port:        host:port > ssh.port > (CLI) Port of ~/.ssh/config > 22
//   address:     address > (CLI) HostName of ~/.ssh/config > the host as written
//   jump hosts:  ssh.proxy_jump (none: direct) > (CLI) ProxyJump of ~/.ssh/config > direct
// The action never reads ~/.ssh or an agent: a runner has neither, and a deploy must not
// depend on what happens to lie in a runner's home.

export interface SshSetupRequest {
  config: Config;
  /** The config's directory: relative key and known_hosts paths are resolved against it. */
  baseDir: string;
  secrets: { privateKey?: string; knownHosts?: string };
  /** Use the user's OpenSSH setup where the config is silent (the CLI; never the action). */
  openssh: boolean;
  log: Logger;
  /** For tests: the home directory and environment (default: this process's). */
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** For tests: where the system-wide known_hosts is. */
  globalKnownHosts?: string;
}

export interface SshSetup {
  /** The config with each host's port and address completed from ~/.ssh/config (CLI). */
  config: Config;
  pool: Omit<PoolOptions, 'routes'> & { routes: RouteResolver };
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export async function sshSetup(req: SshSetupRequest): Promise<SshSetup> {
  const home = req.home ?? homedir();
  const env = req.env ?? process.env;
  const userConfig = req.openssh ? await UserSshConfig.load({ home, env }) : undefined;
  const config = userConfig ? completeHosts(req.config, userConfig) : req.config;
  const openssh: OpenSshSetup | undefined = userConfig && {
    config: userConfig,
    ...(env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}),
    defaultIdentityFiles: DEFAULT_IDENTITIES.map((n) => join(home, '.ssh', n)),
    readKey: identityReader(req.log),
  };
  const privateKey = await explicitKey(req);
  const settings: SshSettings = {
    ...(config.ssh.user !== undefined ? { user: config.ssh.user } : {}),
    ...(privateKey ? { privateKey } : {}),
    jumps: config.ssh.proxy_jump,
    ...(openssh ? { openssh } : {}),
    noKeyHint: req.openssh
      ? 'set ssh.private_key or BLUEGREEN_SSH_KEY, or load a key into ssh-agent with ssh-add'
      : 'set ssh.private_key, or pass the key via the ssh_private_key input / BLUEGREEN_SSH_KEY',
  };
  const groups = groupsOf(config);
  return {
    config,
    pool: {
      routes: new RouteResolver(settings, (t) => groups.get(`${t.host}:${t.port}`)),
      policy: await hostKeyPolicy(req, home),
      connectTimeoutMs: config.ssh.connect_timeout,
    },
  };
}

/** Every SSH target of the config: the pools' hosts, then the balancers. */
export function configTargets(config: Config): { target: SshTarget; group: HostGroup }[] {
  const port = (p: number | undefined) => p ?? config.ssh.port ?? DEFAULT_PORT;
  return [
    ...(['green', 'blue'] as const).flatMap((group) =>
      config.pools[group].map((h) => ({
        target: { name: h.name, host: h.ssh.host, port: port(h.ssh.port) },
        group,
      })),
    ),
    ...config.balancer.hosts.map((h) => ({
      target: { name: h.host, host: h.host, port: port(h.port) },
      group: 'balancer' as const,
    })),
  ];
}

function groupsOf(config: Config): Map<string, HostGroup> {
  const groups = new Map<string, HostGroup>();
  for (const { target, group } of configTargets(config)) {
    const key = `${target.host}:${target.port}`;
    if (!groups.has(key)) groups.set(key, group);
  }
  return groups;
}

/**
 * The config's hosts with what ~/.ssh/config says where the config is silent: the port
 * (Port), and the address the balancer and the checks use (HostName) when no `address` is
 * given. The host names stay as written: they are what ~/.ssh/config is looked up by.
 */
export function completeHosts(config: Config, userConfig: UserSshConfig): Config {
  const portOf = (host: string, port: number | undefined) =>
    port ?? config.ssh.port ?? userConfig.lookup(host).port ?? DEFAULT_PORT;
  const completeHost = (h: HostRef): HostRef => {
    const hostName = userConfig.lookup(h.ssh.host).hostName;
    return {
      ...h,
      ssh: { ...h.ssh, port: portOf(h.ssh.host, h.ssh.port) },
      // `address` defaults to the ssh host as written: then HostName is the better default.
      address: h.address === h.ssh.host && hostName !== undefined ? hostName : h.address,
    };
  };
  return {
    ...config,
    pools: {
      ...config.pools,
      green: config.pools.green.map(completeHost),
      blue: config.pools.blue.map(completeHost),
    },
    balancer: {
      ...config.balancer,
      hosts: config.balancer.hosts.map((h) => ({ ...h, port: portOf(h.host, h.port) })),
    },
  };
}

async function readConfigFile(baseDir: string, path: string, field: string): Promise<string> {
  const full = path.startsWith('~/')
    ? join(homedir(), path.slice(2))
    : isAbsolute(path)
      ? path
      : resolve(baseDir, path);
  try {
    return await readFile(full, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${field}: cannot read ${full}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** The key given explicitly, checked to be one ssh2 can use (an encrypted key cannot be asked a passphrase). */
async function explicitKey(req: SshSetupRequest): Promise<PrivateKey | undefined> {
  let key: PrivateKey | undefined;
  if (req.secrets.privateKey)
    key = { source: 'the key in BLUEGREEN_SSH_KEY / ssh_private_key', text: req.secrets.privateKey };
  else if (req.config.ssh.private_key)
    key = {
      source: req.config.ssh.private_key,
      text: await readConfigFile(req.baseDir, req.config.ssh.private_key, 'ssh.private_key'),
    };
  if (!key) return undefined;
  const parsed = ssh2.utils.parseKey(key.text);
  if (parsed instanceof Error)
    throw new UsageError(
      `ssh.private_key: ${key.source} is not a usable private key: ${parsed.message}${
        /encrypted|passphrase/i.test(parsed.message)
          ? ' (bluegreen cannot ask for a passphrase: pass an unencrypted key, or with the CLI leave ssh.private_key unset and load the key into ssh-agent)'
          : ''
      }`,
    );
  return key;
}

/** Reads default and IdentityFile keys once each: a missing file is skipped, as ssh does; an encrypted one too, with a word. */
function identityReader(log: Logger): (path: string) => Promise<string | undefined> {
  const cache = new Map<string, Promise<string | undefined>>();
  const read = async (path: string): Promise<string | undefined> => {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const parsed = ssh2.utils.parseKey(text);
    if (parsed instanceof Error) {
      log.warn(
        `skipping ${path}: ${parsed.message} (an encrypted key is used through ssh-agent: ssh-add ${path})`,
      );
      return undefined;
    }
    return text;
  };
  return (path) => {
    let p = cache.get(path);
    if (!p) cache.set(path, (p = read(path)));
    return p;
  };
}

async function hostKeyPolicy(req: SshSetupRequest, home: string): Promise<HostKeyPolicy> {
  const { config } = req;
  if (config.ssh.insecure_ignore_host_keys) {
    req.log.warn(
      'ssh.insecure_ignore_host_keys is set: host keys are NOT verified; anyone on the path can impersonate your hosts',
    );
    return { kind: 'insecure' };
  }
  let text = req.secrets.knownHosts;
  if (text === undefined && config.ssh.known_hosts)
    text = await readConfigFile(req.baseDir, config.ssh.known_hosts, 'ssh.known_hosts');
  if (text === undefined && req.openssh) {
    // As ssh: the user's file, then the system-wide one.
    const files = [join(home, '.ssh', 'known_hosts'), req.globalKnownHosts ?? '/etc/ssh/ssh_known_hosts'];
    text = (await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')))).join('\n');
  }
  const knownHosts = new KnownHosts(text ?? '');
  if (knownHosts.size === 0 && Object.keys(config.ssh.fingerprints).length === 0) {
    throw new UsageError(
      `ssh.known_hosts: no known host keys (${
        req.openssh
          ? 'set ssh.known_hosts or ssh.fingerprints, or add the hosts to ~/.ssh/known_hosts'
          : 'set ssh.known_hosts or ssh.fingerprints, or pass known_hosts'
      }); bluegreen never trusts unknown hosts`,
    );
  }
  return { kind: 'verify', knownHosts, fingerprints: config.ssh.fingerprints };
}
