import { spawn } from 'node:child_process';
import type { HookName, PoolName } from '../config/schema.js';
import { DeployError, messageOf } from '../errors.js';
import { withDeadline } from '../util/deadline.js';
import type { Logger } from '../util/log.js';
import type { Context } from './context.js';
import type { Result } from './outcome.js';
import { otherPool, type DeployState } from './state.js';

// Hooks (`hooks: { pre_deploy, post_deploy, pre_promote, post_promote, post_rollback }`):
// commands from the config, run by bluegreen on the machine running it (`sh -c`, in the
// config file's directory), with BLUEGREEN_* variables describing the run. A failing pre_*
// hook stops the command before it changes anything; a failing post_* hook is reported (a
// warning, and a line of the outcome's message) and undoes nothing. A dry run runs none.

/** What a hook is told about the run, as BLUEGREEN_* variables. */
export interface HookFacts {
  command: 'deploy' | 'promote' | 'rollback';
  /** The version the command is about: deployed, promoted, or live after a rollback. */
  version?: string;
  /** The version it replaces: live before (deploy, promote), or taken away (rollback). */
  previousVersion?: string;
  /** The pool the command deploys to, promotes, or makes live again. */
  pool?: PoolName;
  /** That pool's hosts (names). */
  hosts?: string[];
  /** post_* hooks: how the command ended, and its message. */
  result?: Result;
  message?: string;
  image?: string;
  digest?: string;
}

/** Runs one hook's command; resolves when it exits 0, rejects otherwise (with its output's tail). */
export interface HookRunner {
  run(
    name: HookName,
    command: string,
    env: Record<string, string>,
    opts: { cwd: string; timeoutMs: number; signal: AbortSignal; log: Logger },
  ): Promise<void>;
}

/** The run's URL when bluegreen runs in GitHub Actions (the action, or the CLI in a workflow). */
function runUrl(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_ACTIONS !== 'true' || !env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return '';
  return `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

/** The BLUEGREEN_* variables of a hook (every one is set, empty when it does not apply). */
export function hookVariables(
  ctx: Pick<Context, 'config' | 'actor'>,
  name: HookName,
  facts: HookFacts,
  state: DeployState,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  return {
    BLUEGREEN_HOOK: name,
    BLUEGREEN_COMMAND: facts.command,
    BLUEGREEN_APP: ctx.config.app,
    BLUEGREEN_VERSION: facts.version ?? '',
    BLUEGREEN_PREVIOUS_VERSION: facts.previousVersion ?? '',
    BLUEGREEN_POOL: facts.pool ?? '',
    BLUEGREEN_HOSTS: (facts.hosts ?? []).join(','),
    BLUEGREEN_LIVE_POOL: state.live ?? '',
    BLUEGREEN_CANDIDATE_POOL: state.candidate ?? '',
    BLUEGREEN_IMAGE: facts.image ?? ctx.config.image,
    BLUEGREEN_DIGEST: facts.digest ?? '',
    BLUEGREEN_RESULT: facts.result ?? '',
    BLUEGREEN_MESSAGE: (facts.message ?? '').split('\n')[0]!,
    BLUEGREEN_ACTOR: ctx.actor,
    BLUEGREEN_RUN_URL: runUrl(env),
  };
}

/** The --dry-run plan line of a hook, when the config has one. */
export function hookPlanLine(ctx: Context, name: HookName): string[] {
  const command = ctx.config.hooks[name];
  return command ? [`local: hook ${name}: ${command.split('\n')[0]} (not run in a dry run)`] : [];
}

/** Runs a hook when the config has one (and not in a dry run); rejects when it fails. */
async function runConfigured(
  ctx: Context,
  name: HookName,
  facts: HookFacts,
  state: DeployState,
): Promise<void> {
  const command = ctx.config.hooks[name];
  if (!command || ctx.dryRun) return;
  await ctx.log.group(`hook ${name}`, () =>
    ctx.hooks.run(name, command, hookVariables(ctx, name, facts, state), hookOptions(ctx)),
  );
}

/** A pre_* hook: a failure throws a DeployError saying that nothing was changed. */
export async function runPreHook(
  ctx: Context,
  name: 'pre_deploy' | 'pre_promote',
  facts: HookFacts,
  state: DeployState,
): Promise<void> {
  try {
    await runConfigured(ctx, name, facts, state);
  } catch (err) {
    throw new DeployError(
      `hooks.${name} failed: ${messageOf(err)}\nNothing was changed: ${facts.command} stopped before it.`,
    );
  }
}

/**
 * A post_* hook: a failure is logged as a warning and returned as a line for the outcome's
 * message. It undoes nothing.
 */
export async function runPostHook(
  ctx: Context,
  name: 'post_deploy' | 'post_promote' | 'post_rollback',
  facts: HookFacts,
  state: DeployState,
): Promise<string | undefined> {
  try {
    await runConfigured(ctx, name, facts, state);
    return undefined;
  } catch (err) {
    const line = `hooks.${name} failed (nothing was undone): ${messageOf(err)}`;
    ctx.log.warn(line);
    return line;
  }
}

/** The post_* hooks in order; the lines of those that failed. */
export async function runPostHooks(
  ctx: Context,
  names: ('post_deploy' | 'post_promote' | 'post_rollback')[],
  facts: HookFacts,
  state: DeployState,
): Promise<string[]> {
  const lines: string[] = [];
  for (const name of names) {
    const line = await runPostHook(ctx, name, facts, state);
    if (line) lines.push(line);
  }
  return lines;
}

function hookOptions(ctx: Context) {
  return { cwd: ctx.baseDir, timeoutMs: ctx.config.hooks.timeout, signal: ctx.signal, log: ctx.log };
}

/** The real hooks: `sh -c COMMAND` on this machine, output logged line by line. */
export const shellHooks: HookRunner = {
  run(name, command, env, { cwd, timeoutMs, signal, log }) {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', command], {
        cwd,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: a timeout or a cancel ends what the hook started too.
        detached: true,
      });
      const lines: string[] = [];
      const take = (stream: NodeJS.ReadableStream) => {
        let rest = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          const parts = (rest + chunk).split('\n');
          rest = parts.pop()!;
          for (const l of parts) {
            lines.push(l);
            log.info(`${name}: ${l}`);
          }
        });
        stream.on('end', () => {
          if (rest) {
            lines.push(rest);
            log.info(`${name}: ${rest}`);
          }
        });
      };
      take(child.stdout);
      take(child.stderr);
      const deadline = withDeadline({
        timeoutMs,
        setting: 'hooks.timeout',
        signal,
        stop: () => {
          try {
            process.kill(-child.pid!, 'SIGTERM');
          } catch {
            // Gone already.
          }
        },
      });
      child.on('error', (err) => {
        deadline.dispose();
        reject(new Error(`cannot run sh: ${err.message}`));
      });
      child.on('close', (code, sig) => {
        deadline.dispose();
        const stopped = deadline.stopped;
        if (code === 0 && !stopped) return resolve();
        const tail = lines.filter((l) => l.trim() !== '').slice(-5);
        reject(
          new Error(
            `\`${command.split('\n')[0]}\` ${stopped ?? (code !== null ? `exited ${code}` : `was killed (${sig})`)}${tail.length ? `: ${tail.join(' | ')}` : ''}`,
          ),
        );
      });
    });
  },
};

/** The hooks of a command: `deploy --promote` runs the promote hooks too (pre_* first, post_* last). */
export function hooksOf(
  command: string,
  andPromote: boolean,
): { pre: ('pre_deploy' | 'pre_promote')[]; post: ('post_deploy' | 'post_promote' | 'post_rollback')[] } {
  if (command === 'deploy')
    return andPromote
      ? { pre: ['pre_deploy', 'pre_promote'], post: ['post_deploy', 'post_promote'] }
      : { pre: ['pre_deploy'], post: ['post_deploy'] };
  if (command === 'promote') return { pre: ['pre_promote'], post: ['post_promote'] };
  if (command === 'rollback') return { pre: [], post: ['post_rollback'] };
  return { pre: [], post: [] };
}

/**
 * What the hooks of a command are told, from the state before it runs: the version it is
 * about, the one it replaces, and the pool (with its hosts) it deploys to, promotes or
 * makes live again.
 */
export function hookFacts(
  ctx: Pick<Context, 'config'>,
  state: DeployState,
  command: string,
  version?: string,
): HookFacts | undefined {
  const live = state.live ? state.pools[state.live] : null;
  const cand = state.candidate ? state.pools[state.candidate] : null;
  const names = (pool: PoolName) => ctx.config.pools[pool].map((h) => h.name);
  switch (command) {
    case 'deploy': {
      const pool = state.live ? otherPool(state.live) : 'green';
      return {
        command,
        ...(version ? { version } : {}),
        ...(live ? { previousVersion: live.version } : {}),
        pool,
        hosts: names(pool),
      };
    }
    case 'promote':
      return {
        command,
        ...(cand ? { version: cand.version } : {}),
        ...(live ? { previousVersion: live.version } : {}),
        ...(state.candidate && cand ? { pool: state.candidate, hosts: cand.hosts.map((h) => h.name) } : {}),
      };
    case 'rollback':
      // A candidate is taken away (the live pool stays), or the previous version comes back.
      if (cand && state.live && live)
        return {
          command,
          version: live.version,
          previousVersion: cand.version,
          pool: state.live,
          hosts: live.hosts.map((h) => h.name),
        };
      return {
        command,
        ...(state.previous ? { version: state.previous.version, pool: state.previous.pool } : {}),
        ...(state.previous?.hosts ? { hosts: state.previous.hosts.map((h) => h.name) } : {}),
        ...(live ? { previousVersion: live.version } : {}),
      };
    default:
      return undefined;
  }
}
