import type { LimitFunction } from 'p-limit';
import type { Readable } from 'node:stream';
import { DeployError } from '../errors.js';

// The boundary between the engine and the hosts it works on. The engine (src/deploy,
// src/balancer) sees only these interfaces; src/ssh implements them over SSH, and the unit
// tests with a recording fake (test/fakes/).

export interface SshTarget {
  /** A label for messages (the host's name in the config). */
  name: string;
  host: string;
  port: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /**
   * The command's stdin: a string, or a stream piped in as it comes (an image archive for
   * `docker load`).
   */
  stdin?: string | Readable;
  /** Reject on a non-zero exit code (default true). */
  check?: boolean;
  /** Output as it arrives (`bluegreen logs`); it is still collected into the result. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

/** A shell on one host: runs one command line at a time, built by src/commands. */
export interface RemoteShell {
  readonly target: SshTarget;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
}

/** Every host of a run: one shell per host, and a bound on how many are worked on at once. */
export interface RemoteHosts {
  /** The shell of a host, opened on first use (a dropped one is opened again). */
  get(target: SshTarget): Promise<RemoteShell>;
  /** Runs fn for every item, a bounded number at a time, and settles them all; never rejects. */
  each<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]>;
  closeAll(): Promise<void>;
}

/** `each` over a p-limit queue: what every RemoteHosts shares. */
export function eachSettled<T, R>(
  limit: LimitFunction,
  items: readonly T[],
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  return Promise.all(
    items.map((item) =>
      limit(() => fn(item)).then(
        (value): PromiseSettledResult<R> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseSettledResult<R> => ({ status: 'rejected', reason }),
      ),
    ),
  );
}

/** The error for a command that exited non-zero under `check`: host, command, code and its last lines. */
export function exitError(target: SshTarget, command: string, result: ExecResult): DeployError {
  const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' | ');
  return new DeployError(
    `${target.name}: \`${command.slice(0, 120)}\` exited ${result.code}${detail ? `: ${detail}` : ''}`,
    target.name,
  );
}

/** The error for a command sent over a connection that is gone. */
export function connectionLost(target: SshTarget, why: string): DeployError {
  return new DeployError(`${target.name}: SSH connection lost: ${why}`, target.name);
}
