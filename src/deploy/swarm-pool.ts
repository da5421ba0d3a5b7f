import { randomBytes } from 'node:crypto';
import type { PoolName, SwarmConfig } from '../config/schema.js';
import { withRegistryLogin } from '../commands/docker.js';
import {
  LABEL_RUN,
  LABEL_SPEC,
  placementKey,
  serviceName,
  specHash,
  swarm,
  type ServiceRelease,
  type ServiceSpec,
} from '../commands/swarm.js';
import { DeployError } from '../errors.js';
import { serviceOptions } from '../swarm/options.js';
import {
  digestOf,
  hasLabel,
  isSchedulable,
  parseNodes,
  parseService,
  parseSnapshot,
  parseTasks,
  progressOf,
  taskError,
  type SwarmNode,
  type SwarmService,
  type SwarmTask,
} from '../swarm/model.js';
import type { PoolBackend, StatusRow } from './backend.js';
import { hostUrl } from './checks.js';
import { swarmManager, targetOf, type Context } from './context.js';
import { throwIfCancelled } from './guards.js';
import {
  checkDirectly,
  hostLogin,
  logExcerpt,
  releaseRef,
  stopSeconds,
  timed,
  type Comeback,
  type Release,
} from './pool.js';
import type { HostRecord } from './state.js';

// A pool that is a Docker Swarm service (`APP-POOL`, --mode global, host networking), driven
// on one manager over SSH. Membership is the user's node label (`pools.POOL.swarm.label`);
// where the service's tasks run is bluegreen's own label `bluegreen.APP=POOL` (the service's
// placement constraint). Keeping the two apart is what lets bluegreen take a node out of the
// balancer before Swarm stops its task (scale), and "scale a global service to 0" (there is
// no such thing: its nodes are unplaced and the service with its spec is kept). bluegreen
// watches the tasks itself, bounded by swarm.start_timeout, instead of `--detach=false`:
// it fails on the first task that fails or is rejected, and goes on without a node that
// goes down, rather than waiting while Swarm restarts a failing task.

/** How often the tasks of a start are looked at. */
export const POLL_MS = 500;

/** A node as the state record and the balancer know it: its address, no SSH. */
function recordOfNode(n: SwarmNode): HostRecord {
  return { name: n.hostname, host: n.addr, port: 0, address: n.addr, node: n.id };
}

const ids = (hosts: HostRecord[]) => hosts.map((h) => h.node ?? h.name);

export function swarmBackend(ctx: Context, pool: PoolName, sw: SwarmConfig): PoolBackend {
  const { config } = ctx;
  const app = config.app;
  const service = serviceName(app, pool);
  const label = sw.labels[pool];
  const key = placementKey(app);
  const manager = swarmManager(config, sw.manager);
  const exec = async (command: string, opts: { stdin?: string; check?: boolean } = {}) =>
    (await ctx.remote.get(targetOf(config, manager))).exec(command, opts);
  const spec = (): ServiceSpec => ({
    app,
    pool,
    env: config.container.env,
    options: serviceOptions(config.container.options),
    restart: config.container.restart,
    stopSeconds: stopSeconds(ctx),
  });
  const serviceRelease = (r: Release, run: string): ServiceRelease => ({
    image: releaseRef(r),
    version: r.version,
    ...(r.digest ? { digest: r.digest } : {}),
    run,
  });
  const newRun = () => `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

  const readNodes = async () => parseNodes((await exec(swarm.nodes())).stdout);
  const readTasks = async () => parseTasks((await exec(swarm.tasks(service))).stdout);
  const readService = async (): Promise<SwarmService | undefined> => {
    const r = await exec(swarm.inspect(service), { check: false });
    if (r.code === 0) return parseService(r.stdout);
    if (/no such service/i.test(r.stderr + r.stdout)) return undefined;
    throw new DeployError(
      `${manager.name}: docker service inspect ${service} exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`,
      manager.name,
    );
  };
  /** A command that may pull: logged in for it alone, so --with-registry-auth hands the nodes that login. */
  const withLogin = (command: string) => {
    const login = hostLogin(ctx);
    return login ? { command: withRegistryLogin(login, command), stdin: login.password } : { command };
  };

  const members = async (): Promise<HostRecord[]> => {
    const labelled = (await readNodes()).filter((n) => hasLabel(n, label.key, label.value));
    for (const n of labelled.filter((x) => !isSchedulable(x)))
      ctx.log.warn(
        `${n.hostname} has ${label.key}=${label.value} but is ${n.state}/${n.availability}: Swarm runs nothing there, it is not part of ${pool} now`,
        n.hostname,
      );
    return labelled.filter(isSchedulable).map(recordOfNode);
  };

  /** Takes nodes out of the placement (their tasks stop); a failure is a warning: they serve nothing. */
  const unplace = async (hosts: HostRecord[], step: 'remove' | 'stop') => {
    if (hosts.length === 0) return;
    const started = Date.now();
    try {
      await exec(swarm.unplace(app, ids(hosts)));
      for (const h of hosts) ctx.recorder.record(h.name, pool, { step, ok: true, ms: Date.now() - started });
      ctx.log.info(
        `${service}: ${hosts.map((h) => h.name).join(', ')} unplaced (${key} removed): Swarm stops their tasks`,
      );
    } catch (err) {
      ctx.log.warn(
        `could not unplace ${hosts.map((h) => h.name).join(', ')} (${(err as Error).message}): they are out of the balancer; remove the label ${key} from them by hand`,
        manager.name,
      );
    }
  };

  /**
   * Waits until every node of `hosts` runs a task of `run` (or went down: Swarm runs nothing
   * there), bounded by swarm.start_timeout; fails on the first failed or rejected task.
   */
  type Waited =
    { failed: { host: string; why: string }[] } | { running: { node: SwarmNode; task: SwarmTask }[] };
  const waitForTasks = async (
    hosts: HostRecord[],
    run: string,
    before: Set<string>,
    warm: Set<string>,
  ): Promise<Waited> => {
    const started = ctx.clock.now();
    const deadline = started + sw.start_timeout;
    const seen = new Set<string>(warm);
    for (;;) {
      throwIfCancelled(ctx);
      const snap = parseSnapshot((await exec(swarm.snapshot(service))).stdout, swarm.separator);
      const progress = progressOf(ids(hosts), snap.nodes, snap.tasks, run, before);
      for (const p of progress) {
        if (p.kind !== 'running' || seen.has(p.node.id)) continue;
        seen.add(p.node.id);
        const ms = ctx.clock.now() - started;
        ctx.recorder.record(p.node.hostname, pool, {
          step: 'start',
          ok: true,
          ms,
          detail: p.task.id.slice(0, 12),
        });
        ctx.log.hostStep(p.node.hostname, 'start', true, ms, `task ${p.task.id.slice(0, 12)} running`);
      }
      const failed = progress.flatMap((p) => (p.kind === 'failed' ? [p] : []));
      if (failed.length) {
        const lines = await Promise.all(
          failed.map(async (f) => {
            const logs = await exec(swarm.taskLogs(f.task.id), { check: false }).catch(() => undefined);
            const tail = logs ? logExcerpt(logs.stdout) : '';
            const why = `task ${f.task.id.slice(0, 12)} ${f.task.state}: ${taskError(f.task)}${tail ? `; log: ${tail}` : ''}`;
            ctx.recorder.record(f.node.hostname, pool, {
              step: 'start',
              ok: false,
              ms: ctx.clock.now() - started,
              detail: why,
            });
            ctx.log.hostStep(f.node.hostname, 'start', false, ctx.clock.now() - started, why);
            return { host: f.node.hostname, why };
          }),
        );
        return { failed: lines };
      }
      const waiting = progress.filter((p) => p.kind === 'waiting');
      if (waiting.length === 0) {
        for (const p of progress.filter((x) => x.kind === 'gone'))
          ctx.log.warn(
            `${p.node.hostname} went ${p.node.state === 'ready' ? p.node.availability : p.node.state} during the start: Swarm runs no task there; it stays out of the balancer`,
            p.node.hostname,
          );
        const running = progress.flatMap((p) =>
          p.kind === 'running' ? [{ node: p.node, task: p.task }] : [],
        );
        return { running };
      }
      if (ctx.clock.now() >= deadline) {
        return {
          failed: waiting.map((w) => ({
            host: w.node.hostname,
            why: `no task running after ${Math.round(sw.start_timeout / 1000)}s (swarm.start_timeout)${w.kind === 'waiting' && w.task ? `: task ${w.task.id.slice(0, 12)} ${w.task.state}${w.task.err || w.task.message ? ` (${taskError(w.task)})` : ''}` : ': Swarm has not scheduled one'}`,
          })),
        };
      }
      await ctx.clock.sleep(POLL_MS);
    }
  };

  /** Checks every running task's node directly (checks.retries); the failures, with the task's log. */
  const preflight = async (running: { node: SwarmNode; task: SwarmTask }[]) => {
    const results = await Promise.allSettled(
      running.map(({ node, task }) => {
        // no host prefix: the caller names the node beside the message
        return checkDirectly(
          ctx,
          recordOfNode(node),
          pool,
          {
            label: 'task log',
            read: async () => (await exec(swarm.taskLogs(task.id), { check: false })).stdout,
          },
          '',
        );
      }),
    );
    return results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ host: running[i]!.node.hostname, why: (r.reason as Error).message }] : [],
    );
  };

  /** Fails a start: its nodes unplaced (the service scaled to 0 on them), every failed node named. */
  const fail = async (
    hosts: HostRecord[],
    failed: { host: string; why: string }[],
    what: string,
  ): Promise<never> => {
    ctx.log.warn(`${failed.length} of ${hosts.length} ${pool} node(s) failed; unplacing ${what}`);
    await unplace(hosts, 'remove');
    const lines = failed.map((f) => `${f.host}: ${f.why}`);
    throw new DeployError(
      `${lines.length === 1 ? lines[0] : `${lines.length} nodes failed:\n  ${lines.join('\n  ')}`}\nNothing reached users: the balancer was not changed; service ${service} has no task on ${hosts.length === 1 ? 'that node' : 'those nodes'} now.`,
      failed[0]!.host,
    );
  };

  /** Places `hosts`, waits for their tasks of `run`, preflights them: the nodes that serve. */
  const placeAndCheck = async (
    hosts: HostRecord[],
    run: string,
    before: Set<string>,
    what: string,
    warm = new Set<string>(),
  ) => {
    const placed = new Set((await readNodes()).filter((n) => n.labels[key] === pool).map((n) => n.id));
    const toPlace = hosts.filter((h) => !placed.has(h.node ?? ''));
    if (toPlace.length)
      await timed(
        ctx,
        manager,
        pool,
        'place',
        () => exec(swarm.place(app, pool, ids(toPlace))),
        () => `${key}=${pool} on ${toPlace.length} node(s)`,
      );
    const waited = await waitForTasks(hosts, run, before, warm);
    if ('failed' in waited) return fail(hosts, waited.failed, what);
    if (waited.running.length === 0)
      return fail(hosts, [{ host: service, why: 'no node runs a task' }], what);
    const failed = await preflight(waited.running);
    if (failed.length) return fail(hosts, failed, what);
    return waited.running.map((r) => recordOfNode(r.node));
  };

  /** Makes the service run `release` with a new run id (created, updated or re-created). */
  const applyRelease = async (release: Release, hosts: HostRecord[]) => {
    const current = await readService();
    const run = newRun();
    const rel = serviceRelease(release, run);
    const s = spec();
    const nodes = await readNodes();
    // Nodes placed for this pool that are no longer members (the idle pool serves nothing).
    const stale = nodes
      .filter((n) => n.labels[key] === pool && !hosts.some((h) => h.node === n.id))
      .map(recordOfNode);
    if (stale.length) await unplace(stale, 'remove');
    const before = new Set(current ? (await readTasks()).map((t) => t.id) : []);
    let action: string;
    if (current && current.labels[LABEL_SPEC] !== specHash(s)) {
      // Its fixed flags (env, options, restart …) changed: update cannot replace them all.
      ctx.log.info(
        `${service}: its flags differ from the config (container env, options or restart): re-creating it`,
      );
      await unplace(nodes.filter((n) => n.labels[key] === pool).map(recordOfNode), 'remove');
      await waitUntilIdle();
      await exec(swarm.remove(service));
      action = 're-created';
    } else action = current ? 'updated' : 'created';
    const { command, stdin } = withLogin(
      action === 'updated' ? swarm.update(service, rel) : swarm.create(s, rel),
    );
    await timed(
      ctx,
      manager,
      pool,
      'service',
      () => exec(command, { ...(stdin ? { stdin } : {}) }),
      () => `${service} ${action}: ${rel.image}`,
    );
    return { run, before: action === 're-created' ? new Set<string>() : before };
  };

  /** Waits (bounded) until the service runs no task: a re-created one must not meet its old tasks on a port. */
  const waitUntilIdle = async () => {
    const deadline = ctx.clock.now() + sw.start_timeout;
    while ((await readTasks()).some((t) => t.state === 'running' || t.desired === 'running')) {
      if (ctx.clock.now() >= deadline)
        throw new DeployError(`${service}: its tasks did not stop within swarm.start_timeout`, manager.name);
      await ctx.clock.sleep(POLL_MS);
    }
  };

  const startLines = (hosts: HostRecord[], release: Release) => {
    const rel = serviceRelease(release, 'RUN');
    return [
      `${manager.name}: ${swarm.update(service, rel)}   (or, without ${service}: ${swarm.create(spec(), rel)})`,
      `${manager.name}: ${swarm.place(app, pool, ids(hosts))}`,
      ...hosts.map(
        (h) =>
          `${h.name}: its task running, then GET ${hostUrl(h.address, config.container.port, config.checks.path)} directly`,
      ),
    ];
  };

  return {
    pool,
    service,
    members,
    emptiness: {
      what: `has no ready, active node labelled ${label.key}=${label.value}`,
      fix: `label its nodes (docker node update --label-add ${label.key}=${label.value} NODE)`,
    },

    async start(hosts, release) {
      throwIfCancelled(ctx);
      await exec(swarm.cancelPark(app, pool));
      const { run, before } = await applyRelease(release, hosts);
      return placeAndCheck(hosts, run, before, `${service}'s nodes: it is scaled to 0`);
    },
    startPlan: startLines,

    async extend(hosts, release) {
      const current = await readService();
      const run = current?.containerLabels[LABEL_RUN];
      if (!current || !run || (release.digest && digestOf(current.image) !== release.digest))
        throw new DeployError(
          `${service} does not run ${release.version} (${current ? current.image : 'no such service'}): deploy it first`,
          manager.name,
        );
      const before = new Set((await readTasks()).map((t) => t.id));
      return placeAndCheck(hosts, run, before, 'the new nodes');
    },
    extendPlan: (hosts) => [
      `${manager.name}: ${swarm.place(app, pool, ids(hosts))}`,
      ...hosts.map(
        (h) =>
          `${h.name}: its task running, then GET ${hostUrl(h.address, config.container.port, config.checks.path)} directly`,
      ),
    ],

    remove: (hosts) => unplace(hosts, 'remove'),
    stop: (hosts) => unplace(hosts, 'stop'),
    stopPlan: (hosts) => [`${manager.name}: ${swarm.unplace(app, ids(hosts))}`],
    // A node leaving the pool (its label removed by the user): the same, its task stops.
    leave: (hosts) => unplace(hosts, 'stop'),
    leavePlan: (hosts) => [`${manager.name}: ${swarm.unplace(app, ids(hosts))}`],

    async keepOld(hosts) {
      const keep = config.promote.keep_old;
      if (keep.until === 'next_deploy') return { kept: 'warm' };
      if (keep.ms === 0) {
        await unplace(hosts, 'stop');
        return { kept: 'stopped' };
      }
      const seconds = Math.ceil(keep.ms / 1000);
      await exec(swarm.cancelPark(app, pool));
      await exec(swarm.schedulePark(app, pool, ids(hosts), seconds));
      return { kept: 'warm', stopAt: new Date(Date.now() + seconds * 1000).toISOString() };
    },
    stopKeepingPlan: (hosts) => [`${manager.name}: ${swarm.unplace(app, ids(hosts))}`],

    comebackHosts: () => members(),

    async bringBack(hosts, release) {
      throwIfCancelled(ctx);
      await exec(swarm.cancelPark(app, pool));
      const how: Record<Comeback, number> = { warm: 0, started: 0, pulled: 0 };
      const current = await readService();
      const run = current?.containerLabels[LABEL_RUN];
      if (current && run && release.digest && digestOf(current.image) === release.digest) {
        // The service still runs that version: its running tasks are warm, the others start again.
        const snap = parseSnapshot((await exec(swarm.snapshot(service))).stdout, swarm.separator);
        const progress = progressOf(
          ids(hosts),
          snap.nodes,
          snap.tasks,
          run,
          new Set(snap.tasks.map((t) => t.id)),
        );
        for (const p of progress) {
          if (p.kind !== 'running') continue;
          ctx.recorder.record(p.node.hostname, pool, {
            step: 'warm',
            ok: true,
            ms: 0,
            detail: `${service} task still running`,
          });
          ctx.log.hostStep(p.node.hostname, 'warm', true, 0, `${service} task still running`);
        }
        const warm = new Set(progress.flatMap((p) => (p.kind === 'running' ? [p.node.id] : [])));
        how.warm = warm.size;
        how.started = hosts.length - warm.size;
        const before = new Set(snap.tasks.map((t) => t.id));
        const back = await placeAndCheck(hosts, run, before, 'them again', warm);
        return { hosts: back, how };
      }
      const { run: fresh, before } = await applyRelease(release, hosts);
      how.pulled = hosts.length;
      return { hosts: await placeAndCheck(hosts, fresh, before, `${service}'s nodes`), how };
    },
    bringBackPlan: (hosts, release) => [
      `${manager.name}: ${service} still at ${release.digest ?? release.version} → its running tasks are checked, its other nodes placed again (${key}=${pool}); otherwise:`,
      ...startLines(hosts, release),
    ],
    undoBringBack: async (hosts, _release, how) => {
      if (how.warm !== hosts.length) await unplace(hosts, 'stop');
    },

    async status(recorded, seen) {
      let nodes: SwarmNode[] = [];
      let current: SwarmService | undefined;
      let tasks: SwarmTask[] = [];
      let problem: string | undefined;
      try {
        nodes = await readNodes();
        current = await readService();
        if (current) tasks = await readTasks();
      } catch (err) {
        problem = (err as Error).message;
      }
      const recordedIds = new Set(recorded?.hosts.map((h) => h.node) ?? []);
      const shown = nodes.filter(
        (n) =>
          !seen.has(n.id) &&
          (hasLabel(n, label.key, label.value) || n.labels[key] === pool || recordedIds.has(n.id)),
      );
      for (const n of shown) seen.add(n.id);
      const rows: StatusRow[] = await Promise.all(
        shown.map(async (n) => {
          const task = tasks.find((t) => t.nodeId === n.id && t.desired === 'running');
          const url = hostUrl(n.addr, config.container.port, config.checks.path);
          const check = await ctx.checker.once(url, {
            ...config.checks,
            timeout: Math.min(config.checks.timeout, 2000),
          });
          const placed = n.labels[key] === pool;
          return {
            host: n.hostname,
            pool,
            address: n.addr,
            container: task ? `${service} task ${task.id.slice(0, 12)}` : service,
            state:
              n.state !== 'ready' ? `node ${n.state}` : task ? task.state : placed ? 'no task' : 'not placed',
            version: task?.labels['bluegreen.version'] ?? '-',
            check: check.ok ? `${check.status}` : (check.error ?? 'failed'),
            ok: check.ok,
          };
        }),
      );
      if (problem)
        rows.push({
          host: manager.name,
          pool,
          address: manager.host,
          container: service,
          state: `unreachable: ${problem}`,
          version: '-',
          check: '-',
          ok: false,
        });
      return {
        rows,
        service: {
          pool,
          service,
          ...(current ? { image: current.image } : {}),
          ...(current?.containerLabels['bluegreen.version']
            ? { version: current.containerLabels['bluegreen.version'] }
            : {}),
          running: tasks.filter((t) => t.desired === 'running' && t.state === 'running').length,
          placed: nodes.filter((n) => n.labels[key] === pool).length,
        },
      };
    },
  };
}
