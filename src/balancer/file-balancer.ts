import type { Config } from '../config/schema.js';
import { files, processes } from '../commands/files.js';
import { DeployError } from '../errors.js';
import type { RemoteShell } from '../ssh/remote.js';
import type { Logger } from '../util/log.js';
import { sleep } from '../util/time.js';
import type { ApplyResult, HostBalancer, UpstreamServer } from './driver.js';

export const RELOAD_CONFIRM_MS = 10_000;
export const POLL_MS = 100;

/**
 * The mechanism every balancer whose backends live in a config file shares: read the
 * file, write it atomically with a backup, run the test command, reload, confirm the
 * reload by new worker PIDs (a rejected config leaves only the old ones), and wait for the
 * old workers to exit. A driver adds what is its own: how to find, parse and render its
 * block, how to list its workers, and (HAProxy) how to drain servers before removing them.
 */
export abstract class FileBalancer implements HostBalancer {
  abstract readonly type: string;
  readonly host: string;
  protected readonly cfg: Config['balancer'];

  constructor(
    protected readonly conn: RemoteShell,
    config: Config,
    protected readonly log: Logger,
  ) {
    this.cfg = config.balancer;
    this.host = conn.target.name;
  }

  /** E.g. "`upstream app_server { … }` block": for messages. */
  protected abstract blockName(): string;
  protected abstract hasBlock(text: string): boolean;
  /** A shell command printing the PIDs of the balancer's workers, one per line. */
  protected abstract workerPidsCommand(): string;
  /** What to tell the user when no worker is found (where to look, what to set). */
  protected abstract noWorkersHint(): string;
  abstract servers(text: string): UpstreamServer[];
  abstract render(text: string, servers: UpstreamServer[]): string;
  abstract apply(current: string, next: string): Promise<ApplyResult>;

  get backupPath(): string {
    return `${this.cfg.file}.bluegreen.bak`;
  }

  async read(): Promise<string> {
    const res = await this.conn.exec(files.read(this.cfg.file), { check: false });
    if (res.code !== 0) {
      throw this.error(`cannot read ${this.cfg.file}: ${res.stderr.trim()} (check balancer.file)`);
    }
    if (!this.hasBlock(res.stdout)) {
      throw this.error(
        `${this.cfg.file} has no ${this.blockName()} (check balancer.upstream and balancer.file)`,
      );
    }
    return res.stdout;
  }

  /** Writes `next`, runs the test, and writes `current` back whatever it said (no reload). */
  async validate(current: string, next: string): Promise<void> {
    await this.conn.exec(files.writeAtomic(this.cfg.file), { stdin: next });
    let res;
    try {
      res = await this.conn.exec(this.cfg.test, { check: false });
    } finally {
      await this.conn.exec(files.writeAtomic(this.cfg.file), { stdin: current });
    }
    if (res.code !== 0) {
      throw this.error(
        `\`${this.cfg.test}\` rejected the new config (file left as it was): ${lastLines(res.stderr || res.stdout)}`,
      );
    }
  }

  async revert(previous: string): Promise<void> {
    await this.apply(await this.read(), previous);
  }

  protected error(message: string): DeployError {
    return new DeployError(`balancer ${this.host}: ${message}`, this.host);
  }

  /**
   * Writes `next` in place (keeping a backup unless `backup: false`) and runs the test;
   * restores `current` if it fails (and reloads it, when the running config was already changed).
   */
  protected async writeAndTest(
    current: string,
    next: string,
    what: string,
    opts: { backup?: boolean; reloadOnFailure?: boolean } = {},
  ): Promise<void> {
    const backup = opts.backup ?? true;
    await this.conn.exec(files.writeAtomic(this.cfg.file, backup ? this.backupPath : undefined), {
      stdin: next,
    });
    const test = await this.conn.exec(this.cfg.test, { check: false });
    if (test.code !== 0) {
      await this.restore(current, opts.reloadOnFailure ?? false);
      throw this.error(
        `\`${this.cfg.test}\` rejected the new ${what}, previous file restored: ${lastLines(test.stderr || test.stdout)}`,
      );
    }
  }

  /**
   * Runs the reload command and waits for a new worker. On failure the previous file is
   * written back (and reloaded, so a half-taken reload is undone) before throwing.
   */
  protected async reloadConfirmed(
    current: string,
    oldWorkers: number[],
    onFailure?: () => Promise<void>,
  ): Promise<number> {
    const started = Date.now();
    const reload = await this.conn.exec(this.cfg.reload, { check: false });
    if (reload.code !== 0) {
      await onFailure?.();
      await this.restore(current, true);
      throw this.error(
        `\`${this.cfg.reload}\` failed, previous file restored: ${lastLines(reload.stderr || reload.stdout)}`,
      );
    }
    // A reload command returns before the reload is done, and may exit 0 although the new
    // config then fails at runtime: only a new worker PID proves the reload took effect.
    if (!(await this.waitForNewWorkers(oldWorkers))) {
      await onFailure?.();
      await this.restore(current, true);
      throw this.error(
        `${this.type} started no new worker within ${RELOAD_CONFIRM_MS / 1000}s after \`${this.cfg.reload}\` (see its error log); previous file restored`,
      );
    }
    return Date.now() - started;
  }

  /** Waits (up to `timeoutMs`) until the old workers have exited, i.e. finished their requests. */
  protected async drainWorkers(oldWorkers: number[], timeoutMs: number): Promise<number> {
    const started = Date.now();
    const left = await this.waitForExit(oldWorkers, timeoutMs);
    if (left.length > 0) {
      throw this.error(
        `old ${this.type} workers ${left.join(', ')} still serving after balancer.drain_timeout (${this.cfg.drain_timeout / 1000}s); nothing was stopped`,
      );
    }
    return Date.now() - started;
  }

  protected async restore(previous: string, reload = false): Promise<void> {
    await this.conn.exec(files.writeAtomic(this.cfg.file), { stdin: previous });
    if (reload) await this.conn.exec(this.cfg.reload, { check: false });
  }

  protected async workerPids(): Promise<number[]> {
    const res = await this.conn.exec(this.workerPidsCommand(), { check: false });
    const pids = pidsIn(res.stdout);
    if (pids.length === 0)
      throw this.error(
        `cannot find ${this.type}'s workers via ${this.cfg.pid_file} (${this.noWorkersHint()})`,
      );
    return pids;
  }

  private async waitForNewWorkers(old: number[]): Promise<boolean> {
    const deadline = Date.now() + RELOAD_CONFIRM_MS;
    while (Date.now() < deadline) {
      const res = await this.conn.exec(this.workerPidsCommand(), { check: false });
      if (pidsIn(res.stdout).some((p) => !old.includes(p))) return true;
      await sleep(POLL_MS);
    }
    return false;
  }

  private async waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const alive = pidsIn((await this.conn.exec(processes.alive(pids), { check: false })).stdout);
      if (alive.length === 0 || Date.now() >= deadline) return alive;
      await sleep(POLL_MS);
    }
  }
}

function pidsIn(text: string): number[] {
  return text
    .split(/\s+/)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

export function lastLines(s: string): string {
  return s.trim().split('\n').slice(-3).join(' | ');
}
