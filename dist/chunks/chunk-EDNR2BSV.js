#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
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
  targetOf
} from "./chunk-DLH7TSQ6.js";
import {
  DeployError,
  UsageError,
  messageOf,
  registryOf
} from "./chunk-OANLFM4I.js";

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
  const what = `${drifted.map((f) => f.host).join(", ")} differ${drifted.length === 1 ? "s" : ""} from ${all[0].host} (${ctx.config.balancer.file}; see \`bluegreen status\`)`;
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
async function checkHost(ctx, host, pool, shell, version) {
  const { config } = ctx;
  const url = hostUrl(host.address, config.container.port, config.checks.path);
  await timed(
    ctx,
    host,
    pool,
    "check",
    async () => {
      const r = await ctx.checker.withRetries(url, config.checks, ctx.signal);
      if (!r.ok) {
        const logs = await shell.exec(docker.logs(containerName(config.app, version), 5), { check: false });
        const tail2 = logExcerpt(logs.stdout + logs.stderr);
        throw new DeployError(
          `${host.name}: check GET ${url} failed after ${r.attempts} attempts: ${r.error}${tail2 ? `; container log: ${tail2}` : ""}`,
          host.name
        );
      }
      return r;
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
    await shell.exec(docker.cancelScheduledStops(ctx.config.app), { check: false });
    const state = (await shell.exec(docker.stateOf(name), { check: false })).stdout.trim();
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
  const file = ctx.config.balancer.file;
  const diff = before === after ? "" : createTwoFilesPatch(file, file, before, after, "before", "after");
  return { before, after, diff };
}
function switchPlanLine(ctx) {
  const { test, reload } = ctx.balancer.describeCommands();
  return `balancer: write ${ctx.config.balancer.file}, \`${test}\`, \`${reload}\``;
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
  const key2 = (s) => `${s.host}:${s.port}`;
  const same = expected.length === actual.length && expected.every((e) => actual.some((a) => key2(a) === key2(e)));
  if (same) return;
  ctx.log.warn(
    `the balancer's servers (${actual.map(key2).join(", ") || "none"}) are not what the state record expects (${expected.map(key2).join(", ")}): an interrupted run or a hand edit; restoring them first`
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
  let stopped;
  const removeContainer = async () => {
    const now = await ctx.remote.get(targetOf(ctx.config, host));
    await now.exec(docker.remove(name), { check: false });
  };
  const stop = (why) => {
    stopped ??= why;
    removeContainer().catch(() => void 0);
  };
  const timer = setTimeout(
    () => stop(`still running after ${spec.timeout / 1e3}s (release.timeout)`),
    spec.timeout
  );
  const onAbort = () => stop("cancelled");
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await timed(
      ctx,
      host,
      pool,
      "release",
      async () => {
        const r = await shell.exec(c.command, { check: false });
        const output = `${r.stdout}${r.stderr}`;
        if (r.code !== 0 || stopped) {
          throw new DeployError(
            `${host.name}: release \`${words}\` of ${release.version} ${stopped ?? `exited ${r.code}`}${output.trim() ? `; its output:
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
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
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
      host: { name: h.name, host: h.ssh.host, port: h.ssh.port ?? ctx.config.ssh.port, address: h.address },
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
    ] : keep.ms === 0 ? planLines(livePool.hosts, stopKeepingCommands(ctx, livePool.version)) : [
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
    () => keepOld(ctx, live, livePool.hosts, livePool.version)
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
      plan: [switchPlanLine(ctx), ...planLines(candPool.hosts, stopCommands(ctx, candPool.version))],
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
    () => stopPool(ctx, cand, candPool.hosts, candPool.version)
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
  const hosts = prev.pool === idle && prev.hosts?.length ? prev.hosts : ctx.config.pools[idle].map((h) => recordOf(ctx.config, h));
  if (hosts.length === 0)
    throw new DeployError(
      `pools.${idle} is empty: rollback brings ${prev.version} back on the idle pool; list its hosts`
    );
  const release = releaseFrom(prev, ctx.config.image);
  const change = await planSwitch(ctx, servers(ctx, hosts));
  if (ctx.dryRun) {
    return {
      message: `would bring ${prev.version} back on ${idle} (${prev.kept === "warm" ? "still running: a switch back" : prev.kept === "stopped" ? "stopped: docker start, no pull" : "started again"}) and retire ${livePool.version}`,
      version: prev.version,
      plan: [
        ...hosts.map(
          (h) => `${h.name}: ${containerName(ctx.config.app, prev.version)} running \u2192 check it; stopped \u2192 docker start + check; missing \u2192 ${startCommands(
            ctx,
            idle,
            release
          ).map((c) => c.command).join(" && ")} + check`
        ),
        switchPlanLine(ctx)
      ],
      diff: change.diff,
      result: "rolled_back"
    };
  }
  const how = await ctx.log.group(
    `bring ${prev.version} back on ${idle}`,
    () => bringBack(ctx, idle, hosts, release)
  );
  await commitSwitch(ctx, state, change, {
    title: `switch the balancer to ${idle}`,
    update: (s) => {
      s.pools[idle] = { ...release, hosts, since: (/* @__PURE__ */ new Date()).toISOString() };
      s.previous = { ...livePool, pool: live, kept: "warm" };
      s.live = idle;
      s.pools[live] = null;
    },
    onFailure: () => retire(
      ctx,
      idle,
      hosts,
      "stop",
      how.warm === hosts.length ? [] : stopKeepingCommands(ctx, prev.version)
    )
  });
  const kept = await ctx.log.group(
    `keep ${live} ${livePool.version} for a roll forward`,
    () => keepOld(ctx, live, livePool.hosts, livePool.version)
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
      await removeFromPool(ctx, pool, hosts, version);
      throw err;
    };
    const change = await planSwitch(ctx, targets).catch(fail);
    await commitSwitch(ctx, state, change, {
      title: `shift ${percent}% to ${pool} ${version}`,
      update: (s) => {
        if (!entering) return;
        s.pools[pool] = { ...release, hosts, since: (/* @__PURE__ */ new Date()).toISOString() };
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
  const hosts = config.pools[pool].map((h) => recordOf(config, h));
  if (hosts.length === 0)
    throw new UsageError(
      `pools.${pool}: is empty, but ${pool} is the idle pool this deploy goes to; list its hosts`
    );
  const live = state.live ? state.pools[state.live] : null;
  const change = await planSwitch(ctx, servers(ctx, [...live?.hosts ?? [], ...hosts]));
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
      ...planLines(hosts, startCommands(ctx, pool, planned)),
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
  await ctx.log.group(`start ${version} on ${pool}`, () => startPool(ctx, pool, hosts, release));
  if (config.release)
    await ctx.log.group(
      `release ${version} on ${releaseHost(hosts).name}`,
      () => runRelease(ctx, pool, hosts, release).catch(async (err) => {
        await removeFromPool(ctx, pool, hosts, version);
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
      s.pools[pool] = { ...release, hosts, since: (/* @__PURE__ */ new Date()).toISOString() };
      if (s.live) s.candidate = pool;
      else s.live = pool;
    },
    onFailure: () => removeFromPool(ctx, pool, hosts, version)
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
var key = (h) => `${h.host}:${h.port}`;
async function scale(ctx, state) {
  const live = state.live;
  const current = live ? state.pools[live] : null;
  if (!live || !current) throw new DeployError("nothing is live yet: run `bluegreen deploy` first");
  const desired = ctx.config.pools[live].map((h) => recordOf(ctx.config, h));
  if (desired.length === 0)
    throw new UsageError(`pools.${live}: is empty; refusing to scale the live pool to zero hosts`);
  const have = new Set(current.hosts.map(key));
  const want = new Set(desired.map(key));
  const added = desired.filter((h) => !have.has(key(h)));
  const removed = current.hosts.filter((h) => !want.has(key(h)));
  if (added.length === 0 && removed.length === 0)
    return {
      message: `${live} already has the ${desired.length} hosts the config lists`,
      version: current.version
    };
  const release = releaseFrom(current, ctx.config.image);
  const cand = state.candidate ? state.pools[state.candidate] : null;
  const change = await planSwitch(ctx, servers(ctx, [...desired, ...cand?.hosts ?? []]));
  const summary = `${live}: +${added.length} (${added.map((h) => h.name).join(", ") || "none"}), -${removed.length} (${removed.map((h) => h.name).join(", ") || "none"})`;
  if (ctx.dryRun) {
    const plan = [
      ...planLines(added, startCommands(ctx, live, release)),
      switchPlanLine(ctx),
      ...planLines(removed, leaveCommands(ctx, current.version))
    ];
    return { message: `would scale ${summary}`, version: current.version, plan, diff: change.diff };
  }
  if (added.length)
    await ctx.log.group(
      `start ${current.version} on new ${live} hosts`,
      () => startPool(ctx, live, added, release)
    );
  await commitSwitch(ctx, state, change, {
    title: "switch the balancer",
    update: () => {
      current.hosts = desired;
    },
    onFailure: async () => {
      if (added.length) await removeFromPool(ctx, live, added, current.version);
    }
  });
  if (removed.length)
    await ctx.log.group("stop removed hosts", () => leavePool(ctx, live, removed, current.version));
  return {
    message: `scaled ${summary}; ${desired.length} hosts serve ${current.version}`,
    version: current.version,
    diff: change.diff
  };
}

// src/deploy/ops/status.ts
async function status(ctx, state) {
  const files = await ctx.balancer.readAll();
  const text = files[0].text;
  const drifted = new Set(driftOf(files).map((f) => f.host));
  const hosts = [];
  const seen = /* @__PURE__ */ new Set();
  for (const pool of ["green", "blue"]) {
    const listed = [
      ...state.pools[pool]?.hosts ?? [],
      ...ctx.config.pools[pool].map((h) => recordOf(ctx.config, h))
    ];
    for (const h of listed) {
      if (seen.has(`${h.host}:${h.port}`)) continue;
      seen.add(`${h.host}:${h.port}`);
      hosts.push({ host: h, pool });
    }
  }
  const rows = await ctx.remote.each(hosts, async ({ host, pool }) => {
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
    hosts: rows.map(
      (r) => r.status === "fulfilled" ? r.value : {
        host: "?",
        pool: "green",
        address: "?",
        container: "-",
        state: "error",
        version: "-",
        check: String(r.reason),
        ok: false
      }
    )
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
  try {
    ctx = await open(opts);
    if (changes) {
      await ctx.lock.acquire(args.command, opts.config.lock.ttl, opts.config.lock.wait);
      locked = true;
    }
    const state = await ctx.store.read();
    base.before = views(state);
    if (args.command === "promote" && args.expectCandidate !== void 0)
      refuseOtherCandidate(state, args.expectCandidate);
    const switches = !["status", "prune"].includes(args.command);
    if (switches) await refuseDrift(ctx, args.force ?? false);
    facts = hookFacts(ctx, state, args.command, args.version);
    const hooks = hooksOf(args.command, args.promote ?? false);
    if (facts) for (const name of hooks.pre) await runPreHook(ctx, name, facts, state);
    if (changes && switches) await ctx.balancer.prepare();
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
    if (changes) await appendHistory(ctx, outcome, state);
    return { outcome };
  } catch (error) {
    const result = error instanceof DeployError && error.rolledBack ? "rolled_back" : "failure";
    const hookLines = ctx && facts && pastPreHooks ? await runPostHooks(
      ctx,
      hooksOf(args.command, args.promote ?? false).post,
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
async function appendHistory(ctx, outcome, known) {
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
  await ctx.store.write(state);
}

export {
  runCommand,
  refuseOtherCandidate
};
