import { hostname } from 'node:os';
import { DeployError, messageOf, UsageError } from '../errors.js';
import { closeContext, openContext, type Context, type EngineOptions } from './context.js';
import type { CommandName, Outcome, PoolView } from './outcome.js';
import { deploy } from './ops/deploy.js';
import { promote } from './ops/promote.js';
import { rollback } from './ops/rollback.js';
import { scale } from './ops/scale.js';
import { status } from './ops/status.js';
import { pruneCommand } from './ops/prune.js';
import type { OpResult } from './ops/types.js';
import { refuseKindChange } from './backend.js';
import { refuseDrift } from './guards.js';
import { hookFacts, hookPlanLine, hooksOf, runPostHooks, runPreHook, type HookFacts } from './hooks.js';
import { emptyState, type DeployState } from './state.js';
import { reconcile } from './switch.js';

export interface CommandArgs {
  command: CommandName;
  version?: string;
  promote?: boolean;
  /** `deploy --steps 10,50,100`: shift traffic gradually (validated by parseSteps). */
  steps?: number[];
  /** Go ahead although the balancers' files differ from each other. */
  force?: boolean;
  /** deploy: run exactly this image digest (`sha256:…`, from prepareImage); no build, no tag lookup. */
  digest?: string;
  /** promote: refuse unless the candidate runs this version (a PR's /promote names its head). */
  expectCandidate?: string;
}

export interface RunResult {
  outcome: Outcome;
  error?: unknown;
}

function views(state: DeployState): PoolView[] {
  const out: PoolView[] = [];
  for (const pool of ['green', 'blue'] as const) {
    const p = state.pools[pool];
    const role = state.live === pool ? 'live' : state.candidate === pool ? 'candidate' : undefined;
    if (p && role) out.push({ pool, version: p.version, hosts: p.hosts.map((h) => h.name), role });
  }
  return out;
}

function operation(ctx: Context, state: DeployState, args: CommandArgs): Promise<OpResult> {
  switch (args.command) {
    case 'deploy':
      return deploy(ctx, state, args.version!, args.promote ?? false, args.steps, args.digest);
    case 'promote':
      return promote(ctx, state);
    case 'rollback':
      return rollback(ctx, state);
    case 'scale':
      return scale(ctx, state);
    case 'status':
      return status(ctx, state);
    case 'prune':
      return pruneCommand(ctx, state);
  }
}

/**
 * Runs one command end to end: connect, lock (for changing commands), read the state,
 * run the operation, record history, unlock, disconnect. Never throws for a failed
 * operation: the error is returned beside an Outcome, so callers can always report.
 * `open` builds the context (the unit tests pass one over fakes).
 */
export async function runCommand(
  opts: EngineOptions,
  args: CommandArgs,
  open: (opts: EngineOptions) => Promise<Context> = openContext,
): Promise<RunResult> {
  const started = Date.now();
  const changes = args.command !== 'status' && !opts.dryRun;
  const base: Outcome = {
    command: args.command,
    result: 'failure',
    dryRun: opts.dryRun ?? false,
    ...(args.version ? { version: args.version } : {}),
    message: '',
    before: [],
    after: [],
    hosts: [],
    balancerUrl: opts.config.balancer.url,
    durationMs: 0,
  };
  let ctx: Context | undefined;
  let locked = false;
  // Set once the command went past its pre_* hooks: post_* hooks then run whatever the result.
  let facts: HookFacts | undefined;
  let pastPreHooks = false;
  const hooks = hooksOf(args.command, args.promote ?? false);
  try {
    ctx = await open(opts);
    if (changes) {
      await ctx.lock.acquire(args.command, opts.config.lock.ttl, opts.config.lock.wait);
      locked = true;
    }
    // Only the commands that change the balancer look at its files first.
    const switches = !['status', 'prune'].includes(args.command);
    // The state, the balancers' files and their workers are read at once (each its own exec,
    // side by side on the connections already open); the decisions below still take them in
    // this order, so a run refused by the state never reports a balancer problem first.
    const reads = {
      state: ctx.store.read(),
      files: switches ? ctx.balancer.readAll() : undefined,
      workers: changes && switches ? ctx.balancer.prepare() : undefined,
    };
    for (const p of [reads.files, reads.workers]) p?.catch(() => undefined);
    const state = await reads.state;
    base.before = views(state);
    refuseKindChange(ctx, state);
    if (args.command === 'promote' && args.expectCandidate !== undefined)
      refuseOtherCandidate(state, args.expectCandidate);
    if (switches) {
      await reads.files;
      await refuseDrift(ctx, args.force ?? false);
    }
    // pre_* hooks run before anything changes; their failure stops the command here.
    facts = hookFacts(ctx, state, args.command, args.version);
    if (facts) for (const name of hooks.pre) await runPreHook(ctx, name, facts, state);
    await reads.workers;
    if (changes && switches) await reconcile(ctx, state);
    pastPreHooks = true;
    const res = await operation(ctx, state, args);
    const hookLines = facts
      ? await runPostHooks(ctx, hooks.post, { ...facts, ...res, result: res.result ?? 'success' }, state)
      : [];
    if (ctx.dryRun && res.plan && facts)
      res.plan = [
        ...hooks.pre.flatMap((n) => hookPlanLine(ctx!, n)),
        ...res.plan,
        ...hooks.post.flatMap((n) => hookPlanLine(ctx!, n)),
      ];
    const outcome: Outcome = {
      ...base,
      result: res.result ?? 'success',
      message: [res.message, ...hookLines].join('\n'),
      ...(res.version ? { version: res.version } : {}),
      ...(res.image ? { image: res.image } : {}),
      ...(res.digest ? { digest: res.digest } : {}),
      after: ctx.dryRun ? base.before : views(state),
      hosts: ctx.recorder.hosts,
      ...(res.diff ? { balancerDiff: res.diff } : {}),
      ...(res.plan ? { plan: res.plan } : {}),
      ...(res.status ? { status: res.status } : {}),
      durationMs: Date.now() - started,
    };
    // The run holds the lock: the state it wrote is the state (no read back). The history
    // entry and the unlock are one exec: the lock goes only once the record is written.
    if (changes) {
      const open = ctx;
      await open.lock.release((unlock) => appendHistory(open, outcome, state, unlock));
      locked = false;
    }
    return { outcome };
  } catch (error) {
    const result = error instanceof DeployError && error.rolledBack ? 'rolled_back' : 'failure';
    const hookLines =
      ctx && facts && pastPreHooks
        ? await runPostHooks(
            ctx,
            hooks.post,
            { ...facts, result, message: messageOf(error) },
            await ctx.store.read().catch(() => emptyState(opts.config.app)),
          )
        : [];
    const outcome: Outcome = {
      ...base,
      result,
      message: [messageOf(error), ...hookLines].join('\n'),
      hosts: ctx?.recorder.hosts ?? [],
      durationMs: Date.now() - started,
    };
    if (ctx && locked) {
      try {
        const state = await ctx.store.read();
        outcome.after = views(state);
        await appendHistory(ctx, outcome);
      } catch {
        // The state could not be read (e.g. the balancer went away); the error above is what matters.
      }
    }
    return { outcome, error };
  } finally {
    if (ctx) {
      if (locked) await ctx.lock.release().catch(() => undefined);
      await closeContext(ctx);
    }
  }
}

/**
 * `/promote` on a pull request promotes that pull request's deploy, nothing else: refuses
 * when the candidate runs another version (or there is none), naming both.
 */
export function refuseOtherCandidate(state: DeployState, expected: string): void {
  const candidate = state.candidate ? state.pools[state.candidate] : null;
  if (!candidate)
    throw new UsageError(`promote refused: there is no candidate; expected ${expected} to be deployed first`);
  if (candidate.version !== expected)
    throw new UsageError(
      `promote refused: the candidate on ${state.candidate} runs ${candidate.version}, not ${expected}; deploy ${expected} first, or promote ${candidate.version} where it was deployed from`,
    );
}

async function appendHistory(
  ctx: Context,
  outcome: Outcome,
  known?: DeployState,
  unlock?: string,
): Promise<void> {
  const state = known ?? (await ctx.store.read());
  const pool = outcome.after.find((v) => v.version === outcome.version)?.pool;
  state.history.push({
    at: new Date().toISOString(),
    by: `${ctx.actor}@${hostname()}`,
    command: outcome.command,
    ...(outcome.version ? { version: outcome.version } : {}),
    ...(pool ? { pool } : {}),
    result: outcome.result,
    message: outcome.message.split('\n')[0]!.slice(0, 300),
  });
  await ctx.store.write(state, unlock);
}
