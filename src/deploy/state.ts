import { posix } from 'node:path';
import type { Config, PoolName } from '../config/schema.js';
import { files } from '../commands/files.js';
import { DeployError } from '../errors.js';
import type { Connection } from '../ssh/connection.js';

// The one state record of an app: which pool is live, which is a candidate, the version
// and hosts of each. It lives on the balancer host next to the upstream file, so every
// machine that runs bluegreen (a laptop, a CI runner) sees the same truth.

export interface HostRecord {
  name: string;
  host: string;
  port: number;
  address: string;
}

export interface PoolState {
  version: string;
  hosts: HostRecord[];
  since: string;
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
  previous: { pool: PoolName; version: string } | null;
  /** sha256 of the upstream file bluegreen last wrote, to notice edits made by hand. */
  upstreamSha256: string | null;
  history: HistoryEntry[];
}

const HISTORY_LIMIT = 30;

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

export function statePath(config: Config): string {
  return (
    config.balancer.state_file ??
    posix.join(posix.dirname(config.balancer.file), `bluegreen-${config.app}.state.json`)
  );
}

export { sha256 } from '../util/hash.js';

export function otherPool(pool: PoolName): PoolName {
  return pool === 'green' ? 'blue' : 'green';
}

export class StateStore {
  constructor(
    private readonly conn: Connection,
    readonly path: string,
    private readonly app: string,
  ) {}

  async read(): Promise<DeployState> {
    const res = await this.conn.exec(files.readIfExists(this.path));
    if (res.stdout.trim() === '') return emptyState(this.app);
    let parsed: DeployState;
    try {
      parsed = JSON.parse(res.stdout) as DeployState;
    } catch {
      throw new DeployError(
        `state record ${this.path} on ${this.conn.target.name} is not valid JSON; the previous one is at ${this.path}.bak`,
      );
    }
    if (parsed.schema !== 1 || parsed.app !== this.app) {
      throw new DeployError(
        `state record ${this.path} belongs to app ${JSON.stringify(parsed.app)} (schema ${parsed.schema}), not ${this.app}`,
      );
    }
    return parsed;
  }

  /** Atomic write (temp file + rename) keeping the previous record as `.bak`. */
  async write(state: DeployState): Promise<void> {
    state.history = state.history.slice(-HISTORY_LIMIT);
    await this.conn.exec(files.writeAtomic(this.path, `${this.path}.bak`), {
      stdin: `${JSON.stringify(state, null, 2)}\n`,
    });
  }
}
