import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { createDriver } from '../balancer/index.js';
import { BalancerSet } from '../balancer/set.js';
import type { Config, HostRef } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { KnownHosts, type HostKeyPolicy } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import type { RemoteHosts, RemoteShell, SshTarget } from '../ssh/remote.js';
import type { Logger } from '../util/log.js';
import { systemClock, type Clock } from '../util/time.js';
import { httpChecker, type Checker } from './checks.js';
import { shellHooks, type HookRunner } from './hooks.js';
import { runImages, type ImageSource } from './image.js';
import { LockFile, type Lock } from './lock.js';
import { Recorder } from './outcome.js';
import { StateFile, statePath, type HostRecord, type StateStore } from './state.js';

/** Secrets come from the environment or action inputs, never from the config file. */
export interface Secrets {
  privateKey?: string;
  knownHosts?: string;
  registryPassword?: string;
  /** The pull-only password for the hosts (registry.pull_password_env). */
  registryPullPassword?: string;
}

export interface EngineOptions {
  config: Config;
  /** Directory the config's relative paths (keys, build context) are resolved against. */
  baseDir: string;
  secrets?: Secrets;
  log: Logger;
  actor?: string;
  dryRun?: boolean;
  signal?: AbortSignal;
}

/**
 * Everything one run works with. Built once by openContext (over SSH and HTTP), closed by
 * closeContext; the unit tests build one over fakes (test/fakes/context.ts).
 */
export interface Context {
  config: Config;
  baseDir: string;
  secrets: Secrets;
  log: Logger;
  actor: string;
  dryRun: boolean;
  signal: AbortSignal;
  /** The shells of the pool hosts (and of the balancers). */
  remote: RemoteHosts;
  /** Every balancer host (one or many) behind the driver boundary. */
  balancer: BalancerSet;
  /** The state record (on the first balancer). */
  store: StateStore;
  /** Keeps changing runs apart (beside the state record). */
  lock: Lock;
  /** Checks of hosts and of the balancer's URL. */
  checker: Checker;
  /** Time for loops that sample (deploy --steps). */
  clock: Clock;
  /** Where a deploy's image comes from: built and pushed if configured, resolved to its digest (or, registry: none, saved here to stream to the hosts). */
  images: ImageSource;
  /** Runs the config's hooks on this machine. */
  hooks: HookRunner;
  recorder: Recorder;
}

export function targetOf(config: Config, host: HostRef | HostRecord): SshTarget {
  if ('ssh' in host) return { name: host.name, host: host.ssh.host, port: host.ssh.port ?? config.ssh.port };
  return { name: host.name, host: host.host, port: host.port };
}

export function recordOf(config: Config, host: HostRef): HostRecord {
  return {
    name: host.name,
    host: host.ssh.host,
    port: host.ssh.port ?? config.ssh.port,
    address: host.address,
  };
}

async function readSecretFile(baseDir: string, path: string, field: string): Promise<string> {
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

async function hostKeyPolicy(opts: EngineOptions): Promise<HostKeyPolicy> {
  const { config } = opts;
  if (config.ssh.insecure_ignore_host_keys) {
    opts.log.warn(
      'ssh.insecure_ignore_host_keys is set: host keys are NOT verified; anyone on the path can impersonate your hosts',
    );
    return { kind: 'insecure' };
  }
  let text = opts.secrets?.knownHosts;
  if (text === undefined && config.ssh.known_hosts)
    text = await readSecretFile(opts.baseDir, config.ssh.known_hosts, 'ssh.known_hosts');
  if (text === undefined)
    text = await readFile(join(homedir(), '.ssh', 'known_hosts'), 'utf8').catch(() => '');
  const knownHosts = new KnownHosts(text);
  if (knownHosts.size === 0 && Object.keys(config.ssh.fingerprints).length === 0) {
    throw new UsageError(
      'ssh.known_hosts: no known host keys (set ssh.known_hosts or ssh.fingerprints, or pass known_hosts); bluegreen never trusts unknown hosts',
    );
  }
  return { kind: 'verify', knownHosts, fingerprints: config.ssh.fingerprints };
}

async function privateKey(opts: EngineOptions): Promise<string> {
  if (opts.secrets?.privateKey) return opts.secrets.privateKey;
  if (opts.config.ssh.private_key)
    return readSecretFile(opts.baseDir, opts.config.ssh.private_key, 'ssh.private_key');
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const key = await readFile(join(homedir(), '.ssh', name), 'utf8').catch(() => undefined);
    if (key) return key;
  }
  throw new UsageError(
    'ssh.private_key: no SSH key (set ssh.private_key, or pass the key via the ssh_private_key input / BLUEGREEN_SSH_KEY)',
  );
}

export async function openContext(opts: EngineOptions): Promise<Context> {
  const { config } = opts;
  const ssh = new SshPool(
    {
      user: config.ssh.user,
      privateKey: await privateKey(opts),
      policy: await hostKeyPolicy(opts),
      connectTimeoutMs: config.ssh.connect_timeout,
    },
    config.ssh.concurrency,
  );
  const balancerTargets: SshTarget[] = config.balancer.hosts.map((h) => ({
    name: h.host,
    host: h.host,
    port: h.port ?? config.ssh.port,
  }));
  // Every pool host the run may work on is connected meanwhile (the handshakes overlap the
  // lock, the state and the balancer's file); a host that cannot be reached fails later, in
  // its own step, where it is reported.
  for (const h of [...config.pools.green, ...config.pools.blue])
    ssh.get(targetOf(config, h)).catch(() => undefined);
  let balancerShells: RemoteShell[];
  try {
    balancerShells = await Promise.all(balancerTargets.map((t) => ssh.get(t)));
  } catch (err) {
    await ssh.closeAll();
    throw err;
  }
  // The state record and the lock live on the first balancer.
  const first = balancerShells[0]!;
  const path = statePath(config);
  return {
    config,
    baseDir: opts.baseDir,
    secrets: opts.secrets ?? {},
    log: opts.log,
    actor: opts.actor ?? process.env.USER ?? 'unknown',
    dryRun: opts.dryRun ?? false,
    signal: opts.signal ?? new AbortController().signal,
    remote: ssh,
    balancer: new BalancerSet(
      balancerShells.map((shell) => createDriver(config.balancer.type, shell, config, opts.log)),
      opts.log,
    ),
    store: new StateFile(first, path, config.app),
    lock: new LockFile(first, `${path}.lock`),
    checker: httpChecker,
    clock: systemClock,
    images: runImages(),
    hooks: shellHooks,
    recorder: new Recorder(),
  };
}

export async function closeContext(ctx: Context): Promise<void> {
  await ctx.remote.closeAll();
  await ctx.images.dispose();
}
