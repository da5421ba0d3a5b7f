import type { UpstreamServer } from './nginx-config.js';

/**
 * What the deploy engine needs from a load balancer. A driver knows how to read, render,
 * validate, apply and drain; plan, state, checks, SSH and reporting are shared.
 */
export interface BalancerDriver {
  readonly type: string;
  /** The config file as it is now. */
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

export interface ApplyResult {
  reloadMs: number;
  drainMs: number;
}
