import { processes } from '../commands/files.js';
import { nginx, pidDirective } from '../commands/nginx.js';
import type { ApplyResult, UpstreamServer } from './driver.js';
import { FileBalancer, lastLines, type ProcessModel } from './file-balancer.js';
import { findUpstream, parseServers, replaceUpstream } from './nginx-config.js';

/**
 * nginx: the `upstream NAME { … }` block of balancer.file holds the servers. A reload
 * starts new workers with the new upstream; the old ones finish their requests and exit,
 * and that exit is the drain.
 */
export class NginxDriver extends FileBalancer {
  readonly type = 'nginx';

  protected readonly processModel: ProcessModel = {
    hostTest: () => 'nginx -t',
    hostReload: () => 'nginx -s reload',
    hostWorkers: (pidFile) => processes.nginxWorkers(pidFile),
    // The pid directive of the config nginx runs with (a non-default pid path is common).
    defaultPidFile: async () => {
      const dump = await this.conn.exec(nginx.dumpConfig(this.cfg.test), { check: false });
      // nginx -T exits non-zero when the config it would load is broken: say so (the running
      // nginx still serves its old config, and a reload would fail). No nginx on the host
      // (127): the default, and the workers are not found there either — the error says why.
      if (dump.code !== 0 && dump.code !== 127)
        throw this.error(
          `\`${nginx.dumpConfig(this.cfg.test)}\` failed: ${lastLines(dump.stderr)} (fix the config, or set balancer.pid_file)`,
        );
      return pidDirective(dump.stdout) ?? '/run/nginx.pid';
    },
    containerTest: () => ['nginx', '-t'],
    containerSignal: 'HUP',
    workerMatch: 'worker process',
    noWorkersHint: this.cfg.container
      ? `is container ${this.cfg.container} running nginx? \`docker top ${this.cfg.container}\``
      : 'is nginx running? set balancer.pid_file to its pid file',
  };

  protected blockName(): string {
    return `\`upstream ${this.cfg.upstream} { … }\` block`;
  }

  protected hasBlock(text: string): boolean {
    return findUpstream(text, this.cfg.upstream) !== undefined;
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
    // The workers before the reload are read beside the write and test (nginx reads the file
    // only when reloaded); a write or test that fails has put the file back by itself.
    const [workers, written] = await Promise.allSettled([
      this.workerPids(),
      this.writeAndTest(current, next, 'upstream'),
    ]);
    if (written.status === 'rejected') throw written.reason;
    if (workers.status === 'rejected') {
      await this.restore(current);
      throw workers.reason;
    }
    const oldWorkers = workers.value;
    const reloadMs = await this.reloadConfirmed(current, oldWorkers);
    // Old workers exit once their in-flight requests are done: that is the drain.
    const keep = new Set(this.servers(next).map((s) => `${s.host}:${s.port}`));
    const leaving = this.servers(current).filter((s) => !keep.has(`${s.host}:${s.port}`));
    const drain = await this.drainWorkers(oldWorkers, this.cfg.drain_timeout, leaving);
    this.log.info(`balancer ${this.host}: reloaded in ${reloadMs}ms, old workers drained in ${drain.ms}ms`);
    return { reloadMs, drainMs: drain.ms, undrained: drain.undrained };
  }
}
