import type { Config } from '../config/schema.js';
import { files, nginx } from '../commands/files.js';
import { DeployError } from '../errors.js';
import type { Connection } from '../ssh/connection.js';
import type { Logger } from '../util/log.js';
import { sleep } from '../util/time.js';
import type { ApplyResult, HostBalancer } from './driver.js';
import { findUpstream, parseServers, replaceUpstream, type UpstreamServer } from './nginx-config.js';

const RELOAD_CONFIRM_MS = 10_000;
const POLL_MS = 100;

export class NginxDriver implements HostBalancer {
  readonly type = 'nginx';
  readonly host: string;
  private readonly cfg: Config['balancer'];

  constructor(
    private readonly conn: Connection,
    config: Config,
    private readonly log: Logger,
  ) {
    this.cfg = config.balancer;
    this.host = conn.target.name;
  }

  get backupPath(): string {
    return `${this.cfg.file}.bluegreen.bak`;
  }

  async read(): Promise<string> {
    const res = await this.conn.exec(files.read(this.cfg.file), { check: false });
    if (res.code !== 0) {
      throw new DeployError(
        `balancer ${this.conn.target.name}: cannot read ${this.cfg.file}: ${res.stderr.trim()} (check balancer.file)`,
        this.conn.target.name,
      );
    }
    if (!findUpstream(res.stdout, this.cfg.upstream)) {
      throw new DeployError(
        `balancer ${this.conn.target.name}: ${this.cfg.file} has no \`upstream ${this.cfg.upstream} { … }\` block (check balancer.upstream and balancer.file)`,
        this.conn.target.name,
      );
    }
    return res.stdout;
  }

  servers(text: string): UpstreamServer[] {
    const block = findUpstream(text, this.cfg.upstream);
    return block ? parseServers(block.body) : [];
  }

  render(text: string, servers: UpstreamServer[]): string {
    return replaceUpstream(text, {
      name: this.cfg.upstream,
      servers,
      maxFails: this.cfg.max_fails,
      failTimeoutSeconds: Math.round(this.cfg.fail_timeout / 1000),
    });
  }

  async apply(current: string, next: string): Promise<ApplyResult> {
    const name = this.conn.target.name;
    const oldWorkers = await this.workerPids();
    await this.conn.exec(files.writeAtomic(this.cfg.file, this.backupPath), { stdin: next });

    const test = await this.conn.exec(this.cfg.test, { check: false });
    if (test.code !== 0) {
      await this.restore(current);
      throw new DeployError(
        `balancer ${name}: \`${this.cfg.test}\` rejected the new upstream, previous file restored: ${lastLines(test.stderr || test.stdout)}`,
        name,
      );
    }

    const started = Date.now();
    const reload = await this.conn.exec(this.cfg.reload, { check: false });
    if (reload.code !== 0) {
      await this.restore(current, true);
      throw new DeployError(
        `balancer ${name}: \`${this.cfg.reload}\` failed, previous file restored: ${lastLines(reload.stderr || reload.stdout)}`,
        name,
      );
    }
    // `nginx -s reload` returns before the reload is done, and exits 0 even when the new
    // config fails at runtime: only new worker PIDs prove the reload took effect.
    if (!(await this.waitForNewWorkers(oldWorkers))) {
      await this.restore(current, true);
      throw new DeployError(
        `balancer ${name}: nginx did not start new workers within ${RELOAD_CONFIRM_MS / 1000}s after reload (see nginx's error log); previous file restored`,
        name,
      );
    }
    const reloadMs = Date.now() - started;
    // Old workers exit once their in-flight requests are done: that is the drain.
    const drainStarted = Date.now();
    const left = await this.waitForExit(oldWorkers, this.cfg.drain_timeout);
    if (left.length > 0) {
      throw new DeployError(
        `balancer ${name}: old nginx workers ${left.join(', ')} still serving after ${this.cfg.drain_timeout / 1000}s (balancer.drain_timeout); nothing was stopped`,
        name,
      );
    }
    const drainMs = Date.now() - drainStarted;
    this.log.info(`balancer ${name}: reloaded in ${reloadMs}ms, old workers drained in ${drainMs}ms`);
    return { reloadMs, drainMs };
  }

  async validate(current: string, next: string): Promise<void> {
    await validateInPlace(this.conn, this.cfg.file, this.cfg.test, current, next);
  }

  async revert(previous: string): Promise<void> {
    await this.apply(await this.read(), previous);
  }

  private async restore(previous: string, reload = false): Promise<void> {
    await this.conn.exec(files.writeAtomic(this.cfg.file), { stdin: previous });
    if (reload) await this.conn.exec(this.cfg.reload, { check: false });
  }

  private async workerPids(): Promise<number[]> {
    const res = await this.conn.exec(nginx.workerPids(this.cfg.pid_file), { check: false });
    const pids = res.stdout
      .split('\n')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
    if (res.code !== 0 || pids.length === 0) {
      throw new DeployError(
        `balancer ${this.conn.target.name}: cannot find nginx's workers via ${this.cfg.pid_file} (is nginx running? set balancer.pid_file)`,
        this.conn.target.name,
      );
    }
    return pids;
  }

  private async waitForNewWorkers(old: number[]): Promise<boolean> {
    const deadline = Date.now() + RELOAD_CONFIRM_MS;
    while (Date.now() < deadline) {
      const now = await this.conn.exec(nginx.workerPids(this.cfg.pid_file), { check: false });
      const pids = now.stdout
        .split('\n')
        .map(Number)
        .filter((n) => n > 0);
      if (pids.some((p) => !old.includes(p))) return true;
      await sleep(POLL_MS);
    }
    return false;
  }

  private async waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.conn.exec(nginx.alive(pids), { check: false });
      const alive = res.stdout
        .split('\n')
        .map(Number)
        .filter((n) => n > 0);
      if (alive.length === 0 || Date.now() >= deadline) return alive;
      await sleep(POLL_MS);
    }
  }
}

/**
 * Writes `next`, runs `test`, and writes `current` back whatever the test said (nothing is
 * reloaded in between). Throws with the test's output when it fails.
 */
export async function validateInPlace(
  conn: Connection,
  file: string,
  test: string,
  current: string,
  next: string,
): Promise<void> {
  const name = conn.target.name;
  await conn.exec(files.writeAtomic(file), { stdin: next });
  let res;
  try {
    res = await conn.exec(test, { check: false });
  } finally {
    await conn.exec(files.writeAtomic(file), { stdin: current });
  }
  if (res.code !== 0)
    throw new DeployError(
      `balancer ${name}: \`${test}\` rejected the new config (file left as it was): ${lastLines(res.stderr || res.stdout)}`,
      name,
    );
}

export function lastLines(s: string): string {
  return s.trim().split('\n').slice(-3).join(' | ');
}
