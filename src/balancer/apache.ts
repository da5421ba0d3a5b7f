import { apache, pidFileIn } from '../commands/apache.js';
import { container } from '../commands/container.js';
import { processes } from '../commands/files.js';
import { findProxyBlock, parseServers, replaceMembers, type MemberOptions } from './apache-config.js';
import type { ApplyResult, UpstreamServer } from './driver.js';
import { FileBalancer, type ProcessModel } from './file-balancer.js';
import { addressKey } from './haproxy-config.js';

/** Debian's and Red Hat's apachectl both take `-t` and `graceful`. */
const HOST_TEST = 'apachectl -t';
const HOST_RELOAD = 'apachectl graceful';
/** Where Debian's envvars put it, when `-D DUMP_RUN_CFG` names none. */
const DEFAULT_PID_FILE = '/run/apache2/apache2.pid';

/**
 * Apache httpd (mod_proxy_balancer): the BalancerMember lines of the `<Proxy
 * "balancer://NAME">` block in balancer.file are the servers. A graceful restart (`apachectl
 * graceful`, SIGUSR1) makes the parent read the config again and start a new generation of
 * children with the new members; the old children stop accepting, finish the requests they
 * have, and exit. That exit is the drain, as with nginx's old workers.
 *
 * The balancer-manager (mod_status) could set leaving members to drain mode first; it is not
 * used: it needs a handler the user must expose and protect, its changes live in shared memory
 * beside the file, and the graceful restart already sends no new request to a leaving member.
 */
export class ApacheDriver extends FileBalancer {
  readonly type = 'apache';

  protected readonly processModel: ProcessModel = {
    hostTest: () => HOST_TEST,
    hostReload: () => HOST_RELOAD,
    // Apache's children (not a piped logger, which lives on across graceful restarts).
    hostWorkers: (pidFile) => processes.childrenRunningMaster(pidFile),
    defaultPidFile: async () => (await this.dumpedPidFile(['apachectl'])) ?? DEFAULT_PID_FILE,
    // The official image (`httpd`) runs httpd as the container's main process.
    containerTest: () => ['httpd', '-t'],
    containerSignal: 'USR1',
    containerWorkers: (mainPid) => container.workers(mainPid, undefined, true),
    // Apache writes its pid file anew at every generation: the proof that a graceful restart
    // was taken (under load Apache also starts children by itself, so a new PID alone is not).
    generation: async (where) => {
      if ('pidFile' in where) return apache.pidFileStamp(where.pidFile);
      const inside = await this.dumpedPidFile(['docker', 'exec', where.container, 'httpd']);
      if (inside === undefined) {
        this.log.warn(
          `balancer ${this.host}: cannot read Apache's PidFile in container ${where.container} (\`httpd -t -D DUMP_RUN_CFG\`); a reload is confirmed by new child PIDs alone`,
          this.host,
        );
        return undefined;
      }
      return apache.pidFileStamp(`/proc/${where.pid}/root${inside}`);
    },
    noWorkersHint: this.cfg.container
      ? `is container ${this.cfg.container} running httpd? \`docker top ${this.cfg.container}\``
      : 'is Apache running? set balancer.pid_file to its pid file (`apachectl -t -D DUMP_RUN_CFG` shows it)',
  };

  /** The PidFile Apache runs with, from `-t -D DUMP_RUN_CFG` of the test command (or `fallback`). */
  private async dumpedPidFile(fallback: string[]): Promise<string | undefined> {
    const dump = await this.conn.exec(apache.dumpRunConfig(this.cfg.test, fallback), { check: false });
    return pidFileIn(dump.stdout);
  }

  protected blockName(): string {
    return `\`<Proxy "balancer://${this.cfg.upstream}"> … </Proxy>\` block`;
  }

  protected hasBlock(text: string): boolean {
    return findProxyBlock(text, this.cfg.upstream) !== undefined;
  }

  private get memberOptions(): MemberOptions {
    return {
      // nginx's max_fails=0 (never take a server out) is retry=0 here.
      retrySeconds: this.cfg.max_fails === 0 ? 0 : Math.round(this.cfg.fail_timeout / 1000),
      params: Object.entries(this.cfg.member_params ?? {}).map(([k, v]) => [k, String(v)]),
    };
  }

  servers(text: string): UpstreamServer[] {
    return parseServers(text, this.cfg.upstream);
  }

  render(text: string, servers: UpstreamServer[]): string {
    return replaceMembers(text, this.cfg.upstream, servers, this.memberOptions);
  }

  async apply(current: string, next: string): Promise<ApplyResult> {
    const before = await this.workerPids();
    await this.writeAndTest(current, next, 'balancer members');
    // Apache starts and stops children by itself (spare threads): the generation that must
    // drain is every child running right before the reload, so look again just before it.
    const now = await this.workerPids().catch(() => [] as number[]);
    const oldWorkers = [...new Set([...before, ...now])];
    const reloadMs = await this.reloadConfirmed(current, oldWorkers);
    // Old children exit once their in-flight requests are done: that is the drain.
    const keep = new Set(this.servers(next).map(addressKey));
    const leaving = this.servers(current).filter((s) => !keep.has(addressKey(s)));
    const drain = await this.drainWorkers(oldWorkers, this.cfg.drain_timeout, leaving);
    this.log.info(
      `balancer ${this.host}: graceful restart in ${reloadMs}ms, old children drained in ${drain.ms}ms`,
    );
    return { reloadMs, drainMs: drain.ms, undrained: drain.undrained };
  }
}
