import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CLI_FIELDS,
  commandArgs,
  engineOptions,
  parseCommand,
  parseStepList,
  parseVersion,
  secretsFor,
} from './engine-options.js';
import { exitCodeOf, messageOf, UsageError } from './errors.js';
import { formatOutcome } from './report/text.js';
import { cancelOnSignals, signalExitCode } from './util/cancel.js';
import { consoleLogger, liveLogger } from './util/log.js';
import { describeConfig } from './validate.js';

// The command line: flags in, one engine command, text (or JSON) out, an exit code back.
// src/bin/bluegreen.ts calls main(); importing this file runs nothing. The engine (SSH,
// balancer drivers, the registry client) is loaded only when a command needs it, so
// `--help` and `validate` start in a fraction of the time.

const HELP = `bluegreen — zero-downtime blue-green deploys of a Docker app behind a load balancer (nginx or HAProxy)

Usage:
  bluegreen deploy --version V [--promote]   start V on the idle pool, preflight it, add it to the upstream
  bluegreen deploy --version V --steps 10,50,100
                                             …then shift traffic to it step by step (sampled, rolled back
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

export async function main(argv: string[]): Promise<number> {
  // init takes flags of its own (src/init/cli.ts) and touches no host's state.
  if (argv[0] === 'init') return (await import('./init/cli.js')).initMain(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c', default: 'bluegreen.yml' },
        version: { type: 'string', short: 'v' },
        promote: { type: 'boolean', default: false },
        steps: { type: 'string' },
        force: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', short: 'n', default: false },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        pool: { type: 'string' },
        since: { type: 'string' },
        tail: { type: 'string' },
        follow: { type: 'boolean', short: 'f', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`bluegreen: ${messageOf(err)}\nRun \`bluegreen --help\` for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  try {
    if (positionals[0] === 'logs') return await logs(values, positionals);
    const command = parseCommand(positionals[0]!, CLI_FIELDS.command);
    if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
    const configPath = resolve(values.config);
    const { loadConfig } = await import('./config/load.js');
    if (command === 'validate') {
      process.stdout.write(`${describeConfig(await loadConfig(configPath), values.config).join('\n')}\n`);
      return 0;
    }
    const args = commandArgs(
      {
        command,
        ...(values.version !== undefined
          ? { version: parseVersion(values.version, CLI_FIELDS.version) }
          : {}),
        ...(values.steps !== undefined ? { steps: parseStepList(values.steps, CLI_FIELDS.steps) } : {}),
        promote: values.promote,
        force: values.force,
      },
      CLI_FIELDS,
    );
    const config = await loadConfig(configPath);
    const { runCommand } = await import('./deploy/run.js');
    const quiet = values.quiet || values.json;
    // A live view in a terminal; plain lines in CI and when piped.
    const log =
      !quiet && process.stderr.isTTY && !process.env.CI
        ? liveLogger(process.stderr)
        : consoleLogger(process.stderr, quiet);
    const cancel = cancelOnSignals((name) =>
      log.warn(`${name} received: stopping at the next step and cleaning up`),
    );
    const { outcome, error } = await runCommand(
      engineOptions({
        config,
        configPath,
        secrets: secretsFor(config, {}, process.env),
        log,
        dryRun: values['dry-run'],
        signal: cancel.signal,
        // A person's (or a script's) shell: where the config is silent, reach hosts as ssh does.
        openssh: true,
      }),
      args,
    ).finally(() => cancel.dispose());
    if (values.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
    else process.stdout.write(`${formatOutcome(outcome)}\n`);
    if (error) {
      if (!values.json) process.stderr.write(`bluegreen ${command}: ${messageOf(error)}\n`);
      return cancel.received ? signalExitCode(cancel.received) : exitCodeOf(error);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`bluegreen: ${messageOf(err)}\n`);
    return exitCodeOf(err);
  }
}

interface LogsFlags {
  config: string;
  pool?: string | undefined;
  since?: string | undefined;
  tail?: string | undefined;
  follow: boolean;
  quiet: boolean;
}

/** `bluegreen logs`: lines go to stdout as they come; SIGINT/SIGTERM end a --follow (exit 0). */
async function logs(values: LogsFlags, positionals: string[]): Promise<number> {
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  const { LOG_POOLS, logsElsewhere, runLogs } = await import('./deploy/logs.js');
  const pool = values.pool ?? 'live';
  if (!(LOG_POOLS as readonly string[]).includes(pool))
    throw new UsageError(`--pool ${JSON.stringify(pool)}: expected one of ${LOG_POOLS.join(', ')}`);
  if (
    values.since !== undefined &&
    !/^(\d+(\.\d+)?[smh])+$|^\d{4}-\d\d-\d\d([T ][0-9:.]+(Z|[+-]\d\d:?\d\d)?)?$|^\d+$/.test(values.since)
  )
    throw new UsageError(
      `--since ${JSON.stringify(values.since)}: expected a duration such as 10m or 2h, or a time such as 2026-01-02T10:00:00Z`,
    );
  if (values.tail !== undefined && !/^\d{1,9}$/.test(values.tail))
    throw new UsageError(`--tail ${JSON.stringify(values.tail)}: expected a number of lines`);
  const configPath = resolve(values.config);
  const { loadConfig } = await import('./config/load.js');
  const config = await loadConfig(configPath);
  const elsewhere = logsElsewhere(config.container.options);
  if (elsewhere) {
    process.stdout.write(`${elsewhere}\n`);
    return 0;
  }
  const log = consoleLogger(process.stderr, values.quiet);
  const cancel = cancelOnSignals(() => undefined);
  try {
    await runLogs(
      engineOptions({
        config,
        configPath,
        secrets: secretsFor(config, {}, process.env),
        log,
        dryRun: false,
        signal: cancel.signal,
      }),
      {
        pool: pool as (typeof LOG_POOLS)[number],
        ...(values.since !== undefined ? { since: values.since } : {}),
        ...(values.tail !== undefined ? { tail: Number(values.tail) } : {}),
        follow: values.follow,
      },
      (line) => process.stdout.write(`${line}\n`),
    );
  } finally {
    cancel.dispose();
  }
  return 0;
}
