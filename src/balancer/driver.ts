/** One backend server as every balancer sees it: address, port, and a weight when traffic is shifted. */
export interface UpstreamServer {
  host: string;
  port: number;
  weight?: number;
}

/** One key per address whatever its spelling ([::1] and ::1, letter case): how servers are compared. */
export function addressKey(s: { host: string; port: number }): string {
  return `${s.host.replace(/^\[|\]$/g, '').toLowerCase()}:${s.port}`;
}

/**
 * What the deploy engine needs from a load balancer. A driver knows how to read, render,
 * validate, apply and drain; plan, state, checks, SSH and reporting are shared.
 */
export interface BalancerDriver {
  readonly type: string;
  /**
   * What read() returns, for diffs and messages: balancer.file, or (Caddy) the handler's @id
   * through the admin API. The deploy engine names it and never assumes it is a file.
   */
  readonly source: string;
  /** The balancer's servers' configuration as text, as it is now (a file's text; Caddy: the handler's JSON). */
  read(): Promise<string>;
  /** The servers the balancer currently sends traffic to, per the given file text. */
  servers(text: string): UpstreamServer[];
  /** The file text with the backend replaced by `servers` (pure; throws on a missing block). */
  render(text: string, servers: UpstreamServer[]): string;
  /**
   * Writes `next` (keeping `current` as a backup), validates, reloads, and waits until the
   * old workers are gone, so no request is still in flight to a removed server. On any
   * failure before the reload took effect the previous file is restored.
   */
  apply(current: string, next: string): Promise<ApplyResult>;
}

/** net.ipv4.tcp_migrate_req on a Caddy host: 1 (on), 0 (off), or no such setting (Linux < 5.14). */
export type ListenerMigration = 'on' | 'off' | 'unsupported';

/** What `status` shows about a balancer beside its file. */
export interface BalancerFacts {
  /** Caddy: its admin API as bluegreen reached it through SSH. */
  caddy?: {
    admin: string;
    reachable: boolean;
    version?: string;
    /** The reverse_proxy handler with "@id": balancer.upstream was found. */
    upstreamFound: boolean;
    /** Why not, when not reachable or not found. */
    problem?: string;
    /** The host's net.ipv4.tcp_migrate_req: whether a connection arriving at a config change is safe. */
    listenerMigration?: ListenerMigration;
  };
  /** With balancer.container: the container, whether it runs, and whether it reads balancer.file. */
  container?: {
    name: string;
    running: boolean;
    status: string;
    /** balancer.file's path inside the container (absent: not mounted). */
    inside?: string;
    /** The container sees the same content as the host file (false: a stale single-file mount). */
    sameFile?: boolean;
  };
}

/** One balancer host: a driver bound to one SSH connection. */
export interface HostBalancer extends BalancerDriver {
  /** The host's name, for messages. */
  readonly host: string;
  /** What committing a change does on this balancer, as one --dry-run plan line. */
  describeChange(): string;
  /** Checks the balancer runs and its workers can be found, before a change starts. */
  prepare(): Promise<void>;
  /** What status shows beside the file (the balancer's container, if any). */
  facts(): Promise<BalancerFacts>;
  /**
   * Checks that `next` would be accepted, without applying it: writes it, runs the test
   * command, and writes `current` back (nothing is reloaded). Throws when the test fails.
   */
  validate(current: string, next: string): Promise<void>;
  /** Puts `previous` back and reloads: undoes an `apply` that other balancers could not follow. */
  revert(previous: string): Promise<void>;
}

export interface ApplyResult {
  reloadMs: number;
  drainMs: number;
  /**
   * Connections to the leaving servers still open when balancer.drain_timeout ran out (long
   * streams, slow downloads): the switch went ahead, and they end when the old pool stops.
   */
  undrained: number;
}
