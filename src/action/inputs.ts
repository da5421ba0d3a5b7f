import * as core from '@actions/core';
import { ACTION_FIELDS, parseCommand, parseStepList, parseVersion, type Command } from '../engine-options.js';
import { UsageError } from '../errors.js';
import { PERMISSION_LEVELS, type PermissionLevel } from './permission.js';

// The one place that reads the action's inputs. action.yml maps each of these names to
// INPUT_<NAME> in the step's env (composite actions do not export inputs themselves);
// a unit test keeps this list, action.yml and the README table the same set.

export const INPUT_NAMES = [
  'command',
  'config',
  'version',
  'ssh_private_key',
  'known_hosts',
  'registry_username',
  'registry_password',
  'registry_pull_password',
  'github_token',
  'environment',
  'allowed_commenters_permission',
  'allow_forks',
  'dry_run',
  'steps',
  'force',
  'mode',
] as const;

export type InputName = (typeof INPUT_NAMES)[number];

/**
 * What one run of the action does with a PR comment. A workflow can split the work into
 * jobs: `authorize` (read-only, no secrets) decides, `refusal` answers a refused command,
 * `run` (the only job with secrets) runs an authorized one. `run` alone does all three.
 */
export const MODES = ['run', 'authorize', 'refusal'] as const;
export type Mode = (typeof MODES)[number];

export interface ActionInputs {
  /** Undefined when empty: the event decides (deploy, or the PR comment's command). */
  command?: Command;
  configPath: string;
  /** Undefined when empty: the full commit SHA (or the PR head SHA for /deploy). */
  version?: string;
  sshPrivateKey?: string;
  knownHosts?: string;
  registryUsername?: string;
  registryPassword?: string;
  registryPullPassword?: string;
  githubToken?: string;
  environment: string;
  allowedCommentersPermission: PermissionLevel;
  allowForks: boolean;
  dryRun: boolean;
  /** deploy: traffic percentages for a gradual shift (validated). */
  steps?: number[];
  force: boolean;
  mode: Mode;
}

function input(name: InputName): string {
  return core.getInput(name);
}

/** Masks every secret input in the log before anything else is read or printed. */
export function maskSecretInputs(): void {
  const key = core.getInput('ssh_private_key', { trimWhitespace: false });
  if (key.trim()) {
    core.setSecret(key);
    // The runner masks a multi-line secret only as a whole; a line printed alone must be masked too.
    for (const line of key.split(/\r?\n/)) if (line.trim()) core.setSecret(line.trim());
  }
  for (const name of ['registry_password', 'registry_pull_password', 'github_token'] as const) {
    const value = input(name);
    if (value) core.setSecret(value);
  }
}

function booleanInput(name: InputName, fallback: boolean): boolean {
  const value = input(name);
  if (value === '') return fallback;
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (/^(false|False|FALSE)$/.test(value)) return false;
  throw new UsageError(`input ${name}: expected true or false, got ${JSON.stringify(value)}`);
}

function optional(name: InputName): string | undefined {
  return input(name) || undefined;
}

/** Reads and validates every input. Call maskSecretInputs() first. */
export function readInputs(): ActionInputs {
  const command = optional('command');
  const version = optional('version');
  const mode = input('mode') || 'run';
  if (!MODES.includes(mode as Mode))
    throw new UsageError(`input mode: ${JSON.stringify(mode)} is not one of ${MODES.join(', ')}`);
  const permission = input('allowed_commenters_permission') || 'write';
  if (!PERMISSION_LEVELS.includes(permission as PermissionLevel)) {
    throw new UsageError(
      `input allowed_commenters_permission: ${JSON.stringify(permission)} is not one of ${PERMISSION_LEVELS.join(', ')}`,
    );
  }
  const environment = input('environment') || 'production';
  if (!/^[^\r\n]{1,255}$/.test(environment))
    throw new UsageError('input environment: one line of at most 255 characters');
  const key = core.getInput('ssh_private_key', { trimWhitespace: false }).trim();
  return {
    ...(command ? { command: parseCommand(command, ACTION_FIELDS.command) } : {}),
    configPath: input('config') || '.github/bluegreen.yml',
    ...(version ? { version: parseVersion(version, ACTION_FIELDS.version) } : {}),
    // OpenSSH needs the key's final newline, which a secret pasted into GitHub often loses.
    ...(key ? { sshPrivateKey: `${key}\n` } : {}),
    ...(optional('known_hosts') ? { knownHosts: input('known_hosts') } : {}),
    ...(optional('registry_username') ? { registryUsername: input('registry_username') } : {}),
    ...(optional('registry_password') ? { registryPassword: input('registry_password') } : {}),
    ...(optional('registry_pull_password') ? { registryPullPassword: input('registry_pull_password') } : {}),
    ...(optional('github_token') ? { githubToken: input('github_token') } : {}),
    environment,
    allowedCommentersPermission: permission as PermissionLevel,
    allowForks: booleanInput('allow_forks', false),
    dryRun: booleanInput('dry_run', false),
    ...(optional('steps') ? { steps: parseStepList(input('steps'), ACTION_FIELDS.steps) } : {}),
    force: booleanInput('force', false),
    mode: mode as Mode,
  };
}
