import { dirname } from 'node:path';
import { validateVersion } from './config/version.js';
import { registryOf, type Config } from './config/schema.js';
import type { EngineOptions, Secrets } from './deploy/context.js';
import { COMMAND_NAMES, type CommandName } from './deploy/outcome.js';
import type { CommandArgs } from './deploy/run.js';
import { parseSteps } from './config/steps.js';
import { UsageError } from './errors.js';
import type { Logger } from './util/log.js';

// How a request — CLI flags or action inputs — becomes the engine's arguments and options.
// Both front ends go through these functions, so they accept and refuse the same things and
// find secrets the same way; only the names in the messages differ (`--steps`, `input steps`).

/** Every command a person can ask for: the engine's, and `validate` (the config alone, no hosts). */
export const COMMANDS = [...COMMAND_NAMES, 'validate'] as const;
export type Command = (typeof COMMANDS)[number];

/** How each front end names the fields it takes, for messages. */
export interface FieldNames {
  command: string;
  version: string;
  steps: string;
  promote: string;
}

export const CLI_FIELDS: FieldNames = {
  command: 'command',
  version: '--version',
  steps: '--steps',
  promote: '--promote',
};
export const ACTION_FIELDS: FieldNames = {
  command: 'input command',
  version: 'input version',
  steps: 'input steps',
  promote: 'promote',
};

export function parseCommand(value: string, field: string): Command {
  if (!(COMMANDS as readonly string[]).includes(value))
    throw new UsageError(`unknown ${field} ${JSON.stringify(value)}: expected one of ${COMMANDS.join(', ')}`);
  return value as Command;
}

/** One field each: an image tag, and a list of traffic percentages (`10,50,100`). */
export { validateVersion as parseVersion, parseSteps as parseStepList };

/** What was asked for, each field already parsed by the functions above. */
export interface CommandRequest {
  command: CommandName;
  version?: string;
  steps?: number[];
  promote?: boolean;
  force?: boolean;
  digest?: string;
  expectCandidate?: string;
}

/** The rules between fields: version, steps and promote belong to deploy, which needs a version. */
export function commandArgs(req: CommandRequest, names: FieldNames): CommandArgs {
  const deploy = req.command === 'deploy';
  if (!deploy) {
    if (req.version !== undefined) throw new UsageError(`${names.version} applies to deploy only`);
    if (req.steps !== undefined) throw new UsageError(`${names.steps} applies to deploy only`);
    if (req.promote) throw new UsageError(`${names.promote} applies to deploy only`);
  }
  if (req.digest !== undefined && !deploy) throw new UsageError('a digest applies to deploy only');
  if (req.expectCandidate !== undefined && req.command !== 'promote')
    throw new UsageError('an expected candidate applies to promote only');
  return {
    command: req.command,
    ...(deploy ? { version: validateVersion(req.version, names.version) } : {}),
    ...(req.promote ? { promote: true } : {}),
    ...(req.steps ? { steps: req.steps } : {}),
    force: req.force ?? false,
    ...(req.digest ? { digest: req.digest } : {}),
    ...(req.expectCandidate ? { expectCandidate: req.expectCandidate } : {}),
  };
}

/** Secrets handed over explicitly (action inputs); empty means "not given". */
export interface GivenSecrets {
  privateKey?: string;
  knownHosts?: string;
  registryPassword?: string;
  registryPullPassword?: string;
}

/**
 * The secrets of a run: what was given explicitly, else the environment — BLUEGREEN_SSH_KEY,
 * BLUEGREEN_KNOWN_HOSTS and the variables `registry.password_env` and `registry.pull_password_env`
 * name. Never the config file.
 */
export function secretsFor(config: Config, given: GivenSecrets, env: NodeJS.ProcessEnv): Secrets {
  const pick = (...values: (string | undefined)[]) => values.find((v) => v !== undefined && v !== '');
  const registry = registryOf(config);
  const passwordEnv = registry?.password_env;
  const privateKey = pick(given.privateKey, env.BLUEGREEN_SSH_KEY);
  const knownHosts = pick(given.knownHosts, env.BLUEGREEN_KNOWN_HOSTS);
  const registryPassword = pick(given.registryPassword, passwordEnv ? env[passwordEnv] : undefined);
  const pullEnv = registry?.pull_password_env;
  const registryPullPassword = pick(given.registryPullPassword, pullEnv ? env[pullEnv] : undefined);
  return {
    ...(privateKey ? { privateKey } : {}),
    ...(knownHosts ? { knownHosts } : {}),
    ...(registryPassword ? { registryPassword } : {}),
    ...(registryPullPassword ? { registryPullPassword } : {}),
  };
}

export interface OptionsRequest {
  config: Config;
  /** Absolute path of the config file: its directory anchors the config's relative paths. */
  configPath: string;
  secrets: Secrets;
  log: Logger;
  /** Replaces registry.username (the action's registry_username input). */
  registryUsername?: string;
  actor?: string;
  dryRun: boolean;
  signal: AbortSignal;
  /** Reach hosts as `ssh` would where the config is silent (agent, ~/.ssh): the CLI only. */
  openssh?: boolean;
}

export function engineOptions(req: OptionsRequest): EngineOptions {
  let { config } = req;
  if (req.registryUsername) {
    const registry = registryOf(config);
    if (!registry)
      throw new UsageError('input registry_username: the config has no registry.server to log in to');
    config = { ...config, registry: { ...registry, username: req.registryUsername } };
  }
  if (req.secrets.registryPassword && !registryOf(config)?.username)
    req.log.warn(
      'a registry password is set but no registry user (registry.username or registry_username): nothing logs in to the registry',
    );
  return {
    config,
    baseDir: dirname(req.configPath),
    secrets: req.secrets,
    log: req.log,
    ...(req.actor ? { actor: req.actor } : {}),
    dryRun: req.dryRun,
    signal: req.signal,
    ...(req.openssh ? { openssh: true } : {}),
  };
}
