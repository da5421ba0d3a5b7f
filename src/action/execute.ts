import * as core from '@actions/core';
import { dirname, resolve } from 'node:path';
import type { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { CommandName, Outcome } from '../deploy/outcome.js';
import type { runCommand } from '../deploy/run.js';
import { UsageError } from '../errors.js';
import { actionLogger } from '../report/action-log.js';
import type { DeploymentRecord, GitHubReporter } from '../report/github.js';
import { summaryMarkdown, writeJobSummary } from '../report/summary.js';
import type { ActionInputs } from './inputs.js';

// Runs one engine command for the action and records it: the GitHub deployment and commit
// status around it (for commands that change something), the outputs and the job summary.

export interface Engine {
  runCommand: typeof runCommand;
  loadConfig: typeof loadConfig;
}

export interface CommandRequest {
  command: CommandName;
  version?: string;
  /** The commit this run deploys, where its deployment and commit status go. */
  sha: string;
  actor: string;
}

export interface Executed {
  outcome: Outcome;
  error?: unknown;
  deployment?: DeploymentRecord;
}

function withRegistryUser(config: Config, inputs: ActionInputs): Config {
  if (inputs.registryUsername) {
    if (!config.registry)
      throw new UsageError('input registry_username: the config has no registry.server to log in to');
    return { ...config, registry: { ...config.registry, username: inputs.registryUsername } };
  }
  if (inputs.registryPassword && !config.registry?.username) {
    core.warning(
      'registry_password is set but no registry user (registry_username or registry.username): the hosts will not log in',
    );
  }
  return config;
}

/** The version a rollback took away: the candidate if there was one, else what was live. */
export function rolledBackVersion(o: Outcome): string | undefined {
  return (o.before.find((v) => v.role === 'candidate') ?? o.before.find((v) => v.role === 'live'))?.version;
}

function setOutputs(o: Outcome, deployment: DeploymentRecord | undefined, requested?: string): void {
  core.setOutput('version', o.version ?? requested ?? '');
  core.setOutput('live_pool', o.after.find((v) => v.role === 'live')?.pool ?? '');
  core.setOutput('candidate_pool', o.after.find((v) => v.role === 'candidate')?.pool ?? '');
  core.setOutput('deployment_id', deployment ? String(deployment.id) : '');
  core.setOutput('result', o.result);
}

/** Aborts the engine on the runner's cancel (SIGINT, then SIGTERM): composite actions get no post step. */
function cancellation(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = (sig: NodeJS.Signals) => {
    core.warning(`received ${sig}: cancelling, cleaning up what was started`);
    controller.abort(new Error(`cancelled (${sig})`));
  };
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

export async function execute(
  engine: Engine,
  inputs: ActionInputs,
  reporter: GitHubReporter,
  req: CommandRequest,
  runUrl: string,
  workspace: string,
): Promise<Executed> {
  const configPath = resolve(workspace, inputs.configPath);
  const config = withRegistryUser(await engine.loadConfig(configPath), inputs);
  const changes = req.command !== 'status' && !inputs.dryRun;
  const record = {
    command: req.command,
    sha: req.sha,
    environment: inputs.environment,
    ...(req.version ? { version: req.version } : {}),
  };
  const deployment = changes ? await reporter.start(record) : undefined;
  const cancel = cancellation();
  let run;
  try {
    run = await engine.runCommand(
      {
        config,
        baseDir: dirname(configPath),
        secrets: {
          ...(inputs.sshPrivateKey ? { privateKey: inputs.sshPrivateKey } : {}),
          ...(inputs.knownHosts ? { knownHosts: inputs.knownHosts } : {}),
          ...(inputs.registryPassword ? { registryPassword: inputs.registryPassword } : {}),
        },
        log: actionLogger(),
        actor: req.actor,
        dryRun: inputs.dryRun,
        signal: cancel.signal,
      },
      {
        command: req.command,
        ...(req.version ? { version: req.version } : {}),
        ...(req.command === 'deploy' && inputs.steps ? { steps: inputs.steps } : {}),
        force: inputs.force,
      },
    );
  } finally {
    cancel.dispose();
  }
  const { outcome, error } = run;
  if (changes) {
    await reporter.finish(record, deployment, outcome, error !== undefined);
    const taken = req.command === 'rollback' && !error ? rolledBackVersion(outcome) : undefined;
    if (taken) await reporter.retire(inputs.environment, taken, deployment);
  }
  setOutputs(outcome, deployment, req.version);
  await writeJobSummary(summaryMarkdown(outcome, { runUrl, environment: inputs.environment }));
  return { outcome, ...(error !== undefined ? { error } : {}), ...(deployment ? { deployment } : {}) };
}
