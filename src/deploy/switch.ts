import { createTwoFilesPatch } from 'diff';
import type { UpstreamServer } from '../balancer/driver.js';
import { DeployError } from '../errors.js';
import { sha256 } from '../util/hash.js';
import { balancerCheckUrl } from './checks.js';
import type { Context } from './context.js';
import { throwIfCancelled } from './guards.js';
import type { DeployState, HostRecord } from './state.js';

// A change of the balancer's servers: planned (rendered and diffed), committed (applied and
// recorded in the state), verified through the balancer's URL, and reconciled with the
// state record when an interrupted run left them apart.

export function servers(ctx: Context, hosts: HostRecord[]): UpstreamServer[] {
  return hosts.map((h) => ({ host: h.address, port: ctx.config.container.port }));
}

export interface Switch {
  before: string;
  after: string;
  diff: string;
}

/** Renders the balancer's file for `targets` and the unified diff against the file as it is. */
export async function planSwitch(ctx: Context, targets: UpstreamServer[]): Promise<Switch> {
  const before = await ctx.balancer.read();
  const after = ctx.balancer.render(before, targets);
  const source = ctx.balancer.source;
  const diff = before === after ? '' : createTwoFilesPatch(source, source, before, after, 'before', 'after');
  return { before, after, diff };
}

/** What committing a switch does on the balancer, as one --dry-run plan line. */
export function switchPlanLine(ctx: Context): string {
  return ctx.balancer.describeChange();
}

export interface CommitOptions {
  /** The log group the switch runs in. */
  title: string;
  /** The state's new pools for the switched balancer (applied only once the switch took effect). */
  update?: (state: DeployState) => void;
  /**
   * Runs when the switch fails (the state is then unchanged), e.g. to remove the containers
   * that were about to enter; the switch's error is rethrown unless this throws its own.
   */
  onFailure?: (err: unknown) => Promise<void>;
}

/**
 * The one way a balancer change is made: apply it (write, test, reload, wait for the old
 * workers to drain); then update the state, record the sha256 of the file written (to notice
 * hand edits and interrupted runs), and write the state.
 */
export async function commitSwitch(
  ctx: Context,
  state: DeployState,
  change: Switch,
  opts: CommitOptions,
): Promise<void> {
  await ctx.log.group(opts.title, async () => {
    try {
      await applySwitch(ctx, change, state);
    } catch (err) {
      await opts.onFailure?.(err);
      throw err;
    }
  });
  opts.update?.(state);
  state.upstreamSha256 = sha256(change.after);
  await ctx.store.write(state);
}

/**
 * An unchanged file is still reloaded when it is not what bluegreen last applied: a run
 * killed between writing the file and reloading leaves exactly that, and skipping the
 * reload would then stop a pool the balancer still sends traffic to.
 */
async function applySwitch(ctx: Context, change: Switch, state: DeployState): Promise<void> {
  if (change.before === change.after && state.upstreamSha256 === sha256(change.after)) return;
  throwIfCancelled(ctx);
  await ctx.balancer.apply(change.before, change.after);
}

/**
 * Requests through the balancer (each on a fresh connection); every one must pass the
 * checks.
 */
export async function verifyThroughBalancer(ctx: Context, requests: number): Promise<void> {
  const url = balancerCheckUrl(ctx.config);
  // Four at a time: as many fresh connections, over the pools, in a quarter of the time.
  const parallel = 4;
  for (let i = 0; i < requests; i += parallel) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(parallel, requests - i) }, () =>
        ctx.checker.once(url, ctx.config.checks),
      ),
    );
    const failed = batch.find((r) => !r.ok);
    if (failed) throw new DeployError(`verify through the balancer failed: GET ${url}: ${failed.error}`);
  }
  ctx.log.info(`verified ${requests} requests through ${url}`);
}

/**
 * Puts the balancer's servers back in line with the state record before a change: a run
 * killed between reloading the balancer and writing the state (or a hand edit) leaves
 * servers there that the state does not know, and a new deploy must not remove containers
 * that still receive traffic.
 */
export async function reconcile(ctx: Context, state: DeployState): Promise<void> {
  const live = state.live ? state.pools[state.live] : null;
  if (!live) return;
  const cand = state.candidate ? state.pools[state.candidate] : null;
  const expected = servers(ctx, [...live.hosts, ...(cand?.hosts ?? [])]);
  const actual = ctx.balancer.servers(await ctx.balancer.read());
  const key = (s: UpstreamServer) => `${s.host}:${s.port}`;
  const same =
    expected.length === actual.length && expected.every((e) => actual.some((a) => key(a) === key(e)));
  if (same) return;
  ctx.log.warn(
    `the balancer's servers (${actual.map(key).join(', ') || 'none'}) are not what the state record expects (${expected.map(key).join(', ')}): an interrupted run or a hand edit; restoring them first`,
  );
  const change = await planSwitch(ctx, expected);
  await commitSwitch(ctx, state, change, { title: "restore the balancer's servers" });
}
