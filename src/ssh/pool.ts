import pLimit, { type LimitFunction } from 'p-limit';
import { Connection, type SshOptions } from './connection.js';
import { eachSettled, type RemoteHosts, type SshTarget } from './remote.js';

/**
 * Owns every SSH connection of a run: one per host, opened on first use and reused,
 * and a bound on how many hosts are worked on at once (p-limit: a tiny, well-tested
 * queue instead of a hand-rolled one).
 */
export class SshPool implements RemoteHosts {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly settled = new WeakSet<Promise<Connection>>();
  readonly limit: LimitFunction;

  constructor(
    private readonly options: SshOptions,
    concurrency: number,
  ) {
    this.limit = pLimit(concurrency);
  }

  async get(target: SshTarget): Promise<Connection> {
    const key = `${target.host}:${target.port}`;
    let conn = this.connections.get(key);
    if (conn) {
      // A connection being opened (or one that failed to open: its error is this call's too;
      // it is forgotten, so the next call tries again).
      const c = await conn;
      // A connection that dropped (host rebooted, network blip) is replaced, so cleanup
      // after a drop can still reach the host.
      if (!c.isBroken) return c;
      this.connections.delete(key);
      conn = undefined;
    }
    conn = Connection.open(target, this.options);
    const opened = conn;
    this.connections.set(key, opened);
    opened.then(
      () => this.settled.add(opened),
      // A failed connection is not cached: the next call tries again.
      () => {
        if (this.connections.get(key) === opened) this.connections.delete(key);
      },
    );
    return opened;
  }

  /** Runs fn for every item, at most `concurrency` at a time; never rejects. */
  each<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
    return eachSettled(this.limit, items, fn);
  }

  /** Closes every connection; one still being opened is closed once open, without waiting for it. */
  async closeAll(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      all.map((c) => {
        const closed = c.then((x) => x.close()).catch(() => undefined);
        return this.settled.has(c) ? closed : undefined;
      }),
    );
  }
}
