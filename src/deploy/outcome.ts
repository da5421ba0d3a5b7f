import type { BalancerFacts } from '../balancer/driver.js';
import type { PoolName } from '../config/schema.js';

// What a run did, in a shape the CLI prints and the action reports to GitHub.

/** The engine's commands: the one list the CLI, the action and the engine share. */
export const COMMAND_NAMES = ['deploy', 'promote', 'rollback', 'scale', 'prune', 'status'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];
export type Result = 'success' | 'failure' | 'rolled_back';

export interface StepRecord {
  step: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface HostReport {
  host: string;
  pool: PoolName;
  steps: StepRecord[];
}

export interface PoolView {
  pool: PoolName;
  version: string;
  hosts: string[];
  role: 'live' | 'candidate';
}

export interface Outcome {
  command: CommandName;
  result: Result;
  dryRun: boolean;
  version?: string;
  /** The repository the hosts pulled (deploy), e.g. registry.example.com/app. */
  image?: string;
  /**
   * The digest every host ran, `sha256:…`: the image is pinned by it, not by the tag (with
   * `registry: none`, the image ID they run).
   */
  digest?: string;
  message: string;
  before: PoolView[];
  after: PoolView[];
  hosts: HostReport[];
  /** Unified diff of the balancer file, when it changed (or would change, in a dry run). */
  balancerDiff?: string;
  balancerUrl: string;
  durationMs: number;
  /** The plan printed by --dry-run: per host the commands that would run. */
  plan?: string[];
  /** For `status`: per host what is running and whether it answers. */
  status?: StatusReport;
}

export interface StatusReport {
  live: PoolName | null;
  candidate: PoolName | null;
  previous: {
    pool: PoolName;
    version: string;
    digest?: string;
    imageId?: string;
    kept?: 'warm' | 'stopped';
    stopAt?: string;
  } | null;
  /** What each pool in use runs: version and the digest its hosts run it by. */
  pools?: {
    pool: PoolName;
    role: 'live' | 'candidate';
    version: string;
    image?: string;
    digest?: string;
    /** registry: none: the image ID its hosts run. */
    imageId?: string;
  }[];
  upstream: { host: string; port: number; weight?: number }[];
  upstreamEditedByHand: boolean;
  /** Every balancer host: its file's sha256 and servers; `drift` when it differs from the first's. */
  balancers?: ({
    host: string;
    sha256: string;
    upstream: { host: string; port: number; weight?: number }[];
    drift: boolean;
  } & BalancerFacts)[];
  /** True when the balancers' files are not all the same. */
  drift?: boolean;
  /** Swarm pools: each pool's service, the image its spec runs, and its tasks. */
  services?: {
    pool: PoolName;
    service: string;
    /** `image@sha256:…` of the service's spec, or undefined when the service does not exist. */
    image?: string;
    version?: string;
    /** Tasks running / nodes labelled for the pool (bluegreen's placement label). */
    running: number;
    placed: number;
  }[];
  hosts: {
    host: string;
    pool: PoolName;
    address: string;
    container: string;
    state: string;
    version: string;
    check: string;
    ok: boolean;
  }[];
}

/** Collects per-host step results as they happen (they run in parallel). */
export class Recorder {
  private readonly byHost = new Map<string, HostReport>();

  record(host: string, pool: PoolName, step: StepRecord): void {
    let r = this.byHost.get(host);
    if (!r) {
      r = { host, pool, steps: [] };
      this.byHost.set(host, r);
    }
    r.steps.push(step);
  }

  get hosts(): HostReport[] {
    return [...this.byHost.values()];
  }
}
