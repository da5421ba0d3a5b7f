#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  CLI_FIELDS,
  cancelOnSignals,
  commandArgs,
  consoleLogger,
  describeConfig,
  engineOptions,
  liveLogger,
  parseCommand,
  secretsFor,
  signalExitCode
} from "./chunk-WPDK547D.js";
import {
  parseSteps
} from "./chunk-JKTF3L2F.js";
import {
  validateVersion
} from "./chunk-CKGP2JAI.js";
import "./chunk-VVSAQYFU.js";
import {
  UsageError,
  exitCodeOf,
  messageOf
} from "./chunk-CEACHMP3.js";

// src/cli.ts
import { resolve } from "node:path";
import { parseArgs } from "node:util";

// src/report/text.ts
function formatStatus(o) {
  const s = o.status;
  if (!s) return o.message;
  const lines = [o.message];
  for (const p of s.pools ?? [])
    lines.push(
      `${p.role}: ${p.pool} ${p.version}${p.digest ? ` (${p.image ? `${p.image}@` : ""}${p.digest})` : p.imageId ? ` (image ID ${p.imageId}, streamed over SSH)` : ""}`
    );
  if (s.previous) {
    const how = s.previous.kept === "warm" ? `old pool warm (${s.previous.version}, still running outside the balancer${s.previous.stopAt ? `, stopped at ${s.previous.stopAt}` : ""}): a rollback only switches back` : s.previous.kept === "stopped" ? `stopped, kept: a rollback starts it again (no pull)` : "a rollback starts it again";
    lines.push(`previous: ${s.previous.version} on ${s.previous.pool}: ${how}`);
  }
  lines.push(
    `upstream: ${s.upstream.map((u) => `${u.host}:${u.port}${u.weight ? ` weight=${u.weight}` : ""}`).join(", ") || "(no servers)"}`
  );
  for (const v of s.services ?? [])
    lines.push(
      `swarm: ${v.service} (${v.pool}): ${v.image ? `${v.image}${v.version ? ` (${v.version})` : ""}, ${v.running} task(s) running on ${v.placed} placed node(s)` : "no such service"}`
    );
  if (s.upstreamEditedByHand)
    lines.push("warning: the upstream file differs from what bluegreen last wrote (edited by hand?)");
  for (const b of s.balancers ?? []) {
    const k = b.caddy;
    if (k)
      lines.push(
        `balancer ${b.host}: caddy${k.version ? ` ${k.version}` : ""}, admin API ${k.admin} ${k.reachable ? "reachable" : "NOT reachable"}, ${k.upstreamFound ? "reverse_proxy handler found" : `handler NOT found${k.problem ? `: ${k.problem}` : ""}`}${k.listenerMigration && k.listenerMigration !== "on" ? `; net.ipv4.tcp_migrate_req ${k.listenerMigration === "off" ? "is 0" : "unsupported"}: a connection arriving at a change can be reset` : ""}`
      );
    const c = b.container;
    if (!c) continue;
    const view = c.inside === void 0 ? "balancer.file is NOT mounted into it" : c.sameFile === false ? `reads ${c.inside}, which is DIFFERENT from the host file (a replaced single-file mount: docker restart ${c.name})` : `reads balancer.file at ${c.inside}`;
    lines.push(`balancer ${b.host}: container ${c.name}: ${c.running ? "running" : c.status}, ${view}`);
  }
  if (s.balancers && s.balancers.length > 1) {
    for (const b of s.balancers)
      lines.push(
        `balancer ${b.host}: sha256 ${b.sha256.slice(0, 12)}${b.drift ? "  DRIFT: differs from the first balancer" : ""}`
      );
    if (s.drift)
      lines.push(
        "warning: the balancers' files differ; deploy/promote/rollback/scale refuse without --force"
      );
  }
  lines.push("");
  const header = ["HOST", "POOL", "ADDRESS", "CONTAINER", "STATE", "VERSION", "CHECK"];
  const rows = s.hosts.map((h) => [h.host, h.pool, h.address, h.container, h.state, h.version, h.check]);
  const widths = header.map((_, i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows])
    lines.push(
      r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()
    );
  return lines.join("\n");
}
function formatOutcome(o) {
  if (o.command === "status") return formatStatus(o);
  const lines = [];
  if (o.plan?.length) lines.push("plan:", ...o.plan.map((p) => `  ${p}`));
  if (o.balancerDiff)
    lines.push(o.dryRun ? "balancer change (not applied):" : "balancer change:", o.balancerDiff.trimEnd());
  const verdict = o.dryRun ? "dry run" : o.result;
  lines.push(`${verdict}: ${o.message} (${(o.durationMs / 1e3).toFixed(1)}s)`);
  return lines.join("\n");
}

// src/cli.ts
var HELP = `bluegreen \u2014 zero-downtime blue-green deploys of a Docker app behind a load balancer (nginx or HAProxy)

Usage:
  bluegreen deploy --version V [--promote]   start V on the idle pool, preflight it, add it to the upstream
  bluegreen deploy --version V --steps 10,50,100
                                             \u2026then shift traffic to it step by step (sampled, rolled back
                                             on a failed step; the last step, 100, promotes)
  bluegreen promote                          make the candidate the only pool; the old one drains and is
                                             kept (running, per promote.keep_old) for an instant rollback
  bluegreen rollback                         undo the last deploy, or bring the previous version back
                                             (a switch back when it still runs; docker start when stopped)
  bluegreen scale                            make the live pool match the config (its hosts, or its Swarm label's nodes)
  bluegreen prune [--dry-run]                remove old containers and images beyond \`retain\` per host
  bluegreen status [--json]                  what runs where, and what the balancer sends traffic to
  bluegreen validate                         check the config file alone (no host is contacted)
  bluegreen logs [--pool P] [--since 10m] [--tail N] [-f]
                                             the app's container logs from every host of a pool (live,
                                             candidate, green or blue; default live), each line
                                             prefixed with its host, interleaved as they come; -f follows
  bluegreen init --green H1,H2 --blue H3,H4 --balancer LB --image REPO
                                             write bluegreen.yml, known_hosts (host keys printed with their
                                             fingerprints to compare) and a workflow: \`bluegreen init --help\`

Options:
  -c, --config PATH   config file (default ./bluegreen.yml)
  -v, --version V     version to deploy: the image tag
      --promote       promote right after a deploy that verified
      --steps LIST    deploy: percentages of traffic for the new pool, increasing, ending in 100
      --force         go ahead although the balancers' files differ from each other
  -n, --dry-run       print the plan and the balancer diff; change nothing
      --json          print the outcome as JSON on stdout
      --pool P        logs: live (default), candidate, green or blue
      --since T       logs: only lines since T (10m, 2h, 2026-01-02T10:00:00Z)
      --tail N        logs: the last N lines per host
  -f, --follow        logs: go on printing new lines until interrupted
  -q, --quiet         no progress lines
  -h, --help          this help

Environment:
  BLUEGREEN_SSH_KEY       private key text (instead of ssh.private_key)
  BLUEGREEN_KNOWN_HOSTS   known_hosts text (instead of ssh.known_hosts)
  registry.password_env   names the variable holding the registry password (build, push)
  registry.pull_password_env  names the variable holding the hosts' pull-only password

Exit codes: 0 success, 1 the operation failed (what it started was cleaned up; the live
pool kept serving), 2 bad usage or config (nothing was touched), 130/143 cancelled by
SIGINT/SIGTERM (what it started was cleaned up).`;
async function main(argv) {
  if (argv[0] === "init") return (await import("./cli-5GLOSMQ4.js")).initMain(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c", default: "bluegreen.yml" },
        version: { type: "string", short: "v" },
        promote: { type: "boolean", default: false },
        steps: { type: "string" },
        force: { type: "boolean", default: false },
        "dry-run": { type: "boolean", short: "n", default: false },
        json: { type: "boolean", default: false },
        quiet: { type: "boolean", short: "q", default: false },
        help: { type: "boolean", short: "h", default: false },
        pool: { type: "string" },
        since: { type: "string" },
        tail: { type: "string" },
        follow: { type: "boolean", short: "f", default: false }
      }
    });
  } catch (err) {
    process.stderr.write(`bluegreen: ${messageOf(err)}
Run \`bluegreen --help\` for usage.
`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${HELP}
`);
    return values.help ? 0 : 2;
  }
  try {
    if (positionals[0] === "logs") return await logs(values, positionals);
    const command = parseCommand(positionals[0], CLI_FIELDS.command);
    if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
    const configPath = resolve(values.config);
    const { loadConfig } = await import("./load-N6RMZ65P.js");
    if (command === "validate") {
      process.stdout.write(`${describeConfig(await loadConfig(configPath), values.config).join("\n")}
`);
      return 0;
    }
    const args = commandArgs(
      {
        command,
        ...values.version !== void 0 ? { version: validateVersion(values.version, CLI_FIELDS.version) } : {},
        ...values.steps !== void 0 ? { steps: parseSteps(values.steps, CLI_FIELDS.steps) } : {},
        promote: values.promote,
        force: values.force
      },
      CLI_FIELDS
    );
    const config = await loadConfig(configPath);
    const { runCommand } = await import("./run-WWPMWXEZ.js");
    const quiet = values.quiet || values.json;
    const log = !quiet && process.stderr.isTTY && !process.env.CI ? liveLogger(process.stderr) : consoleLogger(process.stderr, quiet);
    const cancel = cancelOnSignals(
      (name) => log.warn(`${name} received: stopping at the next step and cleaning up`)
    );
    const { outcome, error } = await runCommand(
      engineOptions({
        config,
        configPath,
        secrets: secretsFor(config, {}, process.env),
        log,
        dryRun: values["dry-run"],
        signal: cancel.signal,
        // A person's (or a script's) shell: where the config is silent, reach hosts as ssh does.
        openssh: true
      }),
      args
    ).finally(() => cancel.dispose());
    if (values.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}
`);
    else process.stdout.write(`${formatOutcome(outcome)}
`);
    if (error) {
      if (!values.json) process.stderr.write(`bluegreen ${command}: ${messageOf(error)}
`);
      return cancel.received ? signalExitCode(cancel.received) : exitCodeOf(error);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`bluegreen: ${messageOf(err)}
`);
    return exitCodeOf(err);
  }
}
async function logs(values, positionals) {
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  const { LOG_POOLS, logsElsewhere, runLogs } = await import("./logs-RZBIQ3KD.js");
  const pool = values.pool ?? "live";
  if (!LOG_POOLS.includes(pool))
    throw new UsageError(`--pool ${JSON.stringify(pool)}: expected one of ${LOG_POOLS.join(", ")}`);
  if (values.since !== void 0 && !/^(\d+(\.\d+)?[smh])+$|^\d{4}-\d\d-\d\d([T ][0-9:.]+(Z|[+-]\d\d:?\d\d)?)?$|^\d+$/.test(values.since))
    throw new UsageError(
      `--since ${JSON.stringify(values.since)}: expected a duration such as 10m or 2h, or a time such as 2026-01-02T10:00:00Z`
    );
  if (values.tail !== void 0 && !/^\d{1,9}$/.test(values.tail))
    throw new UsageError(`--tail ${JSON.stringify(values.tail)}: expected a number of lines`);
  const configPath = resolve(values.config);
  const { loadConfig } = await import("./load-N6RMZ65P.js");
  const config = await loadConfig(configPath);
  const elsewhere = logsElsewhere(config.container.options);
  if (elsewhere) {
    process.stdout.write(`${elsewhere}
`);
    return 0;
  }
  const log = consoleLogger(process.stderr, values.quiet);
  const cancel = cancelOnSignals(() => void 0);
  try {
    await runLogs(
      engineOptions({
        config,
        configPath,
        secrets: secretsFor(config, {}, process.env),
        log,
        dryRun: false,
        signal: cancel.signal
      }),
      {
        pool,
        ...values.since !== void 0 ? { since: values.since } : {},
        ...values.tail !== void 0 ? { tail: Number(values.tail) } : {},
        follow: values.follow
      },
      (line) => process.stdout.write(`${line}
`)
    );
  } finally {
    cancel.dispose();
  }
  return 0;
}
export {
  main
};
