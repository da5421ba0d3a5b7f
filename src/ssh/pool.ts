import pLimit, { type LimitFunction } from 'p-limit';
import { Connection, type ConnectOptions } from './connection.js';
import { JumpHost } from './jump.js';
import { eachSettled, type RemoteHosts, type SshTarget } from './remote.js';
import { describeEndpoint, type Endpoint, type Route } from './route.js';

export interface PoolOptions extends ConnectOptions {
  /** How each target is reached (setup.ts builds it from the config and ~/.ssh). */
  routes: { route(target: SshTarget): Promise<Route> };
}

/** Something the pool keeps open and replaces once its transport dropped. */
interface Reusable {
  readonly isBroken: boolean;
  close(): void;
}

/**
 * Owns every SSH connection of a run: one per host, opened on first use and reused, one per
 * jump host chain (every host behind a bastion is a channel of the one bastion login), and a
 * bound on how many hosts are worked on at once (p-limit: a tiny, well-tested queue instead
 * of a hand-rolled one).
 */
export class SshPool implements RemoteHosts {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly jumpHosts = new Map<string, Promise<JumpHost>>();
  private readonly settled = new WeakSet<Promise<Reusable>>();
  readonly limit: LimitFunction;

  constructor(
    private readonly options: PoolOptions,
    concurrency: number,
  ) {
    this.limit = pLimit(concurrency);
  }

  get(target: SshTarget): Promise<Connection> {
    return this.reuse(this.connections, `${target.host}:${target.port}`, () => this.connect(target));
  }

  /**
   * Opens every jump host the targets are reached through, and waits: a bastion that cannot
   * be reached, or whose host key is unknown, fails the run before any host is touched.
   */
  async openJumpHosts(targets: readonly SshTarget[]): Promise<void> {
    const routes = await Promise.all(targets.map((t) => this.options.routes.route(t)));
    const chains = new Map(routes.filter((r) => r.jumps.length > 0).map((r) => [chainKey(r.jumps), r.jumps]));
    await Promise.all([...chains.values()].map((c) => this.jumpHost(c)));
  }

  private async connect(target: SshTarget): Promise<Connection> {
    const route = await this.options.routes.route(target);
    if (route.jumps.length === 0) return Connection.open(target, route.target, this.options);
    const jump = await this.jumpHost(route.jumps);
    const sock = await jump.forward(route.target.host, route.target.port);
    return Connection.open(target, route.target, this.options, { sock, via: jump.describe() });
  }

  /** The login on the last hop of `chain`, each hop reached through the one before it. */
  private jumpHost(chain: readonly Endpoint[]): Promise<JumpHost> {
    return this.reuse(this.jumpHosts, chainKey(chain), async () => {
      const before = chain.length > 1 ? await this.jumpHost(chain.slice(0, -1)) : undefined;
      return JumpHost.open(chain.at(-1)!, this.options, before);
    });
  }

  /**
   * The open (or opening) entry under key; a broken one is replaced, and one that failed to
   * open is forgotten (its error is this call's too; the next call tries again).
   */
  private async reuse<T extends Reusable>(
    map: Map<string, Promise<T>>,
    key: string,
    open: () => Promise<T>,
  ): Promise<T> {
    const current = map.get(key);
    if (current) {
      // A connection that dropped (host rebooted, network blip) is replaced, so cleanup
      // after a drop can still reach the host.
      const c = await current;
      if (!c.isBroken) return c;
      if (map.get(key) === current) map.delete(key);
      return this.reuse(map, key, open);
    }
    const opened = open();
    map.set(key, opened);
    opened.then(
      () => this.settled.add(opened),
      () => {
        if (map.get(key) === opened) map.delete(key);
      },
    );
    return opened;
  }

  /** Runs fn for every item, at most `concurrency` at a time; never rejects. */
  each<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
    return eachSettled(this.limit, items, fn);
  }

  /** Closes every connection, then the jump hosts; one still being opened is closed once open, without waiting for it. */
  async closeAll(): Promise<void> {
    const close = async (map: Map<string, Promise<Reusable>>) => {
      const all = [...map.values()];
      map.clear();
      await Promise.all(
        all.map((c) => {
          const closed = c.then((x) => x.close()).catch(() => undefined);
          return this.settled.has(c) ? closed : undefined;
        }),
      );
    };
    await close(this.connections);
    await close(this.jumpHosts);
  }
}

function chainKey(chain: readonly Endpoint[]): string {
  return chain.map(describeEndpoint).join(' > ');
}
