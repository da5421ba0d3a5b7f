import { processes } from '../commands/files.js';
import { haproxy } from '../commands/haproxy.js';
import { sleep } from '../util/time.js';
import type { ApplyResult, UpstreamServer } from './driver.js';
import { FileBalancer, lastLines, POLL_MS, type ProcessModel } from './file-balancer.js';
import {
  findBackend,
  parseBackendServers,
  planBackendChange,
  replaceBackend,
  type BackendServer,
} from './haproxy-config.js';

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
export class HaproxyDriver extends FileBalancer {
  readonly type = 'haproxy';

  protected blockName(): string {
    return `\`backend ${this.cfg.upstream}\` section`;
  }

  protected hasBlock(text: string): boolean {
    return findBackend(text, this.cfg.upstream) !== undefined;
  }

  /** Workers are the master's children (old ones included until they finish). */
  protected readonly processModel: ProcessModel = {
    hostTest: (file) => haproxy.check(file),
    hostReload: (pidFile) => haproxy.reload(pidFile),
    hostWorkers: (pidFile) => processes.children(pidFile),
    defaultPidFile: () => Promise.resolve('/run/haproxy.pid'),
    containerTest: (inside) => ['haproxy', '-c', '-f', inside],
    containerSignal: 'USR2',
    noWorkersHint: this.cfg.container
      ? `is container ${this.cfg.container} running HAProxy in master-worker mode (-W)? \`docker top ${this.cfg.container}\``
      : 'is HAProxy running in master-worker mode, -W? set balancer.pid_file',
  };

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

  async apply(current: string, next: string): Promise<ApplyResult> {
    const plan = planBackendChange(current, next, this.cfg.upstream);
    const leaving = plan.leaving;
    const removed = leaving.map((s) => s.name);
    const firstWorkers = await this.workerPids();
    // Draining happens in the running worker, so it must already know the servers that stay:
    // when the change both adds and removes (e.g. a rollback after promote), first load both
    // sets (plan.staged), then drain the leaving ones there, then load the final set.
    let staged = false;
    let stagedText = current;
    if (plan.staged !== undefined) {
      stagedText = plan.staged;
      await this.writeAndTest(current, stagedText, 'backend');
      await this.reloadConfirmed(current, firstWorkers);
      this.log.info(`balancer ${this.host}: new servers loaded beside the leaving ones`);
      staged = true;
    }
    const oldWorkers = staged ? await this.workerPids() : firstWorkers;
    await this.writeAndTest(current, next, 'backend', {
      backup: !staged,
      reloadOnFailure: staged,
      onDisk: stagedText,
    });

    // Drain before the reload that removes them: no new sessions, then wait for scur = 0.
    const drainStarted = Date.now();
    let undrained = 0;
    if (removed.length > 0) {
      try {
        undrained = await this.drain(removed);
      } catch (err) {
        await this.setState(removed, 'ready').catch(() => undefined);
        await this.restore(current, staged);
        throw err;
      }
    }
    const drainMs = Date.now() - drainStarted;
    const reloadMs = await this.reloadConfirmed(current, oldWorkers, () =>
      this.setState(removed, 'ready').catch(() => undefined),
    );
    // Old workers keep their config (and so the removed servers) for the requests they are
    // still finishing, and only the newest worker listens on the admin socket: wait until
    // every worker from before the change is gone, so nothing can reach a removed server.
    // (After a drain that timed out, the sessions it reported keep the old workers: no second wait.)
    const old = undrained
      ? { ms: 0, undrained: 0 }
      : await this.drainWorkers(
          [...new Set([...firstWorkers, ...oldWorkers])],
          Math.max(0, this.cfg.drain_timeout - drainMs),
          leaving,
        );
    this.log.info(
      `balancer ${this.host}: ${removed.length ? `drained ${removed.join(', ')} in ${drainMs}ms, ` : ''}reloaded HAProxy in ${reloadMs}ms, old workers gone in ${old.ms}ms`,
    );
    return { reloadMs, drainMs: drainMs + old.ms, undrained: undrained + old.undrained };
  }

  private async runtimeApi(command: string): Promise<string> {
    const res = await this.conn.exec(haproxy.runtime(this.cfg.admin_socket, command), { check: false });
    if (res.code !== 0) {
      throw this.error(
        `HAProxy runtime API at ${this.cfg.admin_socket} (balancer.admin_socket) failed for \`${command}\`: ${lastLines(res.stderr || res.stdout)}`,
      );
    }
    return res.stdout;
  }

  private async setState(servers: string[], state: 'drain' | 'ready'): Promise<void> {
    for (const s of servers) {
      const out = (await this.runtimeApi(`set server ${this.cfg.upstream}/${s} state ${state}`)).trim();
      if (out !== '') throw this.error(`set server ${s} state ${state}: ${out}`);
    }
  }

  /**
   * Sets the servers to drain and waits until none has a current session; returns the
   * sessions still open when balancer.drain_timeout ran out (the switch goes ahead anyway).
   */
  private async drain(servers: string[]): Promise<number> {
    await this.setState(servers, 'drain');
    const deadline = Date.now() + this.cfg.drain_timeout;
    for (;;) {
      const stat = parseShowStat(await this.runtimeApi('show stat'), this.cfg.upstream);
      const busy = servers.filter((s) => (stat.get(s)?.scur ?? 0) > 0);
      if (busy.length === 0) return 0;
      if (Date.now() >= deadline) {
        const sessions = busy.reduce((n, s) => n + (stat.get(s)?.scur ?? 0), 0);
        this.warnUndrained(sessions, `${busy.join(', ')} still busy`);
        return sessions;
      }
      await sleep(POLL_MS);
    }
  }
}
