import { nginx } from '../commands/files.js';
import type { ApplyResult, UpstreamServer } from './driver.js';
import { FileBalancer } from './file-balancer.js';
import { findUpstream, parseServers, replaceUpstream } from './nginx-config.js';

/**
 * nginx: the `upstream NAME { … }` block of balancer.file holds the servers. A reload
 * starts new workers with the new upstream; the old ones finish their requests and exit,
 * and that exit is the drain.
 */
export class NginxDriver extends FileBalancer {
  readonly type = 'nginx';

  protected blockName(): string {
    return `\`upstream ${this.cfg.upstream} { … }\` block`;
  }

  protected hasBlock(text: string): boolean {
    return findUpstream(text, this.cfg.upstream) !== undefined;
  }

  protected workerPidsCommand(): string {
    return nginx.workerPids(this.cfg.pid_file);
  }

  protected noWorkersHint(): string {
    return 'is nginx running? set balancer.pid_file';
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
    const oldWorkers = await this.workerPids();
    await this.writeAndTest(current, next, 'upstream');
    const reloadMs = await this.reloadConfirmed(current, oldWorkers);
    // Old workers exit once their in-flight requests are done: that is the drain.
    const drainMs = await this.drainWorkers(oldWorkers, this.cfg.drain_timeout);
    this.log.info(`balancer ${this.host}: reloaded in ${reloadMs}ms, old workers drained in ${drainMs}ms`);
    return { reloadMs, drainMs };
  }
}
