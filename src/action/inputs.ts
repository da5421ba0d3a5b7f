import * as core from '@actions/core';
import { validateVersion } from '../config/load.js';
import type { CommandName } from '../deploy/outcome.js';
import { parseSteps } from '../deploy/ops/shift.js';
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
  'github_token',
  'environment',
  'allowed_commenters_permission',
  'allow_forks',
  'dry_run',
  'steps',
  'force',
] as const;

export type InputName = (typeof INPUT_NAMES)[number];

export const ACTION_COMMANDS: readonly CommandName[] = ['deploy', 'promote', 'rollback', 'scale', 'status'];

export interface ActionInputs {
  /** Undefined when empty: the event decides (deploy, or the PR comment's command). */
  command?: CommandName;
  configPath: string;
  /** Undefined when empty: the short commit SHA (or the PR head SHA for /deploy). */
  version?: string;
  sshPrivateKey?: string;
  knownHosts?: string;
  registryUsername?: string;
  registryPassword?: string;
  githubToken?: string;
  environment: string;
  allowedCommentersPermission: PermissionLevel;
  allowForks: boolean;
  dryRun: boolean;
  /** deploy: traffic percentages for a gradual shift (validated). */
  steps?: number[];
  force: boolean;
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
  for (const name of ['registry_password', 'github_token'] as const) {
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
  if (command !== undefined && !ACTION_COMMANDS.includes(command as CommandName)) {
    throw new UsageError(
      `input command: ${JSON.stringify(command)} is not one of ${ACTION_COMMANDS.join(', ')}`,
    );
  }
  const version = optional('version');
  if (version !== undefined) validateVersion(version, 'input version');
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
    ...(command ? { command: command as CommandName } : {}),
    configPath: input('config') || '.github/bluegreen.yml',
    ...(version ? { version } : {}),
    // OpenSSH needs the key's final newline, which a secret pasted into GitHub often loses.
    ...(key ? { sshPrivateKey: `${key}\n` } : {}),
    ...(optional('known_hosts') ? { knownHosts: input('known_hosts') } : {}),
    ...(optional('registry_username') ? { registryUsername: input('registry_username') } : {}),
    ...(optional('registry_password') ? { registryPassword: input('registry_password') } : {}),
    ...(optional('github_token') ? { githubToken: input('github_token') } : {}),
    environment,
    allowedCommentersPermission: permission as PermissionLevel,
    allowForks: booleanInput('allow_forks', false),
    dryRun: booleanInput('dry_run', false),
    ...(optional('steps') ? { steps: parseSteps(input('steps'), 'input steps') } : {}),
    force: booleanInput('force', false),
  };
}
