import { posix } from 'node:path';
import type { Config, PoolName } from '../config/schema.js';
import { files } from '../commands/files.js';
import { DeployError } from '../errors.js';
import type { RemoteShell } from '../ssh/remote.js';

// The one state record of an app: which pool is live, which is a candidate, the version
// and hosts of each. It lives on the balancer host next to the balancer's file, so every
// machine that runs bluegreen (a laptop, a CI runner) sees the same truth.

export interface HostRecord {
  name: string;
  host: string;
  port: number;
  address: string;
  /** A Swarm node (its ID): not reached over SSH (host is its address, port 0). */
  node?: string;
}

export interface PoolState {
  version: string;
  /** What the hosts run: the repository, and the digest the tag resolved to (by which they run it). */
  image?: string;
  digest?: string;
  /** registry: none: the image ID the hosts run (streamed from the machine running bluegreen). */
  imageId?: string;
  hosts: HostRecord[];
  since: string;
  /** A Swarm pool: the service that runs it (its hosts are the nodes of its tasks). */
  service?: string;
}

/**
 * What was live before the last promote (or rollback): what `rollback` brings back. Its
 * containers are warm (still running, outside the balancer: a rollback only switches back),
 * or stopped (kept: a rollback starts them again, no pull).
 */
export interface PreviousPool {
  pool: PoolName;
  version: string;
  image?: string;
  digest?: string;
  imageId?: string;
  /** Its hosts as they were (absent in records written before bluegreen kept them). */
  hosts?: HostRecord[];
  /** A Swarm pool: its service. */
  service?: string;
  kept?: 'warm' | 'stopped';
  /** promote.keep_old: DURATION: when the hosts' timers stop the warm containers. */
  stopAt?: string;
}

export interface HistoryEntry {
  at: string;
  by: string;
  command: string;
  version?: string;
  pool?: PoolName;
  result: 'success' | 'failure' | 'rolled_back';
  message: string;
}

export interface DeployState {
  schema: 1;
  app: string;
  live: PoolName | null;
  candidate: PoolName | null;
  pools: Record<PoolName, PoolState | null>;
  /** What was live before the last promote: what `rollback` brings back. */
  previous: PreviousPool | null;
  /** sha256 of the balancer's file bluegreen last wrote, to notice edits made by hand. */
  upstreamSha256: string | null;
  history: HistoryEntry[];
}

export const HISTORY_LIMIT = 30;

export function emptyState(app: string): DeployState {
  return {
    schema: 1,
    app,
    live: null,
    candidate: null,
    pools: { green: null, blue: null },
    previous: null,
    upstreamSha256: null,
    history: [],
  };
}

/** Where the state record lives when balancer.state_dir is not set and there is no balancer.file (Caddy). */
export const DEFAULT_STATE_DIR = '/var/lib/bluegreen';

/**
 * The state record's path on the first balancer (the lock is beside it): balancer.state_file,
 * else bluegreen-APP.state.json in balancer.state_dir, else beside balancer.file, else (a
 * balancer without a file: Caddy) in /var/lib/bluegreen.
 */
export function statePath(config: Config): string {
  const b = config.balancer;
  const dir = b.state_dir ?? (b.file !== undefined ? posix.dirname(b.file) : DEFAULT_STATE_DIR);
  return b.state_file ?? posix.join(dir, `bluegreen-${config.app}.state.json`);
}

export function otherPool(pool: PoolName): PoolName {
  return pool === 'green' ? 'blue' : 'green';
}

/** Where the state record is kept: a file on the first balancer (StateFile), or a test's memory. */
export interface StateStore {
  readonly path: string;
  /** The record, or an empty one when there is none yet. */
  read(): Promise<DeployState>;
  /**
   * Replaces the record (its history trimmed to the last HISTORY_LIMIT entries); then, when
   * the write succeeded, runs `then` (a shell command, e.g. a lock's release) in the same exec.
   */
  write(state: DeployState, then?: string): Promise<void>;
}

/** The record's text as stored: history trimmed (in `state` too), pretty JSON, a final newline. */
export function serializeState(state: DeployState): string {
  state.history = state.history.slice(-HISTORY_LIMIT);
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Parses a stored record (`path` on `host`, for errors); an empty text is an empty record. */
export function parseState(text: string, app: string, path: string, host: string): DeployState {
  if (text.trim() === '') return emptyState(app);
  let parsed: DeployState;
  try {
    parsed = JSON.parse(text) as DeployState;
  } catch {
    throw new DeployError(
      `state record ${path} on ${host} is not valid JSON; the previous one is at ${path}.bak`,
    );
  }
  if (parsed.schema !== 1 || parsed.app !== app) {
    throw new DeployError(
      `state record ${path} belongs to app ${JSON.stringify(parsed.app)} (schema ${parsed.schema}), not ${app}`,
    );
  }
  return parsed;
}

/** The record as a file on a host (the first balancer), written atomically with the previous one as `.bak`. */
export class StateFile implements StateStore {
  constructor(
    private readonly shell: RemoteShell,
    readonly path: string,
    private readonly app: string,
  ) {}

  async read(): Promise<DeployState> {
    const res = await this.shell.exec(files.readIfExists(this.path));
    return parseState(res.stdout, this.app, this.path, this.shell.target.name);
  }

  async write(state: DeployState, then?: string): Promise<void> {
    const write = files.writeAtomic(this.path, `${this.path}.bak`);
    await this.shell.exec(then === undefined ? write : files.writeThen(write, then), {
      stdin: serializeState(state),
    });
  }
}
