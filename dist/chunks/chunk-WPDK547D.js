#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  validateVersion
} from "./chunk-CKGP2JAI.js";
import {
  COMMAND_NAMES
} from "./chunk-VVSAQYFU.js";
import {
  UsageError,
  registryOf
} from "./chunk-CEACHMP3.js";

// src/engine-options.ts
import { dirname } from "node:path";
var COMMANDS = [...COMMAND_NAMES, "validate"];
var CLI_FIELDS = {
  command: "command",
  version: "--version",
  steps: "--steps",
  promote: "--promote"
};
var ACTION_FIELDS = {
  command: "input command",
  version: "input version",
  steps: "input steps",
  promote: "promote"
};
function parseCommand(value, field) {
  if (!COMMANDS.includes(value))
    throw new UsageError(`unknown ${field} ${JSON.stringify(value)}: expected one of ${COMMANDS.join(", ")}`);
  return value;
}
function commandArgs(req, names) {
  const deploy = req.command === "deploy";
  if (!deploy) {
    if (req.version !== void 0) throw new UsageError(`${names.version} applies to deploy only`);
    if (req.steps !== void 0) throw new UsageError(`${names.steps} applies to deploy only`);
    if (req.promote) throw new UsageError(`${names.promote} applies to deploy only`);
  }
  if (req.digest !== void 0 && !deploy) throw new UsageError("a digest applies to deploy only");
  if (req.expectCandidate !== void 0 && req.command !== "promote")
    throw new UsageError("an expected candidate applies to promote only");
  return {
    command: req.command,
    ...deploy ? { version: validateVersion(req.version, names.version) } : {},
    ...req.promote ? { promote: true } : {},
    ...req.steps ? { steps: req.steps } : {},
    force: req.force ?? false,
    ...req.digest ? { digest: req.digest } : {},
    ...req.expectCandidate ? { expectCandidate: req.expectCandidate } : {}
  };
}
function secretsFor(config, given, env) {
  const pick = (...values) => values.find((v) => v !== void 0 && v !== "");
  const registry = registryOf(config);
  const passwordEnv = registry?.password_env;
  const privateKey = pick(given.privateKey, env.BLUEGREEN_SSH_KEY);
  const knownHosts = pick(given.knownHosts, env.BLUEGREEN_KNOWN_HOSTS);
  const registryPassword = pick(given.registryPassword, passwordEnv ? env[passwordEnv] : void 0);
  const pullEnv = registry?.pull_password_env;
  const registryPullPassword = pick(given.registryPullPassword, pullEnv ? env[pullEnv] : void 0);
  return {
    ...privateKey ? { privateKey } : {},
    ...knownHosts ? { knownHosts } : {},
    ...registryPassword ? { registryPassword } : {},
    ...registryPullPassword ? { registryPullPassword } : {}
  };
}
function engineOptions(req) {
  let { config } = req;
  if (req.registryUsername) {
    const registry = registryOf(config);
    if (!registry)
      throw new UsageError("input registry_username: the config has no registry.server to log in to");
    config = { ...config, registry: { ...registry, username: req.registryUsername } };
  }
  if (req.secrets.registryPassword && !registryOf(config)?.username)
    req.log.warn(
      "a registry password is set but no registry user (registry.username or registry_username): nothing logs in to the registry"
    );
  return {
    config,
    baseDir: dirname(req.configPath),
    secrets: req.secrets,
    log: req.log,
    ...req.actor ? { actor: req.actor } : {},
    dryRun: req.dryRun,
    signal: req.signal,
    ...req.openssh ? { openssh: true } : {}
  };
}

// src/util/log.ts
function formatStepLine(host, step, ok, ms, detail) {
  return `${host.padEnd(14)} ${step.padEnd(8)} ${ok ? "ok  " : "FAIL"} ${(ms / 1e3).toFixed(2).padStart(6)}s${detail ? `  ${detail}` : ""}`;
}
function consoleLogger(stream = process.stderr, quiet = false) {
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1e3).toFixed(1).padStart(5)}s]`;
  const write = (line) => {
    if (!quiet) stream.write(`${stamp()} ${line}
`);
  };
  return {
    info: (m) => write(m),
    warn: (m) => write(`warning: ${m}`),
    error: (m) => write(`error: ${m}`),
    hostStep: (host, step, ok, ms, detail) => write(`  ${formatStepLine(host, step, ok, ms, detail)}`),
    group: async (title, fn) => {
      write(`== ${title}`);
      return fn();
    }
  };
}
function liveLogger(stream = process.stderr) {
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1e3).toFixed(1).padStart(5)}s]`;
  const hosts = /* @__PURE__ */ new Map();
  let drawn = 0;
  const erase = () => {
    if (drawn > 0) stream.write(`\x1B[${drawn}F\x1B[J`);
    drawn = 0;
  };
  const draw = () => {
    const lines = [...hosts].map(([host, steps]) => `  ${host.padEnd(14)} ${steps.join("  ")}`);
    if (lines.length) stream.write(`${lines.join("\n")}
`);
    drawn = lines.length;
  };
  const message = (line) => {
    erase();
    stream.write(`${stamp()} ${line}
`);
    draw();
  };
  return {
    info: (m) => message(m),
    warn: (m) => message(`\x1B[33mwarning:\x1B[0m ${m}`),
    error: (m) => message(`\x1B[31merror:\x1B[0m ${m}`),
    hostStep: (host, step, ok, ms, detail) => {
      erase();
      const steps = hosts.get(host) ?? [];
      const mark = ok ? "\x1B[32m\u2713\x1B[0m" : "\x1B[31m\u2717\x1B[0m";
      steps.push(
        `${step} ${mark} ${(ms / 1e3).toFixed(1)}s${!ok && detail ? ` \x1B[31m${detail}\x1B[0m` : ""}`
      );
      hosts.set(host, steps);
      draw();
    },
    group: async (title, fn) => {
      hosts.clear();
      drawn = 0;
      stream.write(`${stamp()} == ${title}
`);
      return fn();
    }
  };
}

// src/util/cancel.ts
function cancelOnSignals(onSignal = () => void 0) {
  const controller = new AbortController();
  let received;
  const handler = (name) => {
    if (!received) {
      received = name;
      onSignal(name);
      controller.abort(new Error(`cancelled by ${name}`));
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    }
  };
}
function signalExitCode(name) {
  return name === "SIGINT" ? 130 : 143;
}

// src/validate.ts
function count(n, what) {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}
var label = (l) => `${l.key}=${l.value}`;
function describeConfig(config, path) {
  const { pools, balancer } = config;
  return [
    `${path} is valid`,
    `app ${config.app}: image ${config.image}${config.build ? ", built from " + config.build.context : ", published by your CI"}${config.registry === "none" ? " (registry: none: streamed to the hosts over SSH)" : ""}`,
    config.swarm ? `pools: Swarm services ${config.app}-green (nodes labelled ${label(config.swarm.labels.green)}) and ${config.app}-blue (${label(config.swarm.labels.blue)}), through manager ${config.swarm.manager.host}` : `pools: green ${count(pools.green.length, "host")}, blue ${count(pools.blue.length, "host")}`,
    `balancer: ${balancer.type} on ${count(balancer.hosts.length, "host")}, upstream ${balancer.upstream} in ${balancer.file ?? `Caddy's admin API at ${balancer.admin ?? "localhost:2019"}`}`
  ];
}

export {
  CLI_FIELDS,
  ACTION_FIELDS,
  parseCommand,
  commandArgs,
  secretsFor,
  engineOptions,
  formatStepLine,
  consoleLogger,
  liveLogger,
  cancelOnSignals,
  signalExitCode,
  describeConfig
};
