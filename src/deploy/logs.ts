import { PassThrough } from 'node:stream';
import { containerName, docker } from '../commands/docker.js';
import type { Config, PoolName } from '../config/schema.js';
import { DeployError, UsageError } from '../errors.js';
import { closeContext, openContext, targetOf, type Context, type EngineOptions } from './context.js';
import type { DeployState, HostRecord } from './state.js';

// `bluegreen logs`: the app's container logs from every host of a pool, each line prefixed
// with its host, interleaved as they arrive (one streaming SSH exec per host). Nothing is
// locked or changed. With -f the execs stay open until bluegreen is stopped (SIGINT/SIGTERM):
// their stdin is closed then, which ends `docker logs -f` on each host.

export const LOG_POOLS = ['live', 'candidate', 'green', 'blue'] as const;
export type LogsPool = (typeof LOG_POOLS)[number];

export interface LogsRequest {
  pool: LogsPool;
  /** docker logs --since: "10m", "2h", an RFC 3339 time … */
  since?: string;
  tail?: number;
  follow: boolean;
}

/** Drivers whose logs `docker logs` reads; any other sends them elsewhere. */
const READABLE_DRIVERS = new Set(['json-file', 'local', 'journald']);

/**
 * Where container.options sends the app's logs when `docker logs` cannot read them (e.g.
 * `--log-driver syslog`): a sentence saying where to look instead; undefined otherwise.
 */
export function logsElsewhere(options: readonly string[]): string | undefined {
  let driver: string | undefined;
  let address: string | undefined;
  options.forEach((o, i) => {
    const next = options[i + 1];
    if (o === '--log-driver' && next) driver = next;
    else if (o.startsWith('--log-driver=')) driver = o.slice('--log-driver='.length);
    const opt =
      o === '--log-opt' ? next : o.startsWith('--log-opt=') ? o.slice('--log-opt='.length) : undefined;
    const m = opt ? /^([a-z]+-address)=(.+)$/.exec(opt) : null;
    if (m) address = m[2];
  });
  if (!driver || READABLE_DRIVERS.has(driver)) return undefined;
  return `container.options sends the app's logs to the ${driver} log driver${address ? ` at ${address}` : ''}: read them there (bluegreen logs reads \`docker logs\` on the hosts, which has only what json-file, local or journald keep)`;
}

/** The pool a request names, its version and its hosts (from the state record). */
export function logsTarget(
  config: Pick<Config, 'app'>,
  state: DeployState,
  pool: LogsPool,
): { pool: PoolName; version: string; hosts: HostRecord[] } {
  const name = pool === 'live' ? state.live : pool === 'candidate' ? state.candidate : pool;
  const record = name ? state.pools[name] : null;
  if (!name || !record || (name !== state.live && name !== state.candidate))
    throw new UsageError(
      `--pool ${pool}: ${name ? `${name} runs nothing of ${config.app} now` : `there is no ${pool} pool now`} (live: ${state.live ?? 'none'}, candidate: ${state.candidate ?? 'none'})`,
    );
  return { pool: name, version: record.version, hosts: record.hosts };
}

/** Splits a stream's chunks into lines; the last partial line is written by `end`. */
function lineWriter(write: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const l of parts) write(l);
    },
    end() {
      if (rest) write(rest);
      rest = '';
    },
  };
}

/**
 * Streams the logs of `req.pool`'s containers from all its hosts at once to `write`, one
 * line at a time as `HOST | line`. Resolves when every host's `docker logs` ended (with -f:
 * after ctx.signal aborts). A host that cannot be read is an error named after it, once the
 * others are done.
 */
export async function streamLogs(
  ctx: Context,
  state: DeployState,
  req: LogsRequest,
  write: (line: string) => void,
): Promise<void> {
  const elsewhere = logsElsewhere(ctx.config.container.options);
  if (elsewhere) throw new UsageError(elsewhere);
  const target = logsTarget(ctx.config, state, req.pool);
  const name = containerName(ctx.config.app, target.version);
  const command = docker.readLogs(name, {
    ...(req.since !== undefined ? { since: req.since } : {}),
    ...(req.tail !== undefined ? { tail: req.tail } : {}),
    follow: req.follow,
  });
  // -f: one stdin for every session, kept open until the run is stopped.
  const stdin = req.follow ? new PassThrough() : undefined;
  const stop = () => stdin?.end();
  if (ctx.signal.aborted) stop();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const width = Math.max(...target.hosts.map((h) => h.name.length));
  try {
    const results = await Promise.allSettled(
      target.hosts.map(async (h) => {
        const prefix = `${h.name.padEnd(width)} | `;
        const out = lineWriter((l) => write(prefix + l));
        const err = lineWriter((l) => write(prefix + l));
        const shell = await ctx.remote.get(targetOf(ctx.config, h));
        const r = await shell.exec(command, {
          check: false,
          ...(stdin ? { stdin } : {}),
          onStdout: (c) => out.push(c),
          onStderr: (c) => err.push(c),
        });
        out.end();
        err.end();
        // A follow stopped by bluegreen ends by a signal to `docker logs`: not a failure.
        if (r.code !== 0 && !(req.follow && ctx.signal.aborted))
          throw new DeployError(`${h.name}: docker logs ${name} exited ${r.code}`, h.name);
      }),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length) throw new DeployError(failed.join('\n'));
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    stop();
  }
}

/** The `logs` command end to end: connect, read the state (no lock), stream, disconnect. */
export async function runLogs(
  opts: EngineOptions,
  req: LogsRequest,
  write: (line: string) => void,
  open: (opts: EngineOptions) => Promise<Context> = openContext,
): Promise<void> {
  // Said before any connection: the hosts have nothing to show.
  const elsewhere = logsElsewhere(opts.config.container.options);
  if (elsewhere) throw new UsageError(elsewhere);
  const ctx = await open(opts);
  try {
    await streamLogs(ctx, await ctx.store.read(), req, write);
  } finally {
    await closeContext(ctx);
  }
}
