import { container } from '../commands/container.js';
import { files, processes } from '../commands/files.js';
import type { Config } from '../config/schema.js';
import { DeployError } from '../errors.js';
import { exitError, type RemoteShell } from '../ssh/remote.js';
import { sha256 } from '../util/hash.js';
import type { Logger } from '../util/log.js';
import { findMount, parseInspect, type ContainerFacts } from './container-facts.js';
import type { ApplyResult, BalancerFacts, HostBalancer, UpstreamServer } from './driver.js';

export const RELOAD_CONFIRM_MS = 10_000;
export const POLL_MS = 100;
/** How often the loops that run on the balancer host look (one exec each, not one per poll). */
const REMOTE_POLL_MS = 50;

/**
 * How one balancer is run on its host, resolved once per run: the commands that test and
 * reload it, the command that lists its workers, and (in a container) the container and
 * where balancer.file appears inside it.
 */
export interface BalancerRuntime {
  /** The test as it runs; `testShown` as the config says it (for messages). */
  test: string;
  testShown: string;
  /** The reload as it runs; `reloadShown` as the config says it (for messages). */
  reload: string;
  reloadShown: string;
  workers: string;
  /** For messages: where the workers were looked for. */
  workersWhere: string;
  /** Prints what changes when the balancer loads a config (see ProcessModel.generation). */
  generation?: string;
  container?: ContainerFacts & { name: string; inside: string };
}

/** What a driver says about its balancer's processes; the mechanism below does the rest. */
export interface ProcessModel {
  /** Host install: default test, reload, and the workers of the master in pidFile. */
  hostTest(file: string): string;
  hostReload(pidFile: string): string;
  hostWorkers(pidFile: string): string;
  /** Where the master's pid file is when balancer.pid_file is not set. */
  defaultPidFile(): Promise<string>;
  /** In a container: the default test's argv inside it (with the file's path inside it). */
  containerTest(insidePath: string): string[];
  /** In a container: the signal that reloads it (the default reload: `docker kill --signal SIGNAL NAME`). */
  containerSignal: string;
  /** Text in a worker's command line (nginx: "worker process"); undefined: every child. */
  workerMatch?: string;
  /** In a container: the command listing the workers, when not container.workers(mainPid, workerMatch). */
  containerWorkers?(mainPid: number): string;
  /**
   * Optional: a command printing something that changes exactly when the balancer loads a
   * config (Apache: its pid file, written anew at every generation), or undefined when it
   * cannot be found. Given, a reload counts as done once that output changed and a new worker
   * appeared: Apache starts children by itself under load, so a new PID alone proves nothing.
   */
  generation?(where: { pidFile: string } | { container: string; pid: number }): Promise<string | undefined>;
  /** What to tell the user when no worker is found. */
  noWorkersHint: string;
}

/**
 * The mechanism every balancer whose backends live in a config file shares: read the
 * file, write it in place with a backup, run the test command, reload, confirm the reload
 * by new worker PIDs (a rejected config leaves only the old ones), and wait for the old
 * workers to exit. A driver adds what is its own: how to find, parse and render its block,
 * how its processes are found (ProcessModel), and (HAProxy) how to drain servers first.
 *
 * The balancer may run on the host or in a Docker container (balancer.container) that has
 * balancer.file bind-mounted; the file is always written in place (same inode), so a
 * single-file bind mount sees the change, and it is what the container sees that is checked.
 */
export abstract class FileBalancer implements HostBalancer {
  abstract readonly type: string;
  readonly host: string;
  protected readonly cfg: Config['balancer'];
  /** balancer.file (required for file balancers by the config's validation). */
  protected readonly file: string;
  private resolved: Promise<BalancerRuntime> | undefined;
  /** The file's text as this run last read or wrote it. */
  private known: string | undefined;

  constructor(
    protected readonly conn: RemoteShell,
    config: Config,
    protected readonly log: Logger,
  ) {
    this.cfg = config.balancer;
    this.host = conn.target.name;
    if (config.balancer.file === undefined)
      throw new Error(`balancer.file is required for balancer.type ${config.balancer.type}`);
    this.file = config.balancer.file;
  }

  get source(): string {
    return this.file;
  }

  describeChange(): string {
    const { test, reload } = this.describeCommands();
    return `balancer: write ${this.file}, \`${test}\`, \`${reload}\``;
  }

  /** E.g. "`upstream app_server { … }` block": for messages. */
  protected abstract blockName(): string;
  protected abstract hasBlock(text: string): boolean;
  protected abstract readonly processModel: ProcessModel;
  abstract servers(text: string): UpstreamServer[];
  abstract render(text: string, servers: UpstreamServer[]): string;
  abstract apply(current: string, next: string): Promise<ApplyResult>;

  get backupPath(): string {
    return `${this.file}.bluegreen.bak`;
  }

  /** Present only while an in-place write is under way (see files.writeInPlace). */
  get journalPath(): string {
    return `${this.file}.bluegreen.writing`;
  }

  /** The test and reload commands as configured, or their defaults (for plans and messages). */
  describeCommands(): { test: string; reload: string } {
    const name = this.cfg.container;
    const m = this.processModel;
    return {
      test:
        this.cfg.test ??
        (name
          ? container.exec(name, ...m.containerTest('<balancer.file inside the container>'))
          : m.hostTest(this.file)),
      reload:
        this.cfg.reload ??
        (name ? container.kill(name, m.containerSignal) : m.hostReload(this.cfg.pid_file ?? '<pid file>')),
    };
  }

  protected runtime(): Promise<BalancerRuntime> {
    this.resolved ??= this.resolveRuntime();
    // A failed resolution (a container not running yet) is tried again next time.
    this.resolved.catch(() => (this.resolved = undefined));
    return this.resolved;
  }

  private async resolveRuntime(): Promise<BalancerRuntime> {
    const m = this.processModel;
    const name = this.cfg.container;
    if (name === undefined) {
      const pidFile = this.cfg.pid_file ?? (await m.defaultPidFile());
      const generation = await m.generation?.({ pidFile });
      const reload = this.cfg.reload ?? m.hostReload(pidFile);
      const test = this.cfg.test ?? m.hostTest(this.file);
      return {
        test,
        testShown: test,
        reload,
        reloadShown: reload,
        workers: m.hostWorkers(pidFile),
        workersWhere: `via ${pidFile}`,
        ...(generation ? { generation } : {}),
      };
    }
    const facts = await this.inspectContainer(name);
    const generation = await m.generation?.({ container: name, pid: facts.pid });
    // The default test and reload, or a balancer.test/reload that says the same, skip the
    // Docker CLI: the test runs in the container's namespaces, the signal goes to its main process.
    const testArgv = m.containerTest(facts.inside);
    const defaultTest = container.exec(name, ...testArgv);
    const testShown = this.cfg.test ?? defaultTest;
    const reloadShown = this.cfg.reload ?? container.kill(name, m.containerSignal);
    const signals =
      this.cfg.reload === undefined || signalsContainer(this.cfg.reload, name, m.containerSignal);
    const sameTest = this.cfg.test === undefined || sameWords(this.cfg.test, defaultTest);
    return {
      test: sameTest ? container.execMain(name, testArgv, facts) : testShown,
      testShown,
      reload: signals ? container.signalMain(name, m.containerSignal, facts) : reloadShown,
      reloadShown,
      workers: m.containerWorkers?.(facts.pid) ?? container.workers(facts.pid, m.workerMatch),
      workersWhere: `in container ${name}`,
      ...(generation ? { generation } : {}),
      container: facts,
    };
  }

  private async inspectContainer(name: string): Promise<ContainerFacts & { name: string; inside: string }> {
    const res = await this.conn.exec(container.inspect(name), { check: false });
    if (res.code !== 0)
      throw this.error(
        `balancer.container: no container named ${name} (\`docker inspect\`: ${lastLines(res.stderr)}); start it, or fix the name`,
      );
    const facts = parseInspect(res.stdout);
    if (!facts.running)
      throw this.error(
        `balancer.container: container ${name} is not running (${facts.status}); start it (docker start ${name}) first`,
      );
    const inside = findMount(facts.mounts, this.file);
    if (inside === undefined)
      throw this.error(
        `balancer.file ${this.file} is not bind-mounted into container ${name} (its mounts: ${facts.mounts.map((mt) => `${mt.source} → ${mt.destination}`).join(', ') || 'none'}); bluegreen writes the host file, so it must be the one the container reads`,
      );
    return { ...facts, name, inside };
  }

  /**
   * Before a change touches any pool host: the balancer runs and bluegreen can find its
   * workers (how it confirms reloads and drains). A wrong container name or pid file is
   * reported here, while nothing has been started yet.
   */
  async prepare(): Promise<void> {
    await this.workerPids();
  }

  /**
   * The file as it is (read once per run, then known: this run holds the lock and every write
   * goes through write() below). An interrupted write is first finished or undone (its
   * journal), in the same SSH exec.
   */
  async read(): Promise<string> {
    if (this.known !== undefined) return this.known;
    const res = await this.conn.exec(
      `{ ${files.recoverInterrupted(this.file, this.backupPath, this.journalPath)}; } >&2; ${files.read(this.file)}`,
      { check: false },
    );
    if (/^restored$/m.test(res.stderr))
      this.log.warn(
        `balancer ${this.host}: an interrupted write of ${this.file} was undone from ${this.backupPath}`,
        this.host,
      );
    else if (/^completed$/m.test(res.stderr))
      this.log.info(`balancer ${this.host}: an interrupted write of ${this.file} had completed`);
    if (res.code !== 0) {
      throw this.error(
        `cannot read ${this.file}: ${res.stderr.replace(/^(restored|completed)$/m, '').trim()} (check balancer.file)`,
      );
    }
    if (!this.hasBlock(res.stdout)) {
      throw this.error(`${this.file} has no ${this.blockName()} (check balancer.upstream and balancer.file)`);
    }
    this.known = res.stdout;
    return res.stdout;
  }

  async facts(): Promise<BalancerFacts> {
    const name = this.cfg.container;
    if (name === undefined) return {};
    const res = await this.conn.exec(container.inspect(name), { check: false });
    if (res.code !== 0) return { container: { name, running: false, status: 'missing' } };
    const facts = parseInspect(res.stdout);
    const inside = findMount(facts.mounts, this.file);
    let sameFile: boolean | undefined;
    if (facts.running && inside !== undefined) {
      const [host, seen] = await Promise.all([
        this.conn.exec(files.read(this.file), { check: false }),
        this.conn.exec(container.readInside(facts.pid, inside), { check: false }),
      ]);
      if (host.code === 0 && seen.code === 0) sameFile = host.stdout === seen.stdout;
    }
    return {
      container: {
        name,
        running: facts.running,
        status: facts.status,
        ...(inside !== undefined ? { inside } : {}),
        ...(sameFile !== undefined ? { sameFile } : {}),
      },
    };
  }

  /**
   * Writes `next` and runs the test (the same one exec as a change: what a container sees is
   * checked before and after), then writes `current` back whatever it said. No reload.
   */
  async validate(current: string, next: string): Promise<void> {
    await this.writeAndTest(current, next, 'config');
    await this.write(current, false);
  }

  async revert(previous: string): Promise<void> {
    await this.apply(await this.read(), previous);
  }

  protected error(message: string): DeployError {
    return new DeployError(`balancer ${this.host}: ${message}`, this.host);
  }

  /**
   * Writes the file in place. `backup: true` first copies the file as it is to backupPath;
   * without it the backup already holds what an interrupted write must go back to (a restore
   * writes back the very text the backup was taken of).
   */
  private async write(text: string, backup: boolean): Promise<void> {
    this.known = undefined;
    await this.conn.exec(
      files.writeInPlace(this.file, backup ? this.backupPath : undefined, this.journalPath, sha256(text)),
      { stdin: text },
    );
    this.known = text;
  }

  private cannotReadInside(c: { name: string; inside: string }, stderr: string): DeployError {
    return this.error(
      `cannot read ${c.inside} as container ${c.name} sees it (${lastLines(stderr)}); bluegreen checks that the container reads balancer.file`,
    );
  }

  private notSeenByContainer(c: { name: string }, when: string): DeployError {
    return this.error(
      `container ${c.name} does not see ${this.file} as it is on the host ${when}: a bind mount of a single file pins the file's inode, and the host file was replaced since the container started (e.g. by an editor). Restart the container (docker restart ${c.name}) so it reads the file again; nothing was changed`,
    );
  }

  /**
   * Writes `next` in place (keeping a backup unless `backup: false`) and runs the test;
   * restores `current` if it fails (and reloads it, when the running config was already changed).
   */
  protected async writeAndTest(
    current: string,
    next: string,
    what: string,
    opts: { backup?: boolean; reloadOnFailure?: boolean; onDisk?: string } = {},
  ): Promise<void> {
    const rt = await this.runtime();
    const c = rt.container;
    // The check of what the container sees, the write, the check again and the test: one exec.
    const script = files.writeAndTest(
      files.writeInPlace(
        this.file,
        (opts.backup ?? true) ? this.backupPath : undefined,
        this.journalPath,
        sha256(next),
      ),
      rt.test,
      c
        ? {
            path: container.pathInside(c.pid, c.inside),
            before: sha256(opts.onDisk ?? current),
            after: sha256(next),
          }
        : undefined,
    );
    const known = this.known;
    this.known = undefined;
    const res = await this.conn.exec(script, { stdin: next, check: false });
    switch (res.code) {
      case 0:
        this.known = next;
        return;
      case 11: // nothing written
        this.known = known;
        throw this.cannotReadInside(c!, res.stderr);
      case 12: // nothing written
        this.known = known;
        throw this.notSeenByContainer(c!, 'before the change');
      case 14:
        await this.restore(current, opts.reloadOnFailure ?? false);
        throw this.notSeenByContainer(c!, 'after writing it');
      case 15:
        await this.restore(current, opts.reloadOnFailure ?? false);
        throw this.error(
          `\`${rt.testShown}\` rejected the new ${what}, previous file restored: ${lastLines(res.stderr)}`,
        );
      default:
        throw exitError(this.conn.target, `write ${this.file}`, res);
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
    const rt = await this.runtime();
    const started = Date.now();
    // A reload command returns before the reload is done, and may exit 0 although the new
    // config then fails at runtime: only a new worker PID proves the reload took effect. The
    // reload and that wait (and the generation marker before it) are one exec on the host.
    const res = await this.conn.exec(
      processes.reloadAndWaitForNewWorkers(
        rt.reload,
        rt.workers,
        oldWorkers,
        Math.ceil(RELOAD_CONFIRM_MS / REMOTE_POLL_MS),
        rt.generation,
      ),
      { check: false },
    );
    if (res.code === 3) {
      await onFailure?.();
      await this.restore(current, true);
      throw this.error(`\`${rt.reloadShown}\` failed, previous file restored: ${lastLines(res.stderr)}`);
    }
    if (res.code !== 0) {
      await onFailure?.();
      await this.restore(current, true);
      throw this.error(
        `${this.type} started no new worker${rt.generation !== undefined ? ' of a new generation' : ''} within ${RELOAD_CONFIRM_MS / 1000}s after \`${rt.reloadShown}\` (see its error log); previous file restored`,
      );
    }
    return Date.now() - started;
  }

  /**
   * Waits (up to `timeoutMs`) until the old workers have exited, i.e. finished their requests:
   * that is the drain. Connections that outlive balancer.drain_timeout (long streams) do not
   * hold the switch back: they are counted, reported, and end when the old pool stops.
   */
  protected async drainWorkers(
    oldWorkers: number[],
    timeoutMs: number,
    leaving: UpstreamServer[],
  ): Promise<{ ms: number; undrained: number }> {
    const started = Date.now();
    const left = await this.waitForExit(oldWorkers, timeoutMs);
    const ms = Date.now() - started;
    if (left.length === 0) return { ms, undrained: 0 };
    const undrained = await this.connectionsTo(leaving);
    this.warnUndrained(undrained, `old ${this.type} workers ${left.join(', ')} still serving`);
    return { ms, undrained: Math.max(0, undrained) };
  }

  /** Established connections from the balancer host to `servers` (-1: cannot tell). */
  protected async connectionsTo(servers: UpstreamServer[]): Promise<number> {
    if (servers.length === 0) return 0;
    const res = await this.conn.exec(processes.connectionsTo(servers), { check: false });
    const n = Number.parseInt(res.stdout.trim(), 10);
    return Number.isInteger(n) ? n : -1;
  }

  protected warnUndrained(count: number, what: string): void {
    this.log.warn(
      `balancer ${this.host}: ${what} after balancer.drain_timeout (${this.cfg.drain_timeout / 1000}s), ${
        count < 0 ? 'with connections' : `${count} connection(s)`
      } to the leaving servers still open: going ahead; they end when the old pool stops (its app gets SIGTERM and container.stop_timeout to finish)`,
      this.host,
    );
  }

  protected async restore(previous: string, reload = false): Promise<void> {
    await this.write(previous, false);
    if (reload) await this.conn.exec((await this.runtime()).reload, { check: false });
  }

  protected async workerPids(): Promise<number[]> {
    const rt = await this.runtime();
    const res = await this.conn.exec(rt.workers, { check: false });
    const pids = pidsIn(res.stdout);
    if (pids.length === 0) {
      const name = this.cfg.container
        ? undefined
        : containerNameIn(`${this.cfg.reload ?? ''} ${this.cfg.test ?? ''}`);
      const hint = name
        ? `${this.type} runs in a container (balancer.test/reload use docker): set balancer.container: ${name}`
        : this.processModel.noWorkersHint;
      throw this.error(`cannot find ${this.type}'s workers ${rt.workersWhere} (${hint})`);
    }
    return pids;
  }

  private async waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
    if (pids.length === 0) return [];
    const res = await this.conn.exec(processes.waitForExit(pids, Math.ceil(timeoutMs / REMOTE_POLL_MS)), {
      check: false,
    });
    return res.code === 0 ? [] : pidsIn(res.stdout);
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

/**
 * Whether `command` is exactly `docker kill -s|--signal SIGNAL NAME` for this container and
 * signal (as README's classic setup writes its reload): then it is sent as container.signalMain.
 */
export function signalsContainer(command: string, name: string, signal: string): boolean {
  const m = /^docker\s+kill\s+(?:-s|--signal)(?:\s+|=)(?:SIG)?([A-Z0-9]+)\s+(\S+)$/.exec(command.trim());
  return m !== null && m[1] === signal && m[2] === name;
}

/** Whether two command lines are the same words (a configured command equal to its default). */
function sameWords(a: string, b: string): boolean {
  return a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');
}

/** The container a `docker exec NAME …` or `docker kill [-s SIG] NAME` command names. */
export function containerNameIn(command: string): string | undefined {
  const m =
    /\bdocker\s+kill\s+(?:(?:-s|--signal)(?:\s+|=)\S+\s+)?([a-zA-Z0-9][\w.-]*)/.exec(command) ??
    /\bdocker\s+exec\s+(?:-\S+\s+)*([a-zA-Z0-9][\w.-]*)/.exec(command);
  return m?.[1];
}
