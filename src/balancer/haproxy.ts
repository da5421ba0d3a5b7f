import type { Config } from '../config/schema.js';
import { files, nginx } from '../commands/files.js';
import { sh } from '../commands/shell.js';
import { DeployError } from '../errors.js';
import type { Connection } from '../ssh/connection.js';
import type { Logger } from '../util/log.js';
import { sleep } from '../util/time.js';
import type { ApplyResult, HostBalancer } from './driver.js';
import { findBackend, parseBackendServers, replaceBackend, type BackendServer } from './haproxy-config.js';
import type { UpstreamServer } from './nginx-config.js';
import { lastLines, validateInPlace } from './nginx.js';

const RELOAD_CONFIRM_MS = 10_000;
const POLL_MS = 100;

/** One command to HAProxy's runtime API (admin socket), as a shell line (Debian's socat). */
export function runtimeCommand(socket: string, command: string): string {
  return `printf '%s\\n' ${sh(command)} | socat -t 5 stdio ${sh(`unix-connect:${socket}`)}`;
}

/** Parses `show stat` CSV: current sessions (scur) and status per server of one backend. */
export function parseShowStat(csv: string, backend: string): Map<string, { scur: number; status: string }> {
  const out = new Map<string, { scur: number; status: string }>();
  const rows = csv.split('\n').filter((l) => l.trim() !== '');
  const header = rows[0]?.replace(/^# /, '').split(',') ?? [];
  const col = (n: string) => header.indexOf(n);
  const [px, sv, scur, status] = [col('pxname'), col('svname'), col('scur'), col('status')];
  if (px < 0 || sv < 0 || scur < 0) return out;
  for (const row of rows.slice(1)) {
    const f = row.split(',');
    if (f[px] !== backend || f[sv] === 'BACKEND' || f[sv] === 'FRONTEND') continue;
    out.set(f[sv]!, { scur: Number(f[scur]), status: f[status] ?? '' });
  }
  return out;
}

/**
 * HAProxy behind the same boundary as nginx: the `backend NAME` section of balancer.file
 * holds the servers. Servers about to be removed are first set to `drain` through the
 * runtime API, and the reload waits until their current sessions (scur) are 0; the reload
 * itself (master-worker mode, listeners handed over) drops no connection.
 */
export class HaproxyDriver implements HostBalancer {
  readonly type = 'haproxy';
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
        `balancer ${this.host}: cannot read ${this.cfg.file}: ${res.stderr.trim()} (check balancer.file)`,
        this.host,
      );
    }
    if (!findBackend(res.stdout, this.cfg.upstream)) {
      throw new DeployError(
        `balancer ${this.host}: ${this.cfg.file} has no \`backend ${this.cfg.upstream}\` section (check balancer.upstream and balancer.file)`,
        this.host,
      );
    }
    return res.stdout;
  }

  private named(text: string): BackendServer[] {
    const section = findBackend(text, this.cfg.upstream);
    return section ? parseBackendServers(text, section) : [];
  }

  servers(text: string): UpstreamServer[] {
    return this.named(text).map(({ host, port, weight }) => ({
      host,
      port,
      ...(weight !== undefined ? { weight } : {}),
    }));
  }

  render(text: string, servers: UpstreamServer[]): string {
    return replaceBackend(text, this.cfg.upstream, servers);
  }

  async validate(current: string, next: string): Promise<void> {
    await validateInPlace(this.conn, this.cfg.file, this.cfg.test, current, next);
  }

  async revert(previous: string): Promise<void> {
    await this.apply(await this.read(), previous);
  }

  async apply(current: string, next: string): Promise<ApplyResult> {
    const name = this.host;
    const keep = new Set(this.named(next).map((s) => s.name));
    const before = this.named(current);
    const removed = before.map((s) => s.name).filter((n) => !keep.has(n));
    const had = new Set(before.map((s) => s.name));
    const adds = this.named(next).some((s) => !had.has(s.name));
    const oldWorkers = await this.workerPids();
    // Draining happens in the running worker, so it must already know the servers that stay:
    // when the change both adds and removes (e.g. a rollback after promote), first load both
    // sets, then drain the leaving ones there, then load the final set.
    let staged = false;
    if (removed.length > 0 && adds) {
      const leaving = before
        .filter((s) => removed.includes(s.name))
        .map(({ host, port }) => ({ host, port }));
      await this.stage(current, this.render(next, [...this.servers(next), ...leaving]));
      staged = true;
    }
    await this.conn.exec(files.writeAtomic(this.cfg.file, staged ? undefined : this.backupPath), {
      stdin: next,
    });
    const test = await this.conn.exec(this.cfg.test, { check: false });
    if (test.code !== 0) {
      await this.restore(current, staged);
      throw new DeployError(
        `balancer ${name}: \`${this.cfg.test}\` rejected the new backend, previous file restored: ${lastLines(test.stderr || test.stdout)}`,
        name,
      );
    }

    // Drain before the reload that removes them: no new sessions, then wait for scur = 0.
    const drainStarted = Date.now();
    if (removed.length > 0) {
      try {
        await this.drain(removed);
      } catch (err) {
        await this.setState(removed, 'ready').catch(() => undefined);
        await this.restore(current, staged);
        throw err;
      }
    }
    const drainMs = Date.now() - drainStarted;

    const started = Date.now();
    const reload = await this.conn.exec(this.cfg.reload, { check: false });
    if (reload.code !== 0) {
      await this.setState(removed, 'ready').catch(() => undefined);
      await this.restore(current, staged);
      throw new DeployError(
        `balancer ${name}: \`${this.cfg.reload}\` failed, previous file restored: ${lastLines(reload.stderr || reload.stdout)}`,
        name,
      );
    }
    // The master re-executes itself and forks a new worker; a rejected config leaves only
    // the old workers. A new worker PID proves the reload took effect.
    if (!(await this.waitForNewWorker(oldWorkers))) {
      await this.restore(current, true);
      throw new DeployError(
        `balancer ${name}: HAProxy did not start a new worker within ${RELOAD_CONFIRM_MS / 1000}s after reload; previous file restored`,
        name,
      );
    }
    const reloadMs = Date.now() - started;
    // Old workers keep their config (and so the removed servers) for the requests they are
    // still finishing, and only the newest worker listens on the admin socket: wait until
    // they are gone too, so nothing can reach a removed server once this returns.
    const oldStarted = Date.now();
    const left = await this.waitForExit(oldWorkers, Math.max(0, this.cfg.drain_timeout - drainMs));
    if (left.length > 0)
      throw new DeployError(
        `balancer ${name}: old HAProxy workers ${left.join(', ')} still serving after balancer.drain_timeout (${this.cfg.drain_timeout / 1000}s); nothing was stopped`,
        name,
      );
    const oldMs = Date.now() - oldStarted;
    this.log.info(
      `balancer ${name}: ${removed.length ? `drained ${removed.join(', ')} in ${drainMs}ms, ` : ''}reloaded HAProxy in ${reloadMs}ms, old workers gone in ${oldMs}ms`,
    );
    return { reloadMs, drainMs: drainMs + oldMs };
  }

  /** Writes, tests and reloads an intermediate file; restores `current` on any failure. */
  private async stage(current: string, text: string): Promise<void> {
    const name = this.host;
    const workers = await this.workerPids();
    await this.conn.exec(files.writeAtomic(this.cfg.file, this.backupPath), { stdin: text });
    const test = await this.conn.exec(this.cfg.test, { check: false });
    if (test.code !== 0) {
      await this.restore(current);
      throw new DeployError(
        `balancer ${name}: \`${this.cfg.test}\` rejected the new backend, previous file restored: ${lastLines(test.stderr || test.stdout)}`,
        name,
      );
    }
    const reload = await this.conn.exec(this.cfg.reload, { check: false });
    if (reload.code !== 0 || !(await this.waitForNewWorker(workers))) {
      await this.restore(current, true);
      throw new DeployError(
        `balancer ${name}: HAProxy did not take the new backend (\`${this.cfg.reload}\`${reload.code !== 0 ? ` exited ${reload.code}: ${lastLines(reload.stderr || reload.stdout)}` : ': no new worker'}); previous file restored`,
        name,
      );
    }
    this.log.info(`balancer ${name}: new servers loaded beside the leaving ones`);
  }

  private async runtime(command: string): Promise<string> {
    const res = await this.conn.exec(runtimeCommand(this.cfg.admin_socket, command), { check: false });
    if (res.code !== 0)
      throw new DeployError(
        `balancer ${this.host}: HAProxy runtime API at ${this.cfg.admin_socket} (balancer.admin_socket) failed for \`${command}\`: ${lastLines(res.stderr || res.stdout)}`,
        this.host,
      );
    return res.stdout;
  }

  private async setState(servers: string[], state: 'drain' | 'ready'): Promise<void> {
    for (const s of servers) {
      const out = (await this.runtime(`set server ${this.cfg.upstream}/${s} state ${state}`)).trim();
      if (out !== '')
        throw new DeployError(`balancer ${this.host}: set server ${s} state ${state}: ${out}`, this.host);
    }
  }

  /** Sets the servers to drain and waits until none has a current session. */
  private async drain(servers: string[]): Promise<void> {
    await this.setState(servers, 'drain');
    const deadline = Date.now() + this.cfg.drain_timeout;
    for (;;) {
      const stat = parseShowStat(await this.runtime('show stat'), this.cfg.upstream);
      const busy = servers.filter((s) => (stat.get(s)?.scur ?? 0) > 0);
      if (busy.length === 0) return;
      if (Date.now() >= deadline)
        throw new DeployError(
          `balancer ${this.host}: ${busy.map((s) => `${s} (${stat.get(s)?.scur} sessions)`).join(', ')} still busy after ${this.cfg.drain_timeout / 1000}s of drain (balancer.drain_timeout); nothing was removed`,
          this.host,
        );
      await sleep(POLL_MS);
    }
  }

  private async restore(previous: string, reload = false): Promise<void> {
    await this.conn.exec(files.writeAtomic(this.cfg.file), { stdin: previous });
    if (reload) await this.conn.exec(this.cfg.reload, { check: false });
  }

  /** The master's children: its workers (old ones included until they finish). */
  private async workerPids(): Promise<number[]> {
    const res = await this.conn.exec(`ps -o pid= --ppid "$(cat ${sh(this.cfg.pid_file)})"`, { check: false });
    const pids = res.stdout
      .split(/\s+/)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
    if (pids.length === 0) {
      throw new DeployError(
        `balancer ${this.host}: cannot find HAProxy's workers via ${this.cfg.pid_file} (is HAProxy running in master-worker mode, -W? set balancer.pid_file)`,
        this.host,
      );
    }
    return pids;
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

  private async waitForNewWorker(old: number[]): Promise<boolean> {
    const deadline = Date.now() + RELOAD_CONFIRM_MS;
    while (Date.now() < deadline) {
      const pids = await this.workerPids().catch(() => [] as number[]);
      if (pids.some((p) => !old.includes(p))) return true;
      await sleep(POLL_MS);
    }
    return false;
  }
}
