import type { PoolName } from '../config/schema.js';
import { containerName } from '../commands/docker.js';
import { UsageError } from '../errors.js';
import { recordOf, type Context } from './context.js';
import {
  bringBack,
  keepOld,
  leaveCommands,
  leavePool,
  planLines,
  removeFromPool,
  retire,
  startCommands,
  startPool,
  stopCommands,
  stopKeepingCommands,
  stopPool,
  type Comeback,
  type KeptOld,
  type Release,
} from './pool.js';
import type { StatusReport } from './outcome.js';
import type { DeployState, HostRecord, PoolState, PreviousPool } from './state.js';
import { swarmBackend } from './swarm-pool.js';
import { sshStatusRows } from './ssh-status.js';

// The one boundary between the commands and what a pool is: containers on SSH hosts
// (pool.ts, as before) or a Docker Swarm service on labelled nodes (swarm-pool.ts). An op
// asks "a pool" to start a release, take members out, keep or bring back an old version;
// the balancer switch, the state record, verification, drain, lock and history stay shared.
// Every method that changes something has a `…Plan` twin: the --dry-run lines.

/** A pool member's row in `status`. */
export type StatusRow = StatusReport['hosts'][number];
/** A Swarm pool's service in `status`. */
export type ServiceStatus = NonNullable<StatusReport['services']>[number];

export interface PoolBackend {
  readonly pool: PoolName;
  /** The service of a Swarm pool (recorded in the state); undefined for SSH hosts. */
  readonly service: string | undefined;
  /** Where a release would run now: the config's hosts, or the pool's ready nodes. */
  members(): Promise<HostRecord[]>;
  /** A pool without members, in words: what it lacks ("is empty") and what to do ("list its hosts"). */
  readonly emptiness: { what: string; fix: string };

  /**
   * Starts `release` on `hosts` (from members()) and preflights each directly; all or
   * nothing: on failure what it started is taken out again and a DeployError names the
   * members and why. Returns the members that now serve it (the balancer's servers).
   */
  start(hosts: HostRecord[], release: Release): Promise<HostRecord[]>;
  startPlan(hosts: HostRecord[], release: Release): string[];
  /** New members of a pool that serves `release` already (scale): start and preflight them. */
  extend(hosts: HostRecord[], release: Release): Promise<HostRecord[]>;
  extendPlan(hosts: HostRecord[], release: Release): string[];
  /** Members where `version` never served (a failed start or switch): it goes at once, a kept older version stays. */
  remove(hosts: HostRecord[], version: string): Promise<void>;
  /** Members that were drained out of the balancer: stopped gracefully, gone. */
  stop(hosts: HostRecord[], version: string): Promise<void>;
  stopPlan(hosts: HostRecord[], version: string): string[];
  /** Members leaving the pool (scale), drained already: stopped, and the app leaves them. */
  leave(hosts: HostRecord[], version: string): Promise<void>;
  leavePlan(hosts: HostRecord[], version: string): string[];
  /** An old pool just out of the balancer, kept per promote.keep_old. */
  keepOld(hosts: HostRecord[], version: string): Promise<KeptOld>;
  /** promote.keep_old: 0: what stopping it (kept) runs. */
  stopKeepingPlan(hosts: HostRecord[], version: string): string[];

  /** Where a rollback brings the previous version back. */
  comebackHosts(previous: PreviousPool): Promise<HostRecord[]>;
  /** Brings `release` back as it finds it (warm, stopped, gone) and preflights it. */
  bringBack(
    hosts: HostRecord[],
    release: Release,
  ): Promise<{ hosts: HostRecord[]; how: Record<Comeback, number> }>;
  bringBackPlan(hosts: HostRecord[], release: Release): string[];
  /** The switch after bringBack failed: what bringBack started is stopped again (kept). */
  undoBringBack(hosts: HostRecord[], release: Release, how: Record<Comeback, number>): Promise<void>;

  /**
   * The pool's rows in `status` (the recorded members and the configured ones; `seen`
   * skips members already shown), and its service. Reads only.
   */
  status(
    recorded: PoolState | null,
    seen: Set<string>,
  ): Promise<{ rows: StatusRow[]; service?: ServiceStatus }>;
}

/** How a member is told apart from another: a node by its ID, a host by its SSH target. */
export function memberKey(h: HostRecord): string {
  return h.node ?? `${h.host}:${h.port}`;
}

/** The backend of `pool` as the config defines it. */
export function poolBackend(ctx: Context, pool: PoolName): PoolBackend {
  return ctx.config.swarm ? swarmBackend(ctx, pool, ctx.config.swarm) : sshBackend(ctx, pool);
}

/**
 * A pool recorded in the state as one kind (SSH hosts, a Swarm service) while the config
 * makes it the other: the ops would take the recorded containers for the other kind's and
 * leave them behind. Refused before anything changes; docs/swarm.md says how to move.
 */
export function refuseKindChange(ctx: Context, state: DeployState): void {
  const swarm = ctx.config.swarm !== undefined;
  const recorded: [string, { version: string; service?: string | undefined } | null | undefined][] = [
    ['live', state.live ? state.pools[state.live] : null],
    ['candidate', state.candidate ? state.pools[state.candidate] : null],
    ['previous', state.previous],
  ];
  for (const [role, rec] of recorded) {
    if (!rec || (rec.service !== undefined) === swarm) continue;
    throw new UsageError(
      `the state record has the ${role} version ${rec.version} ${rec.service ? `as Swarm service ${rec.service}` : 'in containers on SSH hosts'}, but the config makes the pools ${swarm ? 'Swarm services' : 'SSH hosts'}: a pool does not change kind under bluegreen (it would leave the recorded containers behind); to move an app, deploy it under a new app name to the same balancer (docs/swarm.md)`,
    );
  }
}

/** Today's pools: containers on the hosts the config lists, over SSH (pool.ts). */
function sshBackend(ctx: Context, pool: PoolName): PoolBackend {
  const configured = () => ctx.config.pools[pool].map((h) => recordOf(ctx.config, h));
  const name = (version: string) => containerName(ctx.config.app, version);
  return {
    pool,
    service: undefined,
    members: () => Promise.resolve(configured()),
    emptiness: { what: 'is empty', fix: 'list its hosts' },
    start: async (hosts, release) => {
      await startPool(ctx, pool, hosts, release);
      return hosts;
    },
    startPlan: (hosts, release) => planLines(hosts, startCommands(ctx, pool, release)),
    extend: async (hosts, release) => {
      await startPool(ctx, pool, hosts, release);
      return hosts;
    },
    extendPlan: (hosts, release) => planLines(hosts, startCommands(ctx, pool, release)),
    remove: (hosts, version) => removeFromPool(ctx, pool, hosts, version),
    stop: (hosts, version) => stopPool(ctx, pool, hosts, version),
    stopPlan: (hosts, version) => planLines(hosts, stopCommands(ctx, version)),
    leave: (hosts, version) => leavePool(ctx, pool, hosts, version),
    leavePlan: (hosts, version) => planLines(hosts, leaveCommands(ctx, version)),
    keepOld: (hosts, version) => keepOld(ctx, pool, hosts, version),
    stopKeepingPlan: (hosts, version) => planLines(hosts, stopKeepingCommands(ctx, version)),
    comebackHosts: (prev) =>
      Promise.resolve(prev.pool === pool && prev.hosts?.length ? prev.hosts : configured()),
    bringBack: async (hosts, release) => ({ hosts, how: await bringBack(ctx, pool, hosts, release) }),
    bringBackPlan: (hosts, release) =>
      hosts.map(
        (h) =>
          `${h.name}: ${name(release.version)} running → check it; stopped → docker start + check; missing → ${startCommands(
            ctx,
            pool,
            release,
          )
            .map((c) => c.command)
            .join(' && ')} + check`,
      ),
    undoBringBack: (hosts, release, how) =>
      retire(
        ctx,
        pool,
        hosts,
        'stop',
        how.warm === hosts.length ? [] : stopKeepingCommands(ctx, release.version),
      ),
    status: async (recorded, seen) => ({
      rows: await sshStatusRows(ctx, pool, recorded, configured(), seen),
    }),
  };
}
