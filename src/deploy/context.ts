import { createDriver } from '../balancer/index.js';
import { BalancerSet } from '../balancer/set.js';
import type { Config, HostRef } from '../config/schema.js';
import { SshPool } from '../ssh/pool.js';
import type { RemoteHosts, RemoteShell, SshTarget } from '../ssh/remote.js';
import { DEFAULT_PORT } from '../ssh/route.js';
import { configTargets, sshSetup } from '../ssh/setup.js';
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
  /**
   * Where the config is silent, reach hosts as `ssh` would: ssh-agent, ~/.ssh/config,
   * ~/.ssh/id_*, ~/.ssh/known_hosts (the CLI). The action never does (see src/ssh/setup.ts).
   */
  openssh?: boolean;
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
  if ('ssh' in host)
    return { name: host.name, host: host.ssh.host, port: host.ssh.port ?? config.ssh.port ?? DEFAULT_PORT };
  return { name: host.name, host: host.host, port: host.port };
}

/** The Swarm manager as a host bluegreen connects to. */
export function swarmManager(
  config: Config,
  manager: { host: string; port?: number | undefined },
): HostRecord {
  return {
    name: manager.host,
    host: manager.host,
    port: manager.port ?? config.ssh.port ?? DEFAULT_PORT,
    address: manager.host,
  };
}

export function recordOf(config: Config, host: HostRef): HostRecord {
  return {
    name: host.name,
    host: host.ssh.host,
    port: host.ssh.port ?? config.ssh.port ?? DEFAULT_PORT,
    address: host.address,
  };
}

export async function openContext(opts: EngineOptions): Promise<Context> {
  const setup = await sshSetup({
    config: opts.config,
    baseDir: opts.baseDir,
    secrets: opts.secrets ?? {},
    openssh: opts.openssh ?? false,
    log: opts.log,
  });
  // The config with each host's port and address as ~/.ssh/config completes them (CLI).
  const { config } = setup;
  const ssh = new SshPool(setup.pool, config.ssh.concurrency);
  const targets = configTargets(config);
  const balancerTargets = targets.filter((t) => t.group === 'balancer').map((t) => t.target);
  let balancerShells: RemoteShell[];
  try {
    // Every host's route is resolved (a missing key is reported here, before any connection)
    // and every jump host logged in to: an unknown bastion fails before any host is touched.
    await ssh.openJumpHosts(targets.map((t) => t.target));
    // The balancers first: their connections carry the lock, the state and the balancer's
    // file, which everything else waits for. Every pool host the run may work on is connected
    // right after (its handshake overlaps those reads); started all at once, the pool's
    // handshakes took the CPU the balancer's needed (3 + 3 hosts: the balancer connected in
    // ~290 ms instead of ~60 ms). A host that cannot be reached fails later, in its own step,
    // where it is reported.
    balancerShells = await Promise.all(balancerTargets.map((t) => ssh.get(t)));
    for (const h of [...config.pools.green, ...config.pools.blue])
      ssh.get(targetOf(config, h)).catch(() => undefined);
    // Swarm pools: the manager is the one host bluegreen works on.
    if (config.swarm) {
      const m = config.swarm.manager;
      ssh.get(targetOf(config, swarmManager(config, m))).catch(() => undefined);
    }
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
