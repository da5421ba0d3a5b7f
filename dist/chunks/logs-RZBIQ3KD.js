#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  closeContext,
  containerName,
  docker,
  openContext,
  targetOf
} from "./chunk-EQ46OQ7U.js";
import "./chunk-7KC6R7G7.js";
import "./chunk-VVSAQYFU.js";
import {
  DeployError,
  UsageError
} from "./chunk-CEACHMP3.js";

// src/deploy/logs.ts
import { PassThrough } from "node:stream";
var LOG_POOLS = ["live", "candidate", "green", "blue"];
var READABLE_DRIVERS = /* @__PURE__ */ new Set(["json-file", "local", "journald"]);
function logsElsewhere(options) {
  let driver;
  let address;
  options.forEach((o, i) => {
    const next = options[i + 1];
    if (o === "--log-driver" && next) driver = next;
    else if (o.startsWith("--log-driver=")) driver = o.slice("--log-driver=".length);
    const opt = o === "--log-opt" ? next : o.startsWith("--log-opt=") ? o.slice("--log-opt=".length) : void 0;
    const m = opt ? /^([a-z]+-address)=(.+)$/.exec(opt) : null;
    if (m) address = m[2];
  });
  if (!driver || READABLE_DRIVERS.has(driver)) return void 0;
  return `container.options sends the app's logs to the ${driver} log driver${address ? ` at ${address}` : ""}: read them there (bluegreen logs reads \`docker logs\` on the hosts, which has only what json-file, local or journald keep)`;
}
function logsTarget(config, state, pool) {
  const name = pool === "live" ? state.live : pool === "candidate" ? state.candidate : pool;
  const record = name ? state.pools[name] : null;
  if (!name || !record || name !== state.live && name !== state.candidate)
    throw new UsageError(
      `--pool ${pool}: ${name ? `${name} runs nothing of ${config.app} now` : `there is no ${pool} pool now`} (live: ${state.live ?? "none"}, candidate: ${state.candidate ?? "none"})`
    );
  return { pool: name, version: record.version, hosts: record.hosts };
}
function lineWriter(write) {
  let rest = "";
  return {
    push(chunk) {
      const parts = (rest + chunk.toString()).split("\n");
      rest = parts.pop();
      for (const l of parts) write(l);
    },
    end() {
      if (rest) write(rest);
      rest = "";
    }
  };
}
async function streamLogs(ctx, state, req, write) {
  const elsewhere = logsElsewhere(ctx.config.container.options);
  if (elsewhere) throw new UsageError(elsewhere);
  const target = logsTarget(ctx.config, state, req.pool);
  const name = containerName(ctx.config.app, target.version);
  const command = docker.readLogs(name, {
    ...req.since !== void 0 ? { since: req.since } : {},
    ...req.tail !== void 0 ? { tail: req.tail } : {},
    follow: req.follow
  });
  const stdin = req.follow ? new PassThrough() : void 0;
  const stop = () => stdin?.end();
  if (ctx.signal.aborted) stop();
  ctx.signal.addEventListener("abort", stop, { once: true });
  const width = Math.max(...target.hosts.map((h) => h.name.length));
  try {
    const results = await Promise.allSettled(
      target.hosts.map(async (h) => {
        const prefix = `${h.name.padEnd(width)} | `;
        const out = lineWriter((l) => write(prefix + l));
        const err = lineWriter((l) => write(prefix + l));
        const shell = await ctx.remote.get(targetOf(ctx.config, h));
        const r = await shell.exec(command, {
          check: false,
          ...stdin ? { stdin } : {},
          onStdout: (c) => out.push(c),
          onStderr: (c) => err.push(c)
        });
        out.end();
        err.end();
        if (r.code !== 0 && !(req.follow && ctx.signal.aborted))
          throw new DeployError(`${h.name}: docker logs ${name} exited ${r.code}`, h.name);
      })
    );
    const failed = results.flatMap((r) => r.status === "rejected" ? [r.reason.message] : []);
    if (failed.length) throw new DeployError(failed.join("\n"));
  } finally {
    ctx.signal.removeEventListener("abort", stop);
    stop();
  }
}
async function runLogs(opts, req, write, open = openContext) {
  const elsewhere = logsElsewhere(opts.config.container.options);
  if (elsewhere) throw new UsageError(elsewhere);
  const ctx = await open(opts);
  try {
    await streamLogs(ctx, await ctx.store.read(), req, write);
  } finally {
    await closeContext(ctx);
  }
}
export {
  LOG_POOLS,
  logsElsewhere,
  logsTarget,
  runLogs,
  streamLogs
};
