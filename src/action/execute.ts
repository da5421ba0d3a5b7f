import * as core from '@actions/core';
import { dirname, resolve } from 'node:path';
import type { loadConfig } from '../config/load.js';
import type { prepareImage, PreparedImage } from '../deploy/image.js';
import type { CommandName, Outcome } from '../deploy/outcome.js';
import type { runCommand } from '../deploy/run.js';
import { ACTION_FIELDS, commandArgs, engineOptions, secretsFor } from '../engine-options.js';
import { messageOf } from '../errors.js';
import { actionLogger } from '../report/action-log.js';
import type { DeploymentRecord, DeploymentRequest, GitHubReporter } from '../report/github.js';
import { summaryMarkdown, writeJobSummary } from '../report/summary.js';
import { cancelOnSignals } from '../util/cancel.js';
import type { ActionInputs } from './inputs.js';
import { refuseBuildOfOtherCommit } from './workspace.js';

// Runs one engine command for the action and records it: the image fixed first (deploy),
// then the GitHub deployment and commit status around the command (for commands that change
// something), the outputs and the job summary.

export interface Engine {
  runCommand: typeof runCommand;
  loadConfig: typeof loadConfig;
  prepareImage: typeof prepareImage;
}

export interface CommandRequest {
  command: CommandName;
  version?: string;
  /** The commit this run deploys, where its deployment and commit status go. */
  sha: string;
  actor: string;
  /** promote from a PR comment: the candidate must run this version. */
  expectCandidate?: string;
}

export interface Executed {
  outcome: Outcome;
  error?: unknown;
  deployment?: DeploymentRecord;
}

export interface RunPlace {
  runUrl: string;
  workspace: string;
}

/** Versions that ran before and no longer run: their deployments are retired after success. */
export function retiredVersions(o: Outcome): string[] {
  const after = new Set(o.after.map((v) => v.version));
  return [...new Set(o.before.map((v) => v.version))].filter((v) => !after.has(v));
}

function setOutputs(
  o: Outcome,
  deployment: DeploymentRecord | undefined,
  req: CommandRequest,
  image: PreparedImage | undefined,
): void {
  core.setOutput('version', o.version ?? req.version ?? '');
  core.setOutput('live_pool', o.after.find((v) => v.role === 'live')?.pool ?? '');
  core.setOutput('candidate_pool', o.after.find((v) => v.role === 'candidate')?.pool ?? '');
  core.setOutput('deployment_id', deployment ? String(deployment.id) : '');
  core.setOutput('result', o.result);
  core.setOutput('image', o.image ?? image?.image ?? '');
  core.setOutput('digest', o.digest ?? image?.digest ?? '');
  core.setOutput('sha', req.sha);
}

/** The outcome of a run that stopped before the engine started (the image could not be prepared). */
function stoppedBeforeStart(
  req: CommandRequest,
  dryRun: boolean,
  balancerUrl: string,
  error: unknown,
): Outcome {
  return {
    command: req.command,
    result: 'failure',
    dryRun,
    ...(req.version ? { version: req.version } : {}),
    message: messageOf(error),
    before: [],
    after: [],
    hosts: [],
    balancerUrl,
    durationMs: 0,
  };
}

export async function execute(
  engine: Engine,
  inputs: ActionInputs,
  reporter: GitHubReporter,
  req: CommandRequest,
  place: RunPlace,
): Promise<Executed> {
  const args = commandArgs(
    {
      command: req.command,
      ...(req.version !== undefined ? { version: req.version } : {}),
      ...(inputs.steps ? { steps: inputs.steps } : {}),
      force: inputs.force,
      ...(req.expectCandidate ? { expectCandidate: req.expectCandidate } : {}),
    },
    ACTION_FIELDS,
  );
  const configPath = resolve(place.workspace, inputs.configPath);
  const config = await engine.loadConfig(configPath);
  if (req.command === 'deploy' && config.build)
    await refuseBuildOfOtherCommit(resolve(dirname(configPath), config.build.context), req.sha);
  // A GitHub deployment records what serves users: not a status, a prune or a dry run.
  const changes = !['status', 'prune'].includes(req.command) && !inputs.dryRun;
  const links = { runUrl: place.runUrl, environment: inputs.environment };
  const cancel = cancelOnSignals((name) =>
    core.warning(`received ${name}: cancelling, cleaning up what was started`),
  );
  let image: PreparedImage | undefined;
  let deployment: DeploymentRecord | undefined;
  let record: DeploymentRequest | undefined;
  let run;
  try {
    const opts = engineOptions({
      config,
      configPath,
      secrets: secretsFor(
        config,
        {
          privateKey: inputs.sshPrivateKey,
          knownHosts: inputs.knownHosts,
          registryPassword: inputs.registryPassword,
          registryPullPassword: inputs.registryPullPassword,
        },
        process.env,
      ),
      log: actionLogger(),
      ...(inputs.registryUsername ? { registryUsername: inputs.registryUsername } : {}),
      actor: req.actor,
      dryRun: inputs.dryRun,
      signal: cancel.signal,
    });
    // The image is fixed before anything is recorded: the deployment names its digest.
    if (req.command === 'deploy' && !inputs.dryRun) {
      try {
        image = await engine.prepareImage(opts, args.version!);
      } catch (error) {
        const outcome = stoppedBeforeStart(req, inputs.dryRun, config.balancer.url, error);
        await reporter.finish(
          { command: req.command, sha: req.sha, environment: inputs.environment },
          undefined,
          outcome,
          true,
        );
        setOutputs(outcome, undefined, req, undefined);
        await writeJobSummary(summaryMarkdown(outcome, links));
        return { outcome, error };
      }
    }
    // A PR's /promote names the version it makes live: a later rollback can retire it by that.
    const version = req.version ?? req.expectCandidate;
    record = {
      command: req.command,
      sha: req.sha,
      environment: inputs.environment,
      ...(version ? { version } : {}),
      ...(image ? { image: image.image, digest: image.digest } : {}),
    };
    deployment = changes ? await reporter.start(record) : undefined;
    run = await engine.runCommand(opts, { ...args, ...(image ? { digest: image.digest } : {}) });
  } finally {
    cancel.dispose();
  }
  const outcome: Outcome = {
    ...(image ? { image: image.image, digest: image.digest } : {}),
    ...run.outcome,
  };
  const { error } = run;
  if (changes) {
    await reporter.finish(record, deployment, outcome, error !== undefined);
    if (error === undefined)
      for (const version of retiredVersions(outcome))
        await reporter.retire(inputs.environment, version, deployment, req.command);
  }
  setOutputs(outcome, deployment, req, image);
  await writeJobSummary(summaryMarkdown(outcome, links));
  return { outcome, ...(error !== undefined ? { error } : {}), ...(deployment ? { deployment } : {}) };
}
