#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  serviceOptions
} from "./chunk-V3I36CO6.js";
import {
  LABEL_APP,
  LABEL_DIGEST,
  LABEL_POOL,
  LABEL_VERSION,
  balancerCheckUrl,
  buildPlan,
  closeContext,
  containerName,
  docker,
  driftOf,
  emptyState,
  hookFacts,
  hookPlanLine,
  hooksOf,
  hostUrl,
  imageRef,
  openContext,
  otherPool,
  parseContainerList,
  pinnedRef,
  recordOf,
  releaseContainerName,
  releaseOf,
  runPostHooks,
  runPreHook,
  sha256,
  swarmManager,
  targetOf,
  withDeadline,
  withRegistryLogin
} from "./chunk-EQ46OQ7U.js";
import {
  sh
} from "./chunk-7KC6R7G7.js";
import {
  DeployError,
  POOLS,
  UsageError,
  messageOf,
  registryOf
} from "./chunk-CEACHMP3.js";

// src/deploy/run.ts
import { hostname } from "node:os";

// src/deploy/guards.ts
function throwIfCancelled(ctx) {
  if (ctx.signal.aborted) throw new DeployError("cancelled (SIGINT/SIGTERM); cleaning up what was started");
}
async function refuseDrift(ctx, force) {
  const all = await ctx.balancer.readAll();
  const drifted = driftOf(all);
  if (drifted.length === 0) return;
  const what = `${drifted.map((f) => f.host).join(", ")} differ${drifted.length === 1 ? "s" : ""} from ${all[0].host} (${ctx.balancer.source}; see \`bluegreen status\`)`;
  if (!force && !ctx.dryRun)
    throw new UsageError(
      `the balancers' files have drifted: ${what}. Make them the same, or pass --force to render the change into each one's own file`
    );
  ctx.log.warn(
    `the balancers' files have drifted: ${what}; ${force ? "going ahead (--force)" : "showing the plan anyway (--dry-run)"}`
  );
}

// src/deploy/pool.ts
function releaseRef(r) {
  if (r.imageId) return r.imageId;
  return r.digest ? pinnedRef(r.image, r.digest) : imageRef(r.image, r.version);
}
function releaseFrom(record, fallbackImage) {
  return {
    version: record.version,
    image: record.image ?? fallbackImage,
    ...record.digest ? { digest: record.digest } : {},
    ...record.imageId ? { imageId: record.imageId } : {}
  };
}
function hostLogin(ctx) {
  const registry = registryOf(ctx.config);
  if (!registry) return void 0;
  const pull = registry.pull_username;
  const username = pull ?? registry.username;
  const password = pull ? ctx.secrets.registryPullPassword : ctx.secrets.registryPassword;
  return username && password ? { server: registry.server, username, password } : void 0;
}
var stopSeconds = (ctx) => Math.ceil(ctx.config.container.stop_timeout / 1e3);
function transferCommand(ctx, release, imageId) {
  const tag = imageRef(release.image, release.version);
  let bytes = 0;
  return {
    step: "transfer",
    unless: docker.hasImage(imageId),
    command: docker.load(imageId, tag),
    stdin: async () => {
      const archive = await ctx.images.archive(imageId);
      bytes = archive.bytes;
      return archive.open();
    },
    shown: `${docker.hasImage(imageId)} || (local: docker save ${imageId} | gzip) | ${docker.load(imageId, tag)}`,
    detail: () => `${(bytes / 1e6).toFixed(1)} MB streamed from this machine`
  };
}
function startCommands(ctx, pool, release) {
  const { config } = ctx;
  const login = hostLogin(ctx);
  const ref = releaseRef(release);
  const name = containerName(config.app, release.version);
  return [
    // No other container of the app may hold the port (what still runs here is outside the
    // balancer: an old pool kept warm); they are stopped and kept, not removed.
    { command: docker.makeRoom(config.app, name, stopSeconds(ctx)) },
    release.imageId ? transferCommand(ctx, release, release.imageId) : {
      step: "pull",
      command: docker.pull(ref, login ? { server: login.server, username: login.username } : void 0),
      ...login ? { stdin: login.password } : {}
    },
    {
      step: "start",
      command: docker.run({
        app: config.app,
        version: release.version,
        pool,
        image: ref,
        ...release.digest ? { digest: release.digest } : {},
        port: config.container.port,
        env: config.container.env,
        options: config.container.options,
        restart: config.container.restart
      }),
      detail: (r) => r.stdout.trim().slice(0, 12)
    }
  ];
}
function stopCommands(ctx, version) {
  const name = containerName(ctx.config.app, version);
  return [{ command: docker.stopIfRunning(name, stopSeconds(ctx)) }, { command: docker.removeIfThere(name) }];
}
function leaveCommands(ctx, version) {
  return [
    { command: docker.stopIfRunning(containerName(ctx.config.app, version), stopSeconds(ctx)) },
    { command: docker.removeAll(ctx.config.app) }
  ];
}
function stopKeepingCommands(ctx, version) {
  return [{ command: docker.stopIfRunning(containerName(ctx.config.app, version), stopSeconds(ctx)) }];
}
function removeCommands(ctx, version) {
  return [{ command: docker.removeIfThere(containerName(ctx.config.app, version)) }];
}
function planLines(hosts, commands) {
  return hosts.flatMap((h) => commands.map((c) => `${h.name}: ${c.shown ?? c.command}`));
}
async function timed(ctx, host, pool, step, fn, detail) {
  const started = Date.now();
  try {
    const value = await fn();
    const ms = Date.now() - started;
    const d = detail?.(value);
    ctx.recorder.record(host.name, pool, { step, ok: true, ms, ...d ? { detail: d } : {} });
    ctx.log.hostStep(host.name, step, true, ms, d);
    return value;
  } catch (err) {
    const ms = Date.now() - started;
    const message = err.message;
    ctx.recorder.record(host.name, pool, { step, ok: false, ms, detail: message });
    ctx.log.hostStep(host.name, step, false, ms, message);
    throw err;
  }
}
async function runCommands(ctx, host, pool, shell, commands) {
  for (const c of commands) {
    throwIfCancelled(ctx);
    if (c.unless !== void 0 && (await shell.exec(c.unless, { check: false })).code === 0) {
      if (c.step)
        await timed(
          ctx,
          host,
          pool,
          c.step,
          () => Promise.resolve(),
          () => "already there"
        );
      continue;
    }
    const run = async () => {
      if (typeof c.stdin !== "function") return shell.exec(c.command, { stdin: c.stdin });
      const stream = await c.stdin();
      stream.on("error", () => void 0);
      try {
        return await shell.exec(c.command, { stdin: stream });
      } finally {
        stream.destroy();
      }
    };
    await (c.step ? timed(ctx, host, pool, c.step, run, c.detail) : run());
  }
}
function checkHost(ctx, host, pool, shell, version) {
  return checkDirectly(ctx, host, pool, {
    label: "container log",
    read: async () => {
      const logs = await shell.exec(docker.logs(containerName(ctx.config.app, version), 5), { check: false });
      return logs.stdout + logs.stderr;
    }
  });
}
async function checkDirectly(ctx, host, pool, log, messagePrefix = `${host.name}: `) {
  const { config } = ctx;
  const url = hostUrl(host.address, config.container.port, config.checks.path);
  return timed(
    ctx,
    host,
    pool,
    "check",
    async () => {
      const r = await ctx.checker.withRetries(url, config.checks, ctx.signal);
      if (r.ok) return r;
      const tail2 = logExcerpt(await log.read().catch(() => ""));
      throw new DeployError(
        `${messagePrefix}check GET ${url} failed after ${r.attempts} attempts: ${r.error}${tail2 ? `; ${log.label}: ${tail2}` : ""}`,
        host.name
      );
    },
    (r) => `${r.status} after ${r.attempts} attempt(s)`
  );
}
async function allOrNothing(ctx, pool, hosts, results, undo) {
  const failures = results.flatMap(
    (r, i) => r.status === "rejected" ? [{ host: hosts[i], reason: r.reason }] : []
  );
  if (failures.length === 0) return;
  ctx.log.warn(
    `${failures.length} of ${hosts.length} ${pool} host(s) failed; ${undo.verb} what was started on all ${hosts.length}`
  );
  const cleanup = undo.run;
  await cleanup();
  const lines = failures.map(
    (f) => f.reason.message.startsWith(f.host.name) ? f.reason.message : `${f.host.name}: ${f.reason.message}`
  );
  throw new DeployError(
    `${failures.length === 1 ? lines[0] : `${failures.length} hosts failed:
  ${lines.join("\n  ")}`}
Nothing reached users: the balancer was not changed.`,
    failures[0].host.name
  );
}
async function startPool(ctx, pool, hosts, release) {
  const commands = startCommands(ctx, pool, release);
  const results = await ctx.remote.each(hosts, async (host) => {
    throwIfCancelled(ctx);
    const shell = await timed(ctx, host, pool, "connect", () => ctx.remote.get(targetOf(ctx.config, host)));
    await runCommands(ctx, host, pool, shell, commands);
    await checkHost(ctx, host, pool, shell, release.version);
  });
  await allOrNothing(ctx, pool, hosts, results, {
    verb: "removing",
    run: () => removeFromPool(ctx, pool, hosts, release.version)
  });
}
async function bringBack(ctx, pool, hosts, release) {
  const name = containerName(ctx.config.app, release.version);
  const how = /* @__PURE__ */ new Map();
  const results = await ctx.remote.each(hosts, async (host) => {
    throwIfCancelled(ctx);
    const shell = await timed(ctx, host, pool, "connect", () => ctx.remote.get(targetOf(ctx.config, host)));
    const state = (await shell.exec(docker.cancelStopsAndStateOf(ctx.config.app, name), { check: false })).stdout.trim();
    if (state === "running") {
      how.set(host.name, "warm");
      await timed(
        ctx,
        host,
        pool,
        "warm",
        () => Promise.resolve(),
        () => `${name} still running`
      );
    } else if (state === "exited" || state === "created") {
      how.set(host.name, "started");
      await runCommands(ctx, host, pool, shell, [
        { command: docker.stopRunning(ctx.config.app, stopSeconds(ctx)) },
        { step: "start", command: docker.start(name), detail: () => `docker start ${name} (no pull)` }
      ]);
    } else {
      how.set(host.name, "pulled");
      await runCommands(ctx, host, pool, shell, startCommands(ctx, pool, release));
    }
    await checkHost(ctx, host, pool, shell, release.version);
  });
  await allOrNothing(ctx, pool, hosts, results, {
    verb: "stopping (and keeping)",
    run: () => retire(
      ctx,
      pool,
      hosts.filter((h) => how.get(h.name) !== "warm"),
      "stop",
      stopKeepingCommands(ctx, release.version)
    )
  });
  const counts = { warm: 0, started: 0, pulled: 0 };
  for (const h of how.values()) counts[h]++;
  return counts;
}
function logExcerpt(log) {
  const lines = log.split("\n").map((l) => l.trim()).filter(Boolean);
  const error = lines.filter((l) => /error|exception|fatal/i.test(l)).slice(-2);
  return (error.length ? error : lines.slice(-3)).join(" | ").slice(0, 300);
}
function removeFromPool(ctx, pool, hosts, version) {
  return retire(ctx, pool, hosts, "remove", removeCommands(ctx, version));
}
function stopPool(ctx, pool, hosts, version) {
  return retire(ctx, pool, hosts, "stop", stopCommands(ctx, version));
}
function leavePool(ctx, pool, hosts, version) {
  return retire(ctx, pool, hosts, "stop", leaveCommands(ctx, version));
}
async function keepOld(ctx, pool, hosts, version) {
  const keep = ctx.config.promote.keep_old;
  if (keep.until === "next_deploy") return { kept: "warm" };
  if (keep.ms === 0) {
    await retire(ctx, pool, hosts, "stop", stopKeepingCommands(ctx, version));
    return { kept: "stopped" };
  }
  const seconds = Math.ceil(keep.ms / 1e3);
  const name = containerName(ctx.config.app, version);
  await retire(ctx, pool, hosts, "timer", [
    { command: docker.cancelScheduledStops(ctx.config.app) },
    { command: docker.scheduleStop(ctx.config.app, name, seconds, stopSeconds(ctx)) }
  ]);
  return { kept: "warm", stopAt: new Date(Date.now() + seconds * 1e3).toISOString() };
}
async function retire(ctx, pool, hosts, step, commands) {
  const results = await ctx.remote.each(hosts, async (host) => {
    const shell = await ctx.remote.get(targetOf(ctx.config, host));
    await timed(ctx, host, pool, step, async () => {
      for (const c of commands) await shell.exec(c.command);
    });
  });
  results.forEach((r, i) => {
    if (r.status === "rejected") {
      ctx.log.warn(
        `could not ${step} the container on ${hosts[i].name}: ${r.reason.message}; it is out of the balancer, remove it by hand`,
        hosts[i].name
      );
    }
  });
}

// src/deploy/swarm-pool.ts
import { randomBytes } from "node:crypto";

// src/commands/swarm.ts
var LABEL_RUN = "bluegreen.run";
var LABEL_SPEC = "bluegreen.spec";
var PARK_MARKER = "bluegreen-park";
function serviceName(app, pool) {
  return `${app}-${pool}`;
}
function placementKey(app) {
  return `bluegreen.${app}`;
}
var RESTART = {
  no: "none",
  always: "any",
  "unless-stopped": "any",
  "on-failure": "on-failure"
};
function fixedFlags(spec) {
  const argv = [
    "--mode",
    "global",
    "--constraint",
    `node.labels.${placementKey(spec.app)}==${spec.pool}`,
    "--network",
    "host",
    "--label",
    `${LABEL_APP}=${spec.app}`,
    "--label",
    `${LABEL_POOL}=${spec.pool}`,
    "--container-label",
    `${LABEL_APP}=${spec.app}`,
    "--container-label",
    `${LABEL_POOL}=${spec.pool}`,
    "--restart-condition",
    RESTART[spec.restart] ?? "any",
    "--stop-grace-period",
    `${spec.stopSeconds}s`,
    // The idle pool has no traffic: its old tasks stop, then every node starts the new one.
    "--update-order",
    "stop-first",
    "--update-parallelism",
    "0"
  ];
  for (const [k, v] of Object.entries(spec.env)) argv.push("--env", `${k}=${v}`);
  return [...argv, ...spec.options];
}
function specHash(spec) {
  return sha256(sh(...fixedFlags(spec))).slice(0, 16);
}
function releaseLabels(r, flag) {
  return [
    flag,
    `${LABEL_VERSION}=${r.version}`,
    ...r.digest ? [flag, `${LABEL_DIGEST}=${r.digest}`] : [],
    flag,
    `${LABEL_RUN}=${r.run}`
  ];
}
function onNodes(nodes, flags) {
  const each = nodes.map((n) => `${sh("docker", "node", "update", ...flags, n)} >/dev/null & p="$p $!"`);
  return [`p=`, ...each, "rc=0", 'for x in $p; do wait "$x" || rc=1; done', "exit $rc"].join("; ");
}
var SNAPSHOT_SEPARATOR = "--- tasks ---";
var swarm = {
  /** Every node of the swarm as JSON, one line each. */
  nodes: () => `ids=$(docker node ls -q) && docker node inspect --format '{{json .}}' $ids`,
  /** Every task of `service` (its history included) as JSON, one line each. */
  tasks: (service) => `ids=$(${sh("docker", "service", "ps", "-q", "--no-trunc", service)}) && { [ -z "$ids" ] || docker inspect --type task --format '{{json .}}' $ids; }`,
  /** Nodes, a separator line, then the service's tasks: one look at a start in progress. */
  snapshot: (service) => `${swarm.nodes()} && echo ${sh(SNAPSHOT_SEPARATOR)} && ${swarm.tasks(service)}`,
  separator: SNAPSHOT_SEPARATOR,
  /** The service as JSON; exits 1 with "no such service" on stderr when it does not exist. */
  inspect: (service) => sh("docker", "service", "inspect", "--format", "{{json .}}", service),
  /** Creates the pool's service (detached: bluegreen watches the tasks itself, bounded). */
  create: (spec, release) => sh(
    "docker",
    "service",
    "create",
    "--detach",
    "--quiet",
    "--with-registry-auth",
    "--name",
    serviceName(spec.app, spec.pool),
    ...fixedFlags(spec),
    "--label",
    `${LABEL_SPEC}=${specHash(spec)}`,
    ...releaseLabels(release, "--container-label"),
    release.image
  ),
  /** Points an existing service (same fixed flags) at another release: its tasks are replaced, stop-first. */
  update: (service, release) => sh(
    "docker",
    "service",
    "update",
    "--detach",
    "--quiet",
    "--with-registry-auth",
    "--image",
    release.image,
    ...releaseLabels(release, "--container-label-add"),
    service
  ),
  remove: (service) => sh("docker", "service", "rm", service),
  /** Places the pool's tasks on `nodes` (Swarm starts one on each). */
  place: (app, pool, nodes) => onNodes(nodes, ["--label-add", `${placementKey(app)}=${pool}`]),
  /** Takes `nodes` out of the placement: Swarm stops their tasks (SIGTERM, then the grace period). */
  unplace: (app, nodes) => onNodes(nodes, ["--label-rm", placementKey(app)]),
  /** The last lines a task logged (its error, for a task that failed to start). */
  taskLogs: (task, lines = 5) => `${sh("docker", "service", "logs", "--raw", "--tail", String(lines), task)} 2>&1`,
  /**
   * Unplaces `nodes` after `seconds`, detached from this SSH session (promote.keep_old:
   * DURATION), marked with PARK_MARKER, the app and the pool so a later run cancels it.
   */
  schedulePark: (app, pool, nodes, seconds) => {
    const script = `: ${PARK_MARKER} ${app} ${pool}; sleep ${seconds}; ${swarm.unplace(app, nodes)}`;
    return `(nohup sh -c ${sh(script)} >/dev/null 2>&1 </dev/null &)`;
  },
  /** Cancels the park timer of the pool. */
  cancelPark: (app, pool) => `pkill -f ${sh(`^sh -c : ${PARK_MARKER} ${app.replace(/[.]/g, "\\.")} ${pool};`)} 2>/dev/null; true`
};

// src/swarm/model.ts
var obj = (v) => v && typeof v === "object" ? v : {};
var str = (v) => typeof v === "string" ? v : "";
var strings = (v) => Object.fromEntries(Object.entries(obj(v)).filter((e) => typeof e[1] === "string"));
function jsonLines(stdout, what) {
  return stdout.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("{")).map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      throw new Error(`cannot read the ${what} the manager printed: ${l.slice(0, 80)}`);
    }
  });
}
function parseNodes(stdout) {
  return jsonLines(stdout, "nodes").map((n) => {
    const spec = obj(n.Spec);
    const status2 = obj(n.Status);
    const manager = obj(n.ManagerStatus);
    let addr = str(status2.Addr);
    if ((addr === "" || addr === "0.0.0.0") && str(manager.Addr))
      addr = str(manager.Addr).replace(/:\d+$/, "");
    return {
      id: str(n.ID),
      hostname: str(obj(n.Description).Hostname),
      addr,
      state: str(status2.State),
      availability: str(spec.Availability),
      labels: strings(spec.Labels),
      role: str(spec.Role)
    };
  });
}
function parseTasks(stdout) {
  return jsonLines(stdout, "tasks").map((t) => {
    const status2 = obj(t.Status);
    return {
      id: str(t.ID),
      nodeId: str(t.NodeID),
      desired: str(t.DesiredState),
      state: str(status2.State),
      err: str(status2.Err),
      message: str(status2.Message),
      labels: strings(obj(obj(obj(t.Spec).ContainerSpec)).Labels)
    };
  });
}
function parseService(stdout) {
  const [s] = jsonLines(stdout, "service");
  if (!s) return void 0;
  const spec = obj(s.Spec);
  const container = obj(obj(spec.TaskTemplate).ContainerSpec);
  return {
    id: str(s.ID),
    name: str(spec.Name),
    image: str(container.Image),
    labels: strings(spec.Labels),
    containerLabels: strings(container.Labels)
  };
}
function digestOf(image) {
  return /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1];
}
function parseSnapshot(stdout, separator) {
  const at = stdout.indexOf(separator);
  if (at < 0) throw new Error("the manager printed no task list");
  return { nodes: parseNodes(stdout.slice(0, at)), tasks: parseTasks(stdout.slice(at + separator.length)) };
}
function isSchedulable(n) {
  return n.state === "ready" && n.availability === "active";
}
function hasLabel(n, key, value) {
  return n.labels[key] === value;
}
var FAILED = /* @__PURE__ */ new Set(["failed", "rejected"]);
function progressOf(expected, nodes, tasks, run, before) {
  return expected.map((id) => {
    const node = nodes.find((n) => n.id === id) ?? {
      id,
      hostname: id.slice(0, 12),
      addr: "",
      state: "down",
      availability: "active",
      labels: {},
      role: "worker"
    };
    const mine = tasks.filter((t) => t.nodeId === id && t.labels["bluegreen.run"] === run);
    const running = mine.find((t) => t.desired === "running" && t.state === "running");
    if (running) return { node, kind: "running", task: running };
    const failed = mine.find((t) => !before.has(t.id) && FAILED.has(t.state));
    if (failed) return { node, kind: "failed", task: failed };
    if (!isSchedulable(node)) return { node, kind: "gone" };
    const latest = mine.find((t) => t.desired === "running");
    return latest ? { node, kind: "waiting", task: latest } : { node, kind: "waiting" };
  });
}
function taskError(t) {
  return [t.err, t.message && t.message !== t.err ? `(${t.message})` : ""].filter(Boolean).join(" ") || t.state;
}

// src/deploy/swarm-pool.ts
var POLL_MS = 500;
function recordOfNode(n) {
  return { name: n.hostname, host: n.addr, port: 0, address: n.addr, node: n.id };
}
var ids = (hosts) => hosts.map((h) => h.node ?? h.name);
function swarmBackend(ctx, pool, sw) {
  const { config } = ctx;
  const app = config.app;
  const service = serviceName(app, pool);
  const label = sw.labels[pool];
  const key = placementKey(app);
  const manager = swarmManager(config, sw.manager);
  const exec = async (command, opts = {}) => (await ctx.remote.get(targetOf(config, manager))).exec(command, opts);
  const spec = () => ({
    app,
    pool,
    env: config.container.env,
    options: serviceOptions(config.container.options),
    restart: config.container.restart,
    stopSeconds: stopSeconds(ctx)
  });
  const serviceRelease = (r, run) => ({
    image: releaseRef(r),
    version: r.version,
    ...r.digest ? { digest: r.digest } : {},
    run
  });
  const newRun = () => `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const readNodes = async () => parseNodes((await exec(swarm.nodes())).stdout);
  const readTasks = async () => parseTasks((await exec(swarm.tasks(service))).stdout);
  const readService = async () => {
    const r = await exec(swarm.inspect(service), { check: false });
    if (r.code === 0) return parseService(r.stdout);
    if (/no such service/i.test(r.stderr + r.stdout)) return void 0;
    throw new DeployError(
      `${manager.name}: docker service inspect ${service} exited ${r.code}: ${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" | ")}`,
      manager.name
    );
  };
  const withLogin = (command) => {
    const login = hostLogin(ctx);
    return login ? { command: withRegistryLogin(login, command), stdin: login.password } : { command };
  };
  const members = async () => {
    const labelled = (await readNodes()).filter((n) => hasLabel(n, label.key, label.value));
    for (const n of labelled.filter((x) => !isSchedulable(x)))
      ctx.log.warn(
        `${n.hostname} has ${label.key}=${label.value} but is ${n.state}/${n.availability}: Swarm runs nothing there, it is not part of ${pool} now`,
        n.hostname
      );
    return labelled.filter(isSchedulable).map(recordOfNode);
  };
  const unplace = async (hosts, step) => {
    if (hosts.length === 0) return;
    const started = Date.now();
    try {
      await exec(swarm.unplace(app, ids(hosts)));
      for (const h of hosts) ctx.recorder.record(h.name, pool, { step, ok: true, ms: Date.now() - started });
      ctx.log.info(
        `${service}: ${hosts.map((h) => h.name).join(", ")} unplaced (${key} removed): Swarm stops their tasks`
      );
    } catch (err) {
      ctx.log.warn(
        `could not unplace ${hosts.map((h) => h.name).join(", ")} (${err.message}): they are out of the balancer; remove the label ${key} from them by hand`,
        manager.name
      );
    }
  };
  const waitForTasks = async (hosts, run, before, warm) => {
    const started = ctx.clock.now();
    const deadline = started + sw.start_timeout;
    const seen = new Set(warm);
    for (; ; ) {
      throwIfCancelled(ctx);
      const snap = parseSnapshot((await exec(swarm.snapshot(service))).stdout, swarm.separator);
      const progress = progressOf(ids(hosts), snap.nodes, snap.tasks, run, before);
      for (const p of progress) {
        if (p.kind !== "running" || seen.has(p.node.id)) continue;
        seen.add(p.node.id);
        const ms = ctx.clock.now() - started;
        ctx.recorder.record(p.node.hostname, pool, {
          step: "start",
          ok: true,
          ms,
          detail: p.task.id.slice(0, 12)
        });
        ctx.log.hostStep(p.node.hostname, "start", true, ms, `task ${p.task.id.slice(0, 12)} running`);
      }
      const failed = progress.flatMap((p) => p.kind === "failed" ? [p] : []);
      if (failed.length) {
        const lines = await Promise.all(
          failed.map(async (f) => {
            const logs = await exec(swarm.taskLogs(f.task.id), { check: false }).catch(() => void 0);
            const tail2 = logs ? logExcerpt(logs.stdout) : "";
            const why = `task ${f.task.id.slice(0, 12)} ${f.task.state}: ${taskError(f.task)}${tail2 ? `; log: ${tail2}` : ""}`;
            ctx.recorder.record(f.node.hostname, pool, {
              step: "start",
              ok: false,
              ms: ctx.clock.now() - started,
              detail: why
            });
            ctx.log.hostStep(f.node.hostname, "start", false, ctx.clock.now() - started, why);
            return { host: f.node.hostname, why };
          })
        );
        return { failed: lines };
      }
      const waiting = progress.filter((p) => p.kind === "waiting");
      if (waiting.length === 0) {
        for (const p of progress.filter((x) => x.kind === "gone"))
          ctx.log.warn(
            `${p.node.hostname} went ${p.node.state === "ready" ? p.node.availability : p.node.state} during the start: Swarm runs no task there; it stays out of the balancer`,
            p.node.hostname
          );
        const running = progress.flatMap(
          (p) => p.kind === "running" ? [{ node: p.node, task: p.task }] : []
        );
        return { running };
      }
      if (ctx.clock.now() >= deadline) {
        return {
          failed: waiting.map((w) => ({
            host: w.node.hostname,
            why: `no task running after ${Math.round(sw.start_timeout / 1e3)}s (swarm.start_timeout)${w.kind === "waiting" && w.task ? `: task ${w.task.id.slice(0, 12)} ${w.task.state}${w.task.err || w.task.message ? ` (${taskError(w.task)})` : ""}` : ": Swarm has not scheduled one"}`
          }))
        };
      }
      await ctx.clock.sleep(POLL_MS);
    }
  };
  const preflight = async (running) => {
    const results = await Promise.allSettled(
      running.map(({ node, task }) => {
        return checkDirectly(
          ctx,
          recordOfNode(node),
          pool,
          {
            label: "task log",
            read: async () => (await exec(swarm.taskLogs(task.id), { check: false })).stdout
          },
          ""
        );
      })
    );
    return results.flatMap(
      (r, i) => r.status === "rejected" ? [{ host: running[i].node.hostname, why: r.reason.message }] : []
    );
  };
  const fail = async (hosts, failed, what) => {
    ctx.log.warn(`${failed.length} of ${hosts.length} ${pool} node(s) failed; unplacing ${what}`);
    await unplace(hosts, "remove");
    const lines = failed.map((f) => `${f.host}: ${f.why}`);
    throw new DeployError(
      `${lines.length === 1 ? lines[0] : `${lines.length} nodes failed:
  ${lines.join("\n  ")}`}
Nothing reached users: the balancer was not changed; service ${service} has no task on ${hosts.length === 1 ? "that node" : "those nodes"} now.`,
      failed[0].host
    );
  };
  const placeAndCheck = async (hosts, run, before, what, warm = /* @__PURE__ */ new Set()) => {
    const placed = new Set((await readNodes()).filter((n) => n.labels[key] === pool).map((n) => n.id));
    const toPlace = hosts.filter((h) => !placed.has(h.node ?? ""));
    if (toPlace.length)
      await timed(
        ctx,
        manager,
        pool,
        "place",
        () => exec(swarm.place(app, pool, ids(toPlace))),
        () => `${key}=${pool} on ${toPlace.length} node(s)`
      );
    const waited = await waitForTasks(hosts, run, before, warm);
    if ("failed" in waited) return fail(hosts, waited.failed, what);
    if (waited.running.length === 0)
      return fail(hosts, [{ host: service, why: "no node runs a task" }], what);
    const failed = await preflight(waited.running);
    if (failed.length) return fail(hosts, failed, what);
    return waited.running.map((r) => recordOfNode(r.node));
  };
  const applyRelease = async (release, hosts) => {
    const current = await readService();
    const run = newRun();
    const rel = serviceRelease(release, run);
    const s = spec();
    const nodes = await readNodes();
    const stale = nodes.filter((n) => n.labels[key] === pool && !hosts.some((h) => h.node === n.id)).map(recordOfNode);
    if (stale.length) await unplace(stale, "remove");
    const before = new Set(current ? (await readTasks()).map((t) => t.id) : []);
    let action;
    if (current && current.labels[LABEL_SPEC] !== specHash(s)) {
      ctx.log.info(
        `${service}: its flags differ from the config (container env, options or restart): re-creating it`
      );
      await unplace(nodes.filter((n) => n.labels[key] === pool).map(recordOfNode), "remove");
      await waitUntilIdle();
      await exec(swarm.remove(service));
      action = "re-created";
    } else action = current ? "updated" : "created";
    const { command, stdin } = withLogin(
      action === "updated" ? swarm.update(service, rel) : swarm.create(s, rel)
    );
    await timed(
      ctx,
      manager,
      pool,
      "service",
      () => exec(command, { ...stdin ? { stdin } : {} }),
      () => `${service} ${action}: ${rel.image}`
    );
    return { run, before: action === "re-created" ? /* @__PURE__ */ new Set() : before };
  };
  const waitUntilIdle = async () => {
    const deadline = ctx.clock.now() + sw.start_timeout;
    while ((await readTasks()).some((t) => t.state === "running" || t.desired === "running")) {
      if (ctx.clock.now() >= deadline)
        throw new DeployError(`${service}: its tasks did not stop within swarm.start_timeout`, manager.name);
      await ctx.clock.sleep(POLL_MS);
    }
  };
  const startLines = (hosts, release) => {
    const rel = serviceRelease(release, "RUN");
    return [
      `${manager.name}: ${swarm.update(service, rel)}   (or, without ${service}: ${swarm.create(spec(), rel)})`,
      `${manager.name}: ${swarm.place(app, pool, ids(hosts))}`,
      ...hosts.map(
        (h) => `${h.name}: its task running, then GET ${hostUrl(h.address, config.container.port, config.checks.path)} directly`
      )
    ];
  };
  return {
    pool,
    service,
    members,
    emptiness: {
      what: `has no ready, active node labelled ${label.key}=${label.value}`,
      fix: `label its nodes (docker node update --label-add ${label.key}=${label.value} NODE)`
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
      if (!current || !run || release.digest && digestOf(current.image) !== release.digest)
        throw new DeployError(
          `${service} does not run ${release.version} (${current ? current.image : "no such service"}): deploy it first`,
          manager.name
        );
      const before = new Set((await readTasks()).map((t) => t.id));
      return placeAndCheck(hosts, run, before, "the new nodes");
    },
    extendPlan: (hosts) => [
      `${manager.name}: ${swarm.place(app, pool, ids(hosts))}`,
      ...hosts.map(
        (h) => `${h.name}: its task running, then GET ${hostUrl(h.address, config.container.port, config.checks.path)} directly`
      )
    ],
    remove: (hosts) => unplace(hosts, "remove"),
    stop: (hosts) => unplace(hosts, "stop"),
    stopPlan: (hosts) => [`${manager.name}: ${swarm.unplace(app, ids(hosts))}`],
    // A node leaving the pool (its label removed by the user): the same, its task stops.
    leave: (hosts) => unplace(hosts, "stop"),
    leavePlan: (hosts) => [`${manager.name}: ${swarm.unplace(app, ids(hosts))}`],
    async keepOld(hosts) {
      const keep = config.promote.keep_old;
      if (keep.until === "next_deploy") return { kept: "warm" };
      if (keep.ms === 0) {
        await unplace(hosts, "stop");
        return { kept: "stopped" };
      }
      const seconds = Math.ceil(keep.ms / 1e3);
      await exec(swarm.cancelPark(app, pool));
      await exec(swarm.schedulePark(app, pool, ids(hosts), seconds));
      return { kept: "warm", stopAt: new Date(Date.now() + seconds * 1e3).toISOString() };
    },
    stopKeepingPlan: (hosts) => [`${manager.name}: ${swarm.unplace(app, ids(hosts))}`],
    comebackHosts: () => members(),
    async bringBack(hosts, release) {
      throwIfCancelled(ctx);
      await exec(swarm.cancelPark(app, pool));
      const how = { warm: 0, started: 0, pulled: 0 };
      const current = await readService();
      const run = current?.containerLabels[LABEL_RUN];
      if (current && run && release.digest && digestOf(current.image) === release.digest) {
        const snap = parseSnapshot((await exec(swarm.snapshot(service))).stdout, swarm.separator);
        const progress = progressOf(
          ids(hosts),
          snap.nodes,
          snap.tasks,
          run,
          new Set(snap.tasks.map((t) => t.id))
        );
        for (const p of progress) {
          if (p.kind !== "running") continue;
          ctx.recorder.record(p.node.hostname, pool, {
            step: "warm",
            ok: true,
            ms: 0,
            detail: `${service} task still running`
          });
          ctx.log.hostStep(p.node.hostname, "warm", true, 0, `${service} task still running`);
        }
        const warm = new Set(progress.flatMap((p) => p.kind === "running" ? [p.node.id] : []));
        how.warm = warm.size;
        how.started = hosts.length - warm.size;
        const before2 = new Set(snap.tasks.map((t) => t.id));
        const back = await placeAndCheck(hosts, run, before2, "them again", warm);
        return { hosts: back, how };
      }
      const { run: fresh, before } = await applyRelease(release, hosts);
      how.pulled = hosts.length;
      return { hosts: await placeAndCheck(hosts, fresh, before, `${service}'s nodes`), how };
    },
    bringBackPlan: (hosts, release) => [
      `${manager.name}: ${service} still at ${release.digest ?? release.version} \u2192 its running tasks are checked, its other nodes placed again (${key}=${pool}); otherwise:`,
      ...startLines(hosts, release)
    ],
    undoBringBack: async (hosts, _release, how) => {
      if (how.warm !== hosts.length) await unplace(hosts, "stop");
    },
    async status(recorded, seen) {
      let nodes = [];
      let current;
      let tasks = [];
      let problem;
      try {
        nodes = await readNodes();
        current = await readService();
        if (current) tasks = await readTasks();
      } catch (err) {
        problem = err.message;
      }
      const recordedIds = new Set(recorded?.hosts.map((h) => h.node) ?? []);
      const shown = nodes.filter(
        (n) => !seen.has(n.id) && (hasLabel(n, label.key, label.value) || n.labels[key] === pool || recordedIds.has(n.id))
      );
      for (const n of shown) seen.add(n.id);
      const rows = await Promise.all(
        shown.map(async (n) => {
          const task = tasks.find((t) => t.nodeId === n.id && t.desired === "running");
          const url = hostUrl(n.addr, config.container.port, config.checks.path);
          const check = await ctx.checker.once(url, {
            ...config.checks,
            timeout: Math.min(config.checks.timeout, 2e3)
          });
          const placed = n.labels[key] === pool;
          return {
            host: n.hostname,
            pool,
            address: n.addr,
            container: task ? `${service} task ${task.id.slice(0, 12)}` : service,
            state: n.state !== "ready" ? `node ${n.state}` : task ? task.state : placed ? "no task" : "not placed",
            version: task?.labels["bluegreen.version"] ?? "-",
            check: check.ok ? `${check.status}` : check.error ?? "failed",
            ok: check.ok
          };
        })
      );
      if (problem)
        rows.push({
          host: manager.name,
          pool,
          address: manager.host,
          container: service,
          state: `unreachable: ${problem}`,
          version: "-",
          check: "-",
          ok: false
        });
      return {
        rows,
        service: {
          pool,
          service,
          ...current ? { image: current.image } : {},
          ...current?.containerLabels["bluegreen.version"] ? { version: current.containerLabels["bluegreen.version"] } : {},
          running: tasks.filter((t) => t.desired === "running" && t.state === "running").length,
          placed: nodes.filter((n) => n.labels[key] === pool).length
        }
      };
    }
  };
}

// src/deploy/ssh-status.ts
async function sshStatusRows(ctx, pool, recorded, configured, seen) {
  const hosts = [];
  for (const h of [...recorded?.hosts ?? [], ...configured]) {
    if (seen.has(`${h.host}:${h.port}`)) continue;
    seen.add(`${h.host}:${h.port}`);
    hosts.push(h);
  }
  const rows = await ctx.remote.each(hosts, async (host) => {
    const url = hostUrl(host.address, ctx.config.container.port, ctx.config.checks.path);
    let container = "-";
    let st = "none";
    let version = "-";
    try {
      const shell = await ctx.remote.get(targetOf(ctx.config, host));
      const list = parseContainerList((await shell.exec(docker.list(ctx.config.app))).stdout);
      const shown = list.find((c) => c.state === "running") ?? list[0];
      if (shown) ({ name: container, state: st, version } = shown);
      const stopped = list.filter((c) => c !== shown).length;
      if (stopped) st = `${st} (+${stopped} kept)`;
    } catch (err) {
      st = `unreachable: ${err.message}`;
    }
    const check = await ctx.checker.once(url, {
      ...ctx.config.checks,
      timeout: Math.min(ctx.config.checks.timeout, 2e3)
    });
    return {
      host: host.name,
      pool,
      address: host.address,
      container,
      state: st,
      version,
      check: check.ok ? `${check.status}` : check.error ?? "failed",
      ok: check.ok
    };
  });
  return rows.map(
    (r) => r.status === "fulfilled" ? r.value : {
      host: "?",
      pool,
      address: "?",
      container: "-",
      state: "error",
      version: "-",
      check: String(r.reason),
      ok: false
    }
  );
}

// src/deploy/backend.ts
function memberKey(h) {
  return h.node ?? `${h.host}:${h.port}`;
}
function poolBackend(ctx, pool) {
  return ctx.config.swarm ? swarmBackend(ctx, pool, ctx.config.swarm) : sshBackend(ctx, pool);
}
function refuseKindChange(ctx, state) {
  const swarm2 = ctx.config.swarm !== void 0;
  const recorded = [
    ["live", state.live ? state.pools[state.live] : null],
    ["candidate", state.candidate ? state.pools[state.candidate] : null],
    ["previous", state.previous]
  ];
  for (const [role, rec] of recorded) {
    if (!rec || rec.service !== void 0 === swarm2) continue;
    throw new UsageError(
      `the state record has the ${role} version ${rec.version} ${rec.service ? `as Swarm service ${rec.service}` : "in containers on SSH hosts"}, but the config makes the pools ${swarm2 ? "Swarm services" : "SSH hosts"}: a pool does not change kind under bluegreen (it would leave the recorded containers behind); to move an app, deploy it under a new app name to the same balancer (docs/swarm.md)`
    );
  }
}
function sshBackend(ctx, pool) {
  const configured = () => ctx.config.pools[pool].map((h) => recordOf(ctx.config, h));
  const name = (version) => containerName(ctx.config.app, version);
  return {
    pool,
    service: void 0,
    members: () => Promise.resolve(configured()),
    emptiness: { what: "is empty", fix: "list its hosts" },
    start: async (hosts, release) => {
      await startPool(ctx, pool, hosts, release);
      return hosts;
    },
    startPlan: (hosts, release) => planLines(hosts, startCommands(ctx, pool, release)),
    extend: async (hosts, release) => {
      await startPool(ctx, pool, hosts, release);
      return hosts;
    },
    extendPlan: (hosts, release) => planLines(hosts, startCommands(ctx, pool, release)),
    remove: (hosts, version) => removeFromPool(ctx, pool, hosts, version),
    stop: (hosts, version) => stopPool(ctx, pool, hosts, version),
    stopPlan: (hosts, version) => planLines(hosts, stopCommands(ctx, version)),
    leave: (hosts, version) => leavePool(ctx, pool, hosts, version),
    leavePlan: (hosts, version) => planLines(hosts, leaveCommands(ctx, version)),
    keepOld: (hosts, version) => keepOld(ctx, pool, hosts, version),
    stopKeepingPlan: (hosts, version) => planLines(hosts, stopKeepingCommands(ctx, version)),
    comebackHosts: (prev) => Promise.resolve(prev.pool === pool && prev.hosts?.length ? prev.hosts : configured()),
    bringBack: async (hosts, release) => ({ hosts, how: await bringBack(ctx, pool, hosts, release) }),
    bringBackPlan: (hosts, release) => hosts.map(
      (h) => `${h.name}: ${name(release.version)} running \u2192 check it; stopped \u2192 docker start + check; missing \u2192 ${startCommands(
        ctx,
        pool,
        release
      ).map((c) => c.command).join(" && ")} + check`
    ),
    undoBringBack: (hosts, release, how) => retire(
      ctx,
      pool,
      hosts,
      "stop",
      how.warm === hosts.length ? [] : stopKeepingCommands(ctx, release.version)
    ),
    status: async (recorded, seen) => ({
      rows: await sshStatusRows(ctx, pool, recorded, configured(), seen)
    })
  };
}

// node_modules/diff/libesm/diff/base.js
var Diff = class {
  diff(oldStr, newStr, options = {}) {
    let callback;
    if (typeof options === "function") {
      callback = options;
      options = {};
    } else if ("callback" in options) {
      callback = options.callback;
    }
    const oldString = this.castInput(oldStr, options);
    const newString = this.castInput(newStr, options);
    const oldTokens = this.removeEmpty(this.tokenize(oldString, options));
    const newTokens = this.removeEmpty(this.tokenize(newString, options));
    return this.diffWithOptionsObj(oldTokens, newTokens, options, callback);
  }
  diffWithOptionsObj(oldTokens, newTokens, options, callback) {
    var _a;
    const done = (value) => {
      value = this.postProcess(value, options);
      if (callback) {
        setTimeout(function() {
          callback(value);
        }, 0);
        return void 0;
      } else {
        return value;
      }
    };
    const newLen = newTokens.length, oldLen = oldTokens.length;
    let editLength = 1;
    let maxEditLength = newLen + oldLen;
    if (options.maxEditLength != null) {
      maxEditLength = Math.min(maxEditLength, options.maxEditLength);
    }
    const maxExecutionTime = (_a = options.timeout) !== null && _a !== void 0 ? _a : Infinity;
    const abortAfterTimestamp = Date.now() + maxExecutionTime;
    const bestPath = [{ oldPos: -1, lastComponent: void 0 }];
    let newPos = this.extractCommon(bestPath[0], newTokens, oldTokens, 0, options);
    if (bestPath[0].oldPos + 1 >= oldLen && newPos + 1 >= newLen) {
      return done(this.buildValues(bestPath[0].lastComponent, newTokens, oldTokens));
    }
    let minDiagonalToConsider = -Infinity, maxDiagonalToConsider = Infinity;
    const execEditLength = () => {
      for (let diagonalPath = Math.max(minDiagonalToConsider, -editLength); diagonalPath <= Math.min(maxDiagonalToConsider, editLength); diagonalPath += 2) {
        let basePath;
        const removePath = bestPath[diagonalPath - 1], addPath = bestPath[diagonalPath + 1];
        if (removePath) {
          bestPath[diagonalPath - 1] = void 0;
        }
        let canAdd = false;
        if (addPath) {
          const addPathNewPos = addPath.oldPos - diagonalPath;
          canAdd = addPath && 0 <= addPathNewPos && addPathNewPos < newLen;
        }
        const canRemove = removePath && removePath.oldPos + 1 < oldLen;
        if (!canAdd && !canRemove) {
          bestPath[diagonalPath] = void 0;
          continue;
        }
        if (!canRemove || canAdd && removePath.oldPos < addPath.oldPos) {
          basePath = this.addToPath(addPath, true, false, 0, options);
        } else {
          basePath = this.addToPath(removePath, false, true, 1, options);
        }
        newPos = this.extractCommon(basePath, newTokens, oldTokens, diagonalPath, options);
        if (basePath.oldPos + 1 >= oldLen && newPos + 1 >= newLen) {
          return done(this.buildValues(basePath.lastComponent, newTokens, oldTokens)) || true;
        } else {
          bestPath[diagonalPath] = basePath;
          if (basePath.oldPos + 1 >= oldLen) {
            maxDiagonalToConsider = Math.min(maxDiagonalToConsider, diagonalPath - 1);
          }
          if (newPos + 1 >= newLen) {
            minDiagonalToConsider = Math.max(minDiagonalToConsider, diagonalPath + 1);
          }
        }
      }
      editLength++;
    };
    if (callback) {
      (function exec() {
        setTimeout(function() {
          if (editLength > maxEditLength || Date.now() > abortAfterTimestamp) {
            return callback(void 0);
          }
          if (!execEditLength()) {
            exec();
          }
        }, 0);
      })();
    } else {
      while (editLength <= maxEditLength && Date.now() <= abortAfterTimestamp) {
        const ret = execEditLength();
        if (ret) {
          return ret;
        }
      }
    }
  }
  addToPath(path, added, removed, oldPosInc, options) {
    const last = path.lastComponent;
    if (last && !options.oneChangePerToken && last.added === added && last.removed === removed) {
      return {
        oldPos: path.oldPos + oldPosInc,
        lastComponent: { count: last.count + 1, added, removed, previousComponent: last.previousComponent }
      };
    } else {
      return {
        oldPos: path.oldPos + oldPosInc,
        lastComponent: { count: 1, added, removed, previousComponent: last }
      };
    }
  }
  extractCommon(basePath, newTokens, oldTokens, diagonalPath, options) {
    const newLen = newTokens.length, oldLen = oldTokens.length;
    let oldPos = basePath.oldPos, newPos = oldPos - diagonalPath, commonCount = 0;
    while (newPos + 1 < newLen && oldPos + 1 < oldLen && this.equals(oldTokens[oldPos + 1], newTokens[newPos + 1], options)) {
      newPos++;
      oldPos++;
      commonCount++;
      if (options.oneChangePerToken) {
        basePath.lastComponent = { count: 1, previousComponent: basePath.lastComponent, added: false, removed: false };
      }
    }
    if (commonCount && !options.oneChangePerToken) {
      basePath.lastComponent = { count: commonCount, previousComponent: basePath.lastComponent, added: false, removed: false };
    }
    basePath.oldPos = oldPos;
    return newPos;
  }
  equals(left, right, options) {
    if (options.comparator) {
      return options.comparator(left, right);
    } else {
      return left === right || !!options.ignoreCase && left.toLowerCase() === right.toLowerCase();
    }
  }
  removeEmpty(array) {
    const ret = [];
    for (let i = 0; i < array.length; i++) {
      if (array[i]) {
        ret.push(array[i]);
      }
    }
    return ret;
  }
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  castInput(value, options) {
    return value;
  }
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  tokenize(value, options) {
    return Array.from(value);
  }
  join(chars) {
    return chars.join("");
  }
  postProcess(changeObjects, options) {
    return changeObjects;
  }
  get useLongestToken() {
    return false;
  }
  buildValues(lastComponent, newTokens, oldTokens) {
    const components = [];
    let nextComponent;
    while (lastComponent) {
      components.push(lastComponent);
      nextComponent = lastComponent.previousComponent;
      delete lastComponent.previousComponent;
      lastComponent = nextComponent;
    }
    components.reverse();
    const componentLen = components.length;
    let componentPos = 0, newPos = 0, oldPos = 0;
    for (; componentPos < componentLen; componentPos++) {
      const component = components[componentPos];
      if (!component.removed) {
        if (!component.added && this.useLongestToken) {
          let value = newTokens.slice(newPos, newPos + component.count);
          value = value.map(function(value2, i) {
            const oldValue = oldTokens[oldPos + i];
            return oldValue.length > value2.length ? oldValue : value2;
          });
          component.value = this.join(value);
        } else {
          component.value = this.join(newTokens.slice(newPos, newPos + component.count));
        }
        newPos += component.count;
        if (!component.added) {
          oldPos += component.count;
        }
      } else {
        component.value = this.join(oldTokens.slice(oldPos, oldPos + component.count));
        oldPos += component.count;
      }
    }
    return components;
  }
};

// node_modules/diff/libesm/diff/line.js
var LineDiff = class extends Diff {
  constructor() {
    super(...arguments);
    this.tokenize = tokenize;
  }
  equals(left, right, options) {
    if (options.ignoreWhitespace) {
      if (!options.newlineIsToken || !left.includes("\n")) {
        left = left.trim();
      }
      if (!options.newlineIsToken || !right.includes("\n")) {
        right = right.trim();
      }
    } else if (options.ignoreNewlineAtEof && !options.newlineIsToken) {
      if (left.endsWith("\n")) {
        left = left.slice(0, -1);
      }
      if (right.endsWith("\n")) {
        right = right.slice(0, -1);
      }
    }
    return super.equals(left, right, options);
  }
};
var lineDiff = new LineDiff();
function diffLines(oldStr, newStr, options) {
  return lineDiff.diff(oldStr, newStr, options);
}
function tokenize(value, options) {
  if (options.stripTrailingCr) {
    value = value.replace(/\r\n/g, "\n");
  }
  const retLines = [], linesAndNewlines = value.split(/(\n|\r\n)/);
  if (!linesAndNewlines[linesAndNewlines.length - 1]) {
    linesAndNewlines.pop();
  }
  for (let i = 0; i < linesAndNewlines.length; i++) {
    const line = linesAndNewlines[i];
    if (i % 2 && !options.newlineIsToken) {
      retLines[retLines.length - 1] += line;
    } else {
      retLines.push(line);
    }
  }
  return retLines;
}

// node_modules/diff/libesm/patch/create.js
var INCLUDE_HEADERS = {
  includeIndex: true,
  includeUnderline: true,
  includeFileHeaders: true
};
function structuredPatch(oldFileName, newFileName, oldStr, newStr, oldHeader, newHeader, options) {
  let optionsObj;
  if (!options) {
    optionsObj = {};
  } else if (typeof options === "function") {
    optionsObj = { callback: options };
  } else {
    optionsObj = options;
  }
  if (typeof optionsObj.context === "undefined") {
    optionsObj.context = 4;
  }
  const context = optionsObj.context;
  if (optionsObj.newlineIsToken) {
    throw new Error("newlineIsToken may not be used with patch-generation functions, only with diffing functions");
  }
  if (!optionsObj.callback) {
    return diffLinesResultToPatch(diffLines(oldStr, newStr, optionsObj));
  } else {
    const { callback } = optionsObj;
    diffLines(oldStr, newStr, Object.assign(Object.assign({}, optionsObj), { callback: (diff) => {
      const patch = diffLinesResultToPatch(diff);
      callback(patch);
    } }));
  }
  function diffLinesResultToPatch(diff) {
    if (!diff) {
      return;
    }
    diff.push({ value: "", lines: [] });
    function contextLines(lines) {
      return lines.map(function(entry) {
        return " " + entry;
      });
    }
    const hunks = [];
    let oldRangeStart = 0, newRangeStart = 0, curRange = [], oldLine = 1, newLine = 1;
    for (let i = 0; i < diff.length; i++) {
      const current = diff[i], lines = current.lines || splitLines(current.value);
      current.lines = lines;
      if (current.added || current.removed) {
        if (!oldRangeStart) {
          const prev = diff[i - 1];
          oldRangeStart = oldLine;
          newRangeStart = newLine;
          if (prev) {
            curRange = context > 0 ? contextLines(prev.lines.slice(-context)) : [];
            oldRangeStart -= curRange.length;
            newRangeStart -= curRange.length;
          }
        }
        for (const line of lines) {
          curRange.push((current.added ? "+" : "-") + line);
        }
        if (current.added) {
          newLine += lines.length;
        } else {
          oldLine += lines.length;
        }
      } else {
        if (oldRangeStart) {
          if (lines.length <= context * 2 && i < diff.length - 2) {
            for (const line of contextLines(lines)) {
              curRange.push(line);
            }
          } else {
            const contextSize = Math.min(lines.length, context);
            for (const line of contextLines(lines.slice(0, contextSize))) {
              curRange.push(line);
            }
            const hunk = {
              oldStart: oldRangeStart,
              oldLines: oldLine - oldRangeStart + contextSize,
              newStart: newRangeStart,
              newLines: newLine - newRangeStart + contextSize,
              lines: curRange
            };
            hunks.push(hunk);
            oldRangeStart = 0;
            newRangeStart = 0;
            curRange = [];
          }
        }
        oldLine += lines.length;
        newLine += lines.length;
      }
    }
    for (const hunk of hunks) {
      for (let i = 0; i < hunk.lines.length; i++) {
        if (hunk.lines[i].endsWith("\n")) {
          hunk.lines[i] = hunk.lines[i].slice(0, -1);
        } else {
          hunk.lines.splice(i + 1, 0, "\\ No newline at end of file");
          i++;
        }
      }
    }
    return {
      oldFileName,
      newFileName,
      oldHeader,
      newHeader,
      hunks
    };
  }
}
function formatPatch(patch, headerOptions) {
  if (!headerOptions) {
    headerOptions = INCLUDE_HEADERS;
  }
  if (Array.isArray(patch)) {
    if (patch.length > 1 && !headerOptions.includeFileHeaders) {
      throw new Error("Cannot omit file headers on a multi-file patch. (The result would be unparseable; how would a tool trying to apply the patch know which changes are to which file?)");
    }
    return patch.map((p) => formatPatch(p, headerOptions)).join("\n");
  }
  const ret = [];
  if (headerOptions.includeIndex && patch.oldFileName == patch.newFileName) {
    ret.push("Index: " + patch.oldFileName);
  }
  if (headerOptions.includeUnderline) {
    ret.push("===================================================================");
  }
  if (headerOptions.includeFileHeaders) {
    ret.push("--- " + patch.oldFileName + (typeof patch.oldHeader === "undefined" ? "" : "	" + patch.oldHeader));
    ret.push("+++ " + patch.newFileName + (typeof patch.newHeader === "undefined" ? "" : "	" + patch.newHeader));
  }
  for (let i = 0; i < patch.hunks.length; i++) {
    const hunk = patch.hunks[i];
    if (hunk.oldLines === 0) {
      hunk.oldStart -= 1;
    }
    if (hunk.newLines === 0) {
      hunk.newStart -= 1;
    }
    ret.push("@@ -" + hunk.oldStart + "," + hunk.oldLines + " +" + hunk.newStart + "," + hunk.newLines + " @@");
    for (const line of hunk.lines) {
      ret.push(line);
    }
  }
  return ret.join("\n") + "\n";
}
function createTwoFilesPatch(oldFileName, newFileName, oldStr, newStr, oldHeader, newHeader, options) {
  if (typeof options === "function") {
    options = { callback: options };
  }
  if (!(options === null || options === void 0 ? void 0 : options.callback)) {
    const patchObj = structuredPatch(oldFileName, newFileName, oldStr, newStr, oldHeader, newHeader, options);
    if (!patchObj) {
      return;
    }
    return formatPatch(patchObj, options === null || options === void 0 ? void 0 : options.headerOptions);
  } else {
    const { callback } = options;
    structuredPatch(oldFileName, newFileName, oldStr, newStr, oldHeader, newHeader, Object.assign(Object.assign({}, options), { callback: (patchObj) => {
      if (!patchObj) {
        callback(void 0);
      } else {
        callback(formatPatch(patchObj, options.headerOptions));
      }
    } }));
  }
}
function splitLines(text) {
  const hasTrailingNl = text.endsWith("\n");
  const result = text.split("\n").map((line) => line + "\n");
  if (hasTrailingNl) {
    result.pop();
  } else {
    result.push(result.pop().slice(0, -1));
  }
  return result;
}

// src/deploy/switch.ts
function servers(ctx, hosts) {
  return hosts.map((h) => ({ host: h.address, port: ctx.config.container.port }));
}
async function planSwitch(ctx, targets) {
  const before = await ctx.balancer.read();
  const after = ctx.balancer.render(before, targets);
  const source = ctx.balancer.source;
  const diff = before === after ? "" : createTwoFilesPatch(source, source, before, after, "before", "after");
  return { before, after, diff };
}
function switchPlanLine(ctx) {
  return ctx.balancer.describeChange();
}
async function commitSwitch(ctx, state, change, opts) {
  await ctx.log.group(opts.title, async () => {
    try {
      await applySwitch(ctx, change, state);
    } catch (err) {
      await opts.onFailure?.(err);
      throw err;
    }
  });
  opts.update?.(state);
  state.upstreamSha256 = sha256(change.after);
  await ctx.store.write(state);
}
async function applySwitch(ctx, change, state) {
  if (change.before === change.after && state.upstreamSha256 === sha256(change.after)) return;
  throwIfCancelled(ctx);
  await ctx.balancer.apply(change.before, change.after);
}
async function verifyThroughBalancer(ctx, requests) {
  const url = balancerCheckUrl(ctx.config);
  const parallel = 4;
  for (let i = 0; i < requests; i += parallel) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(parallel, requests - i) },
        () => ctx.checker.once(url, ctx.config.checks)
      )
    );
    const failed = batch.find((r) => !r.ok);
    if (failed) throw new DeployError(`verify through the balancer failed: GET ${url}: ${failed.error}`);
  }
  ctx.log.info(`verified ${requests} requests through ${url}`);
}
async function reconcile(ctx, state) {
  const live = state.live ? state.pools[state.live] : null;
  if (!live) return;
  const cand = state.candidate ? state.pools[state.candidate] : null;
  const expected = servers(ctx, [...live.hosts, ...cand?.hosts ?? []]);
  const actual = ctx.balancer.servers(await ctx.balancer.read());
  const key = (s) => `${s.host}:${s.port}`;
  const same = expected.length === actual.length && expected.every((e) => actual.some((a) => key(a) === key(e)));
  if (same) return;
  ctx.log.warn(
    `the balancer's servers (${actual.map(key).join(", ") || "none"}) are not what the state record expects (${expected.map(key).join(", ")}): an interrupted run or a hand edit; restoring them first`
  );
  const change = await planSwitch(ctx, expected);
  await commitSwitch(ctx, state, change, { title: "restore the balancer's servers" });
}

// src/deploy/release.ts
function releaseHost(hosts) {
  return hosts[0];
}
function releaseCommand(ctx, release) {
  const spec = ctx.config.release;
  if (!spec) return void 0;
  const { app, container } = ctx.config;
  return {
    step: "release",
    command: docker.runOnce(
      {
        app,
        version: release.version,
        image: releaseRef(release),
        env: container.env,
        options: container.options
      },
      spec.command
    )
  };
}
function tail(output, lines = 12) {
  const all = output.split("\n").filter((l) => l.trim() !== "");
  return (all.length > lines ? ["\u2026", ...all.slice(-lines)] : all).map((l) => `    ${l}`).join("\n");
}
async function runRelease(ctx, pool, hosts, release) {
  const c = releaseCommand(ctx, release);
  const spec = ctx.config.release;
  if (!c || !spec) return;
  const host = releaseHost(hosts);
  const shell = await ctx.remote.get(targetOf(ctx.config, host));
  const name = releaseContainerName(ctx.config.app, release.version);
  const words = spec.command.join(" ");
  const removeContainer = async () => {
    const now = await ctx.remote.get(targetOf(ctx.config, host));
    await now.exec(docker.remove(name), { check: false });
  };
  const deadline = withDeadline({
    timeoutMs: spec.timeout,
    setting: "release.timeout",
    signal: ctx.signal,
    stop: () => removeContainer().catch(() => void 0)
  });
  try {
    const result = await timed(
      ctx,
      host,
      pool,
      "release",
      async () => {
        const r = await shell.exec(c.command, { check: false });
        const output = `${r.stdout}${r.stderr}`;
        if (r.code !== 0 || deadline.stopped) {
          throw new DeployError(
            `${host.name}: release \`${words}\` of ${release.version} ${deadline.stopped ?? `exited ${r.code}`}${output.trim() ? `; its output:
${tail(output)}` : " (no output)"}`,
            host.name
          );
        }
        return output;
      },
      () => `\`${words}\` exited 0`
    );
    for (const line of result.split("\n").filter((l) => l.trim() !== ""))
      ctx.log.info(`release ${host.name}: ${line}`);
  } catch (err) {
    await removeContainer().catch(() => void 0);
    throw err;
  } finally {
    deadline.dispose();
  }
}

// src/deploy/retention.ts
function parseInventory(stdout) {
  return stdout.split("\n").filter((l) => l.trim() !== "").map((l) => {
    const [id = "", name = "", state = "", version = "", created = "", image = ""] = l.split("	");
    return { id, name, state, version, created, image };
  });
}
function planPrune(all, protectedVersions2, retain) {
  const newestFirst = [...all].sort((a, b) => a.created < b.created ? 1 : a.created > b.created ? -1 : 0);
  const must = newestFirst.filter((c) => c.state === "running" || protectedVersions2.includes(c.version));
  const keep = [...must];
  for (const c of newestFirst) if (keep.length < retain && !keep.includes(c)) keep.push(c);
  const remove = newestFirst.filter((c) => !keep.includes(c));
  const used = new Set(keep.map((c) => c.image));
  const images = [...new Set(remove.map((c) => c.image))].filter((i) => !used.has(i));
  return { keep, remove, images };
}
function protectedVersions(state) {
  return [
    state.live ? state.pools[state.live]?.version : void 0,
    state.candidate ? state.pools[state.candidate]?.version : void 0,
    state.previous?.version
  ].filter((v) => v !== void 0);
}
async function prune(ctx, state, dryRun) {
  const keepVersions = protectedVersions(state);
  const hosts = ["green", "blue"].flatMap(
    (pool) => ctx.config.pools[pool].map((h) => ({
      host: recordOf(ctx.config, h),
      pool
    }))
  );
  const lines = [];
  const results = await ctx.remote.each(hosts, async ({ host, pool }) => {
    const shell = await ctx.remote.get(targetOf(ctx.config, host));
    const plan = planPrune(
      parseInventory((await shell.exec(docker.inventory(ctx.config.app))).stdout),
      keepVersions,
      ctx.config.retain
    );
    if (plan.remove.length === 0) return;
    lines.push(
      `${host.name}: ${dryRun ? "would remove" : "removes"} ${plan.remove.map((c) => c.name).join(", ")}${plan.images.length ? ` and ${plan.images.length} image(s)` : ""} (keeps ${plan.keep.map((c) => c.name).join(", ")})`
    );
    if (dryRun) return;
    await timed(ctx, host, pool, "prune", async () => {
      await shell.exec(docker.removeContainers(plan.remove.map((c) => c.name)));
      if (plan.images.length) await shell.exec(docker.removeImages(plan.images));
    });
  });
  results.forEach((r, i) => {
    if (r.status === "rejected")
      ctx.log.warn(
        `could not prune ${hosts[i].host.name}: ${r.reason.message}`,
        hosts[i].host.name
      );
  });
  return lines.sort();
}

// src/deploy/ops/promote.ts
async function promote(ctx, state) {
  const cand = state.candidate;
  const live = state.live;
  const candPool = cand ? state.pools[cand] : null;
  const livePool = live ? state.pools[live] : null;
  if (!cand || !candPool || !live || !livePool)
    throw new DeployError("nothing to promote: no candidate pool (run `bluegreen deploy` first)");
  const checks = { ...ctx.config.checks };
  const dead = (await Promise.all(
    candPool.hosts.map(async (h) => {
      const r = await ctx.checker.once(hostUrl(h.address, ctx.config.container.port, checks.path), checks);
      return r.ok ? void 0 : `${h.name} (${r.error})`;
    })
  )).filter((x) => x !== void 0);
  if (dead.length) {
    throw new DeployError(
      `refusing to promote ${cand}: ${dead.join(", ")} no longer pass the check; run \`bluegreen rollback\` or deploy again`,
      dead[0]
    );
  }
  const change = await planSwitch(ctx, servers(ctx, candPool.hosts));
  const keep = ctx.config.promote.keep_old;
  if (ctx.dryRun) {
    const kept2 = keep.until === "next_deploy" ? [
      `${live}: ${livePool.version} keeps running outside the balancer until the next deploy (promote.keep_old)`
    ] : keep.ms === 0 ? poolBackend(ctx, live).stopKeepingPlan(livePool.hosts, livePool.version) : [
      `${live}: a timer on each host stops ${livePool.version} after ${keep.ms / 1e3}s (promote.keep_old)`
    ];
    return {
      message: `would promote ${cand} ${candPool.version} and retire ${live} ${livePool.version}`,
      version: candPool.version,
      plan: [switchPlanLine(ctx), ...kept2],
      diff: change.diff
    };
  }
  await commitSwitch(ctx, state, change, {
    title: `switch the balancer to ${cand} only`,
    update: (s) => {
      s.previous = { ...livePool, pool: live, kept: "warm" };
      s.live = cand;
      s.candidate = null;
      s.pools[live] = null;
    }
  });
  const kept = await ctx.log.group(
    `keep ${live} ${livePool.version} for a rollback`,
    () => poolBackend(ctx, live).keepOld(livePool.hosts, livePool.version)
  );
  if (kept.kept !== "warm" || kept.stopAt) {
    state.previous = { ...state.previous, ...kept };
    await ctx.store.write(state);
  }
  const pruned = await ctx.log.group(
    `prune old containers (retain ${ctx.config.retain})`,
    () => prune(ctx, state, false)
  );
  for (const line of pruned) ctx.log.info(line);
  return {
    message: `${candPool.version} live on ${cand} (${candPool.hosts.length} hosts); ${live} ${livePool.version} ${describeKept(kept)}`,
    version: candPool.version,
    diff: change.diff
  };
}
function describeKept(kept) {
  if (kept.kept === "stopped") return "stopped, kept for a rollback";
  return kept.stopAt ? `kept running outside the balancer (warm) until ${kept.stopAt}, then stopped by a timer on its hosts` : "kept running outside the balancer (warm) until the next deploy";
}

// src/deploy/ops/rollback.ts
async function rollbackCandidate(ctx, state) {
  const cand = state.candidate;
  const candPool = state.pools[cand];
  const livePool = state.pools[state.live];
  const change = await planSwitch(ctx, servers(ctx, livePool.hosts));
  if (ctx.dryRun) {
    return {
      message: `would roll back candidate ${candPool.version} on ${cand}`,
      version: livePool.version,
      plan: [switchPlanLine(ctx), ...poolBackend(ctx, cand).stopPlan(candPool.hosts, candPool.version)],
      diff: change.diff,
      result: "rolled_back"
    };
  }
  await commitSwitch(ctx, state, change, {
    title: `switch the balancer back to ${state.live} only`,
    update: (s) => {
      s.candidate = null;
      s.pools[cand] = null;
    }
  });
  await ctx.log.group(
    `remove ${candPool.version} from ${cand}`,
    () => poolBackend(ctx, cand).stop(candPool.hosts, candPool.version)
  );
  return {
    message: `rolled back: ${candPool.version} removed from ${cand}; ${livePool.version} live on ${state.live} (${livePool.hosts.length} hosts)`,
    version: livePool.version,
    diff: change.diff,
    result: "rolled_back"
  };
}
async function rollbackPromoted(ctx, state) {
  const live = state.live;
  const livePool = state.pools[live];
  const prev = state.previous;
  const idle = otherPool(live);
  const backend = poolBackend(ctx, idle);
  let hosts = await backend.comebackHosts(prev);
  if (hosts.length === 0)
    throw new DeployError(
      `pools.${idle} ${backend.emptiness.what}: rollback brings ${prev.version} back on the idle pool; ${backend.emptiness.fix}`
    );
  const release = releaseFrom(prev, ctx.config.image);
  let change = await planSwitch(ctx, servers(ctx, hosts));
  if (ctx.dryRun) {
    return {
      message: `would bring ${prev.version} back on ${idle} (${prev.kept === "warm" ? "still running: a switch back" : prev.kept === "stopped" ? "stopped: docker start, no pull" : "started again"}) and retire ${livePool.version}`,
      version: prev.version,
      plan: [...backend.bringBackPlan(hosts, release), switchPlanLine(ctx)],
      diff: change.diff,
      result: "rolled_back"
    };
  }
  const back = await ctx.log.group(
    `bring ${prev.version} back on ${idle}`,
    () => backend.bringBack(hosts, release)
  );
  const how = back.how;
  if (back.hosts.length !== hosts.length || back.hosts.some((h, i) => memberKey(h) !== memberKey(hosts[i]))) {
    hosts = back.hosts;
    change = await planSwitch(ctx, servers(ctx, hosts));
  }
  await commitSwitch(ctx, state, change, {
    title: `switch the balancer to ${idle}`,
    update: (s) => {
      s.pools[idle] = {
        ...release,
        hosts,
        since: (/* @__PURE__ */ new Date()).toISOString(),
        ...backend.service ? { service: backend.service } : {}
      };
      s.previous = { ...livePool, pool: live, kept: "warm" };
      s.live = idle;
      s.pools[live] = null;
    },
    onFailure: () => backend.undoBringBack(hosts, release, how)
  });
  const kept = await ctx.log.group(
    `keep ${live} ${livePool.version} for a roll forward`,
    () => poolBackend(ctx, live).keepOld(livePool.hosts, livePool.version)
  );
  if (kept.kept !== "warm" || kept.stopAt) {
    state.previous = { ...state.previous, ...kept };
    await ctx.store.write(state);
  }
  const came = [
    how.warm ? `${how.warm} still running (switched back)` : "",
    how.started ? `${how.started} started again (no pull)` : "",
    how.pulled ? `${how.pulled} pulled and started` : ""
  ].filter(Boolean);
  return {
    message: `rolled back: ${prev.version} live on ${idle} (${hosts.length} hosts: ${came.join(", ")}); ${livePool.version} ${describeKept(kept)}`,
    version: prev.version,
    diff: change.diff,
    result: "rolled_back"
  };
}
async function rollback(ctx, state) {
  if (state.candidate) return rollbackCandidate(ctx, state);
  if (state.previous && state.live) return rollbackPromoted(ctx, state);
  throw new DeployError("nothing to roll back: no candidate pool and no previous version recorded");
}

// src/util/stats.ts
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))];
}

// src/deploy/ops/shift.ts
function gcd(a, b) {
  return b === 0 ? a : gcd(b, a % b);
}
function shiftWeights(percent, nLive, nCand, max = 256) {
  if (percent <= 0 || percent >= 100) throw new Error(`a shift step is between 1 and 99, got ${percent}`);
  let candidate = percent * nLive;
  let live = (100 - percent) * nCand;
  const g = gcd(candidate, live);
  candidate /= g;
  live /= g;
  const top = Math.max(candidate, live);
  if (top > max) {
    candidate = Math.max(1, Math.round(candidate * max / top));
    live = Math.max(1, Math.round(live * max / top));
  }
  return { live, candidate };
}
function judgeStep(sample, budget) {
  const errorRate = sample.requests === 0 ? 1 : sample.failed / sample.requests;
  const p99Ms = sample.latenciesMs.length === 0 ? 0 : percentile(sample.latenciesMs, 99);
  const problems = [];
  if (sample.requests === 0) problems.push("no request completed");
  else if (errorRate > budget.max_error_rate)
    problems.push(
      `error rate ${(errorRate * 100).toFixed(1)}% > ${(budget.max_error_rate * 100).toFixed(1)}% (${sample.failed} of ${sample.requests}${sample.firstError ? `; e.g. ${sample.firstError}` : ""})`
    );
  if (sample.requests > 0 && p99Ms > budget.max_p99) problems.push(`p99 ${p99Ms}ms > ${budget.max_p99}ms`);
  return {
    ok: problems.length === 0,
    errorRate,
    p99Ms,
    ...problems.length ? { reason: problems.join("; ") } : {}
  };
}
async function sampleThroughBalancer(ctx, durationMs, concurrency) {
  const url = balancerCheckUrl(ctx.config);
  const sample = { requests: 0, failed: 0, latenciesMs: [] };
  const deadline = ctx.clock.now() + durationMs;
  const worker = async () => {
    while (ctx.clock.now() < deadline && !ctx.signal.aborted) {
      const r = await ctx.checker.once(url, ctx.config.checks);
      sample.requests++;
      sample.latenciesMs.push(r.ms);
      if (!r.ok) {
        sample.failed++;
        sample.firstError ??= r.error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sample;
}
async function shiftTraffic(ctx, state, pool, hosts, release, steps) {
  const { version } = release;
  const livePool = state.live ? state.pools[state.live] : null;
  if (!state.live || !livePool) throw new DeployError("--steps needs a live pool to shift traffic from");
  const budget = ctx.config.shift;
  const diffs = [];
  for (const percent of steps.filter((s) => s < 100)) {
    const w = shiftWeights(percent, livePool.hosts.length, hosts.length);
    const targets = [
      ...servers(ctx, livePool.hosts).map((s) => ({ ...s, weight: w.live })),
      ...servers(ctx, hosts).map((s) => ({ ...s, weight: w.candidate }))
    ];
    const entering = state.candidate !== pool;
    const fail = async (err) => {
      if (!entering) return failStep(ctx, state, version, percent, messageOf(err));
      await poolBackend(ctx, pool).remove(hosts, version);
      throw err;
    };
    const change = await planSwitch(ctx, targets).catch(fail);
    await commitSwitch(ctx, state, change, {
      title: `shift ${percent}% to ${pool} ${version}`,
      update: (s) => {
        if (!entering) return;
        const service = poolBackend(ctx, pool).service;
        s.pools[pool] = {
          ...release,
          hosts,
          since: (/* @__PURE__ */ new Date()).toISOString(),
          ...service ? { service } : {}
        };
        s.candidate = pool;
      },
      onFailure: fail
    });
    if (change.diff) diffs.push(change.diff);
    ctx.log.info(
      `shift: ${percent}% of requests to ${pool} ${version} (weights: live ${w.live}, candidate ${w.candidate}); sampling ${budget.step_duration}ms through ${ctx.config.balancer.url}`
    );
    const sample = await sampleThroughBalancer(ctx, budget.step_duration, budget.concurrency);
    const verdict = judgeStep(sample, budget);
    const line = `${sample.requests} requests, ${sample.failed} failed, p99 ${verdict.p99Ms}ms`;
    if (!verdict.ok) return failStep(ctx, state, version, percent, `${verdict.reason} (${line})`);
    ctx.log.info(`shift: step ${percent}% passed: ${line}`);
  }
  ctx.log.info(`shift: 100% to ${pool} ${version}: promoting`);
  const promoted = await promote(ctx, state);
  return { ...promoted, diff: [...diffs, promoted.diff].filter(Boolean).join("\n") };
}
async function failStep(ctx, state, version, percent, reason) {
  ctx.log.error(`shift: step ${percent}% failed: ${reason}; rolling back`);
  await rollbackCandidate(ctx, state);
  const failed = new DeployError(`${version} failed at the ${percent}% step and was rolled back: ${reason}`);
  failed.rolledBack = true;
  throw failed;
}

// src/deploy/ops/deploy.ts
async function deploy(ctx, state, version, andPromote, steps, digest) {
  const { config } = ctx;
  if (steps && !state.live)
    throw new UsageError(
      "--steps shifts traffic from a live pool, and nothing is live yet: deploy without --steps first"
    );
  if (state.candidate) {
    const c = state.pools[state.candidate];
    throw new UsageError(
      `${state.candidate} already holds candidate ${c?.version ?? "?"} beside the live pool: run \`bluegreen promote\` or \`bluegreen rollback\` first`
    );
  }
  const pool = state.live ? otherPool(state.live) : "green";
  const backend = poolBackend(ctx, pool);
  let hosts = await backend.members();
  if (hosts.length === 0)
    throw new UsageError(
      `pools.${pool}: ${backend.emptiness.what}, but ${pool} is the idle pool this deploy goes to; ${backend.emptiness.fix}`
    );
  const live = state.live ? state.pools[state.live] : null;
  let change = await planSwitch(ctx, servers(ctx, [...live?.hosts ?? [], ...hosts]));
  if (ctx.dryRun) {
    let planned = digest ? releaseOf(config, version, { image: config.image, digest }) : { version, image: config.image };
    if (!digest && !config.build)
      planned = await ctx.images.resolve(ctx, version).then(
        (p) => releaseOf(config, version, p),
        (err) => {
          ctx.log.warn(`the plan shows the tag: ${err.message}`);
          return planned;
        }
      );
    const release2 = releaseCommand(ctx, planned);
    const plan = [
      ...buildPlan(ctx, version),
      ...backend.startPlan(hosts, planned),
      ...release2 ? planLines([releaseHost(hosts)], [release2]) : [],
      switchPlanLine(ctx),
      ...steps ? [
        `balancer: shift ${steps.join("% \u2192 ")}% to ${pool}, each step sampled ${config.shift.step_duration}ms`
      ] : []
    ];
    return {
      message: `would deploy ${version} to ${pool} (${hosts.length} hosts)`,
      version,
      plan,
      diff: change.diff
    };
  }
  const image = digest ? { image: config.image, digest } : await ctx.images.prepare(ctx, version);
  const release = releaseOf(config, version, image);
  const started = await ctx.log.group(`start ${version} on ${pool}`, () => backend.start(hosts, release));
  if (started.length !== hosts.length || started.some((h, i) => memberKey(h) !== memberKey(hosts[i]))) {
    hosts = started;
    change = await planSwitch(ctx, servers(ctx, [...live?.hosts ?? [], ...hosts]));
  }
  if (config.release)
    await ctx.log.group(
      `release ${version} on ${releaseHost(hosts).name}`,
      () => runRelease(ctx, pool, hosts, release).catch(async (err) => {
        await backend.remove(hosts, version);
        throw new DeployError(
          `${err.message}
The release failed: ${pool}'s containers were removed; nothing reached users (the balancer was not changed).`,
          err.host
        );
      })
    );
  if (state.previous?.pool === pool && state.previous.kept === "warm") {
    state.previous.kept = "stopped";
    delete state.previous.stopAt;
  }
  if (steps) return shiftTraffic(ctx, state, pool, hosts, release, steps);
  await commitSwitch(ctx, state, change, {
    title: "switch the balancer",
    update: (s) => {
      s.pools[pool] = {
        ...release,
        hosts,
        since: (/* @__PURE__ */ new Date()).toISOString(),
        ...backend.service ? { service: backend.service } : {}
      };
      if (s.live) s.candidate = pool;
      else s.live = pool;
    },
    onFailure: () => backend.remove(hosts, version)
  });
  try {
    await verifyThroughBalancer(ctx, Math.max(4, 2 * (hosts.length + (live?.hosts.length ?? 0))));
  } catch (err) {
    if (state.candidate) {
      ctx.log.error(`${err.message}; rolling back`);
      await rollbackCandidate(ctx, state);
      const failed = new DeployError(
        `${version} failed verification through the balancer and was rolled back: ${err.message}`
      );
      failed.rolledBack = true;
      throw failed;
    }
    throw err;
  }
  const where = `${version} live on ${pool} (${hosts.length} hosts)`;
  if (andPromote && state.candidate) {
    const promoted = await promote(ctx, state);
    return {
      ...promoted,
      image: release.image,
      digest: image.digest,
      diff: [change.diff, promoted.diff].filter(Boolean).join("\n")
    };
  }
  return {
    message: live && state.candidate ? `${where} beside ${state.live} ${live.version}` : where,
    version,
    image: release.image,
    // The digest, or (registry: none) the image ID: what pins the image either way.
    digest: image.digest,
    diff: change.diff
  };
}

// src/deploy/ops/scale.ts
async function scale(ctx, state) {
  const live = state.live;
  const current = live ? state.pools[live] : null;
  if (!live || !current) throw new DeployError("nothing is live yet: run `bluegreen deploy` first");
  const backend = poolBackend(ctx, live);
  let desired = await backend.members();
  if (desired.length === 0)
    throw new UsageError(
      `pools.${live}: ${backend.emptiness.what}; refusing to scale the live pool to zero ${backend.service ? "nodes" : "hosts"}`
    );
  const have = new Set(current.hosts.map(memberKey));
  const want = new Set(desired.map(memberKey));
  let added = desired.filter((h) => !have.has(memberKey(h)));
  const removed = current.hosts.filter((h) => !want.has(memberKey(h)));
  if (added.length === 0 && removed.length === 0)
    return {
      message: `${live} already has the ${desired.length} ${backend.service ? `nodes labelled for it` : "hosts the config lists"}`,
      version: current.version
    };
  const release = releaseFrom(current, ctx.config.image);
  const cand = state.candidate ? state.pools[state.candidate] : null;
  let change = await planSwitch(ctx, servers(ctx, [...desired, ...cand?.hosts ?? []]));
  const summary = () => `${live}: +${added.length} (${added.map((h) => h.name).join(", ") || "none"}), -${removed.length} (${removed.map((h) => h.name).join(", ") || "none"})`;
  if (ctx.dryRun) {
    const plan = [
      ...added.length ? backend.extendPlan(added, release) : [],
      switchPlanLine(ctx),
      ...removed.length ? backend.leavePlan(removed, current.version) : []
    ];
    return { message: `would scale ${summary()}`, version: current.version, plan, diff: change.diff };
  }
  if (added.length) {
    const joined = await ctx.log.group(
      `start ${current.version} on new ${live} hosts`,
      () => backend.extend(added, release)
    );
    if (joined.length !== added.length) {
      const left = new Set(added.filter((h) => !joined.some((j) => memberKey(j) === memberKey(h))).map(memberKey));
      desired = desired.filter((h) => !left.has(memberKey(h)));
      added = joined;
      change = await planSwitch(ctx, servers(ctx, [...desired, ...cand?.hosts ?? []]));
    }
  }
  await commitSwitch(ctx, state, change, {
    title: "switch the balancer",
    update: () => {
      current.hosts = desired;
    },
    onFailure: async () => {
      if (added.length) await backend.remove(added, current.version);
    }
  });
  if (removed.length)
    await ctx.log.group("stop removed hosts", () => backend.leave(removed, current.version));
  return {
    message: `scaled ${summary()}; ${desired.length} hosts serve ${current.version}`,
    version: current.version,
    diff: change.diff
  };
}

// src/deploy/ops/status.ts
async function status(ctx, state) {
  const files = await ctx.balancer.readAll();
  const text = files[0].text;
  const drifted = new Set(driftOf(files).map((f) => f.host));
  const seen = /* @__PURE__ */ new Set();
  const pools = await Promise.all(
    POOLS.map((pool) => poolBackend(ctx, pool).status(state.pools[pool], seen))
  );
  const facts = await Promise.all(ctx.balancer.members.map((m) => m.facts()));
  const report = {
    live: state.live,
    candidate: state.candidate,
    previous: state.previous ? {
      pool: state.previous.pool,
      version: state.previous.version,
      ...state.previous.digest ? { digest: state.previous.digest } : {},
      ...state.previous.imageId ? { imageId: state.previous.imageId } : {},
      ...state.previous.kept ? { kept: state.previous.kept } : {},
      ...state.previous.stopAt ? { stopAt: state.previous.stopAt } : {}
    } : null,
    pools: ["live", "candidate"].flatMap((role) => {
      const pool = state[role];
      const p = pool ? state.pools[pool] : null;
      return pool && p ? [
        {
          pool,
          role,
          version: p.version,
          ...p.image ? { image: p.image } : {},
          ...p.digest ? { digest: p.digest } : {},
          ...p.imageId ? { imageId: p.imageId } : {}
        }
      ] : [];
    }),
    upstream: ctx.balancer.servers(text),
    upstreamEditedByHand: state.upstreamSha256 !== null && state.upstreamSha256 !== sha256(text),
    balancers: files.map((f, i) => ({
      host: f.host,
      sha256: f.sha256,
      upstream: ctx.balancer.servers(f.text),
      drift: drifted.has(f.host),
      ...facts[i]
    })),
    drift: drifted.size > 0,
    hosts: pools.flatMap((p) => p.rows),
    ...pools.some((p) => p.service) ? { services: pools.flatMap((p) => p.service ? [p.service] : []) } : {}
  };
  const live = state.live ? `${state.live} ${state.pools[state.live]?.version}` : "nothing";
  const cand = state.candidate ? `, candidate ${state.candidate} ${state.pools[state.candidate]?.version}` : "";
  return {
    message: `live: ${live}${cand}`,
    version: state.live ? state.pools[state.live]?.version : void 0,
    status: report
  };
}

// src/deploy/ops/prune.ts
async function pruneCommand(ctx, state) {
  const lines = await prune(ctx, state, ctx.dryRun);
  const what = `retain ${ctx.config.retain} per host; never ${[state.live, state.candidate].filter(Boolean).length ? "the live, candidate or previous version" : "a running container"}`;
  if (lines.length === 0) return { message: `nothing to prune (${what})` };
  return {
    message: `${ctx.dryRun ? "would prune" : "pruned"} ${lines.length} host(s) (${what})`,
    plan: lines
  };
}

// src/deploy/run.ts
function views(state) {
  const out = [];
  for (const pool of ["green", "blue"]) {
    const p = state.pools[pool];
    const role = state.live === pool ? "live" : state.candidate === pool ? "candidate" : void 0;
    if (p && role) out.push({ pool, version: p.version, hosts: p.hosts.map((h) => h.name), role });
  }
  return out;
}
function operation(ctx, state, args) {
  switch (args.command) {
    case "deploy":
      return deploy(ctx, state, args.version, args.promote ?? false, args.steps, args.digest);
    case "promote":
      return promote(ctx, state);
    case "rollback":
      return rollback(ctx, state);
    case "scale":
      return scale(ctx, state);
    case "status":
      return status(ctx, state);
    case "prune":
      return pruneCommand(ctx, state);
  }
}
async function runCommand(opts, args, open = openContext) {
  const started = Date.now();
  const changes = args.command !== "status" && !opts.dryRun;
  const base = {
    command: args.command,
    result: "failure",
    dryRun: opts.dryRun ?? false,
    ...args.version ? { version: args.version } : {},
    message: "",
    before: [],
    after: [],
    hosts: [],
    balancerUrl: opts.config.balancer.url,
    durationMs: 0
  };
  let ctx;
  let locked = false;
  let facts;
  let pastPreHooks = false;
  const hooks = hooksOf(args.command, args.promote ?? false);
  try {
    ctx = await open(opts);
    if (changes) {
      await ctx.lock.acquire(args.command, opts.config.lock.ttl, opts.config.lock.wait);
      locked = true;
    }
    const switches = !["status", "prune"].includes(args.command);
    const reads = {
      state: ctx.store.read(),
      files: switches ? ctx.balancer.readAll() : void 0,
      workers: changes && switches ? ctx.balancer.prepare() : void 0
    };
    for (const p of [reads.files, reads.workers]) p?.catch(() => void 0);
    const state = await reads.state;
    base.before = views(state);
    refuseKindChange(ctx, state);
    if (args.command === "promote" && args.expectCandidate !== void 0)
      refuseOtherCandidate(state, args.expectCandidate);
    if (switches) {
      await reads.files;
      await refuseDrift(ctx, args.force ?? false);
    }
    facts = hookFacts(ctx, state, args.command, args.version);
    if (facts) for (const name of hooks.pre) await runPreHook(ctx, name, facts, state);
    await reads.workers;
    if (changes && switches) await reconcile(ctx, state);
    pastPreHooks = true;
    const res = await operation(ctx, state, args);
    const hookLines = facts ? await runPostHooks(ctx, hooks.post, { ...facts, ...res, result: res.result ?? "success" }, state) : [];
    if (ctx.dryRun && res.plan && facts)
      res.plan = [
        ...hooks.pre.flatMap((n) => hookPlanLine(ctx, n)),
        ...res.plan,
        ...hooks.post.flatMap((n) => hookPlanLine(ctx, n))
      ];
    const outcome = {
      ...base,
      result: res.result ?? "success",
      message: [res.message, ...hookLines].join("\n"),
      ...res.version ? { version: res.version } : {},
      ...res.image ? { image: res.image } : {},
      ...res.digest ? { digest: res.digest } : {},
      after: ctx.dryRun ? base.before : views(state),
      hosts: ctx.recorder.hosts,
      ...res.diff ? { balancerDiff: res.diff } : {},
      ...res.plan ? { plan: res.plan } : {},
      ...res.status ? { status: res.status } : {},
      durationMs: Date.now() - started
    };
    if (changes) {
      const open2 = ctx;
      await open2.lock.release((unlock) => appendHistory(open2, outcome, state, unlock));
      locked = false;
    }
    return { outcome };
  } catch (error) {
    const result = error instanceof DeployError && error.rolledBack ? "rolled_back" : "failure";
    const hookLines = ctx && facts && pastPreHooks ? await runPostHooks(
      ctx,
      hooks.post,
      { ...facts, result, message: messageOf(error) },
      await ctx.store.read().catch(() => emptyState(opts.config.app))
    ) : [];
    const outcome = {
      ...base,
      result,
      message: [messageOf(error), ...hookLines].join("\n"),
      hosts: ctx?.recorder.hosts ?? [],
      durationMs: Date.now() - started
    };
    if (ctx && locked) {
      try {
        const state = await ctx.store.read();
        outcome.after = views(state);
        await appendHistory(ctx, outcome);
      } catch {
      }
    }
    return { outcome, error };
  } finally {
    if (ctx) {
      if (locked) await ctx.lock.release().catch(() => void 0);
      await closeContext(ctx);
    }
  }
}
function refuseOtherCandidate(state, expected) {
  const candidate = state.candidate ? state.pools[state.candidate] : null;
  if (!candidate)
    throw new UsageError(`promote refused: there is no candidate; expected ${expected} to be deployed first`);
  if (candidate.version !== expected)
    throw new UsageError(
      `promote refused: the candidate on ${state.candidate} runs ${candidate.version}, not ${expected}; deploy ${expected} first, or promote ${candidate.version} where it was deployed from`
    );
}
async function appendHistory(ctx, outcome, known, unlock) {
  const state = known ?? await ctx.store.read();
  const pool = outcome.after.find((v) => v.version === outcome.version)?.pool;
  state.history.push({
    at: (/* @__PURE__ */ new Date()).toISOString(),
    by: `${ctx.actor}@${hostname()}`,
    command: outcome.command,
    ...outcome.version ? { version: outcome.version } : {},
    ...pool ? { pool } : {},
    result: outcome.result,
    message: outcome.message.split("\n")[0].slice(0, 300)
  });
  await ctx.store.write(state, unlock);
}

export {
  runCommand,
  refuseOtherCandidate
};
