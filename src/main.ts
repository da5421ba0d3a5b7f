import * as core from '@actions/core';
import { resolve } from 'node:path';
import { loadConfig } from './config/load.js';
import { prepareImage } from './deploy/image.js';
import { runCommand } from './deploy/run.js';
import { messageOf, UsageError } from './errors.js';
import { authorizeCommand, type Refusal } from './action/authorize.js';
import {
  readEventPayload,
  runEnvironment,
  triggerOf,
  type CommentCommand,
  type PrComment,
  type RunEnvironment,
} from './action/event.js';
import { execute, type Engine } from './action/execute.js';
import { maskSecretInputs, readInputs, type ActionInputs } from './action/inputs.js';
import { octokitFor, type Octokit } from './action/octokit.js';
import { GitHubReporter } from './report/github.js';
import { commentMarkdown, writeJobSummary } from './report/summary.js';
import { describeConfig } from './validate.js';

// The action's entry: inputs and event in, one engine command, reports out. A failed
// command, a refused PR command or bad input fails the step (core.setFailed).
//
// A PR comment is answered only after its commenter is authorized: an unauthorized or
// refused command gets one reply saying why and 👎 (so a person who expected something to
// happen learns what is needed; the reply names no permission they hold and nothing about
// the hosts), an authorized one 👀, its result and 🚀 or 👎.

const defaultEngine: Engine = { runCommand, loadConfig, prepareImage };

function fail(message: string): void {
  core.setOutput('result', 'failure');
  core.setFailed(message);
}

interface Session {
  engine: Engine;
  inputs: ActionInputs;
  env: RunEnvironment;
  octokit: Octokit;
  reporter: GitHubReporter;
}

async function refuse(
  { env, reporter }: Session,
  command: CommentCommand,
  comment: PrComment,
  refusal: Refusal,
): Promise<void> {
  core.warning(`/${command} refused: ${refusal.reason}${refusal.detail ? ` (${refusal.detail})` : ''}`);
  await reporter.reply(
    comment.pullNumber,
    `🚫 bluegreen \`/${command}\` refused: ${refusal.reason}\n\n[Workflow run](${env.runUrl})`,
  );
  await reporter.react(comment.id, '-1');
  fail(`/${command} refused: ${refusal.reason}`);
}

async function runForComment(session: Session, command: CommentCommand, comment: PrComment): Promise<void> {
  const { engine, inputs, env, octokit, reporter } = session;
  const repo = { owner: env.owner, repo: env.repo };
  const verdict = await authorizeCommand(octokit, repo, command, comment, inputs);
  core.setOutput('verdict', verdict.ok ? 'authorized' : 'refused');
  if (verdict.ok && verdict.sha) core.setOutput('sha', verdict.sha);

  if (inputs.mode === 'authorize') {
    // Read-only: decide and say so; the workflow's other jobs act on the verdict.
    if (verdict.ok) core.info(`/${command} by @${comment.user} on #${comment.pullNumber}: authorized`);
    else
      core.warning(`/${command} refused: ${verdict.reason}${verdict.detail ? ` (${verdict.detail})` : ''}`);
    return;
  }
  if (!verdict.ok) return refuse(session, command, comment, verdict);
  if (inputs.mode === 'refusal') {
    core.notice(
      `/${command} by @${comment.user} is authorized now; this job only answers refusals and runs nothing: comment again to run it`,
    );
    return;
  }

  await reporter.react(comment.id, 'eyes');
  core.info(
    `@${comment.user} asked for /${command} on #${comment.pullNumber}${verdict.evidence ? `: ${verdict.sha} (${verdict.evidence})` : ''}`,
  );
  try {
    const done = await execute(
      engine,
      inputs,
      reporter,
      {
        command,
        sha: verdict.sha ?? env.sha,
        actor: comment.user,
        ...(verdict.version ? { version: verdict.version } : {}),
        ...(verdict.expectCandidate ? { expectCandidate: verdict.expectCandidate } : {}),
      },
      env,
    );
    const shown = done.error === undefined || done.error instanceof UsageError;
    await reporter.reply(
      comment.pullNumber,
      commentMarkdown(done.outcome, { runUrl: env.runUrl, environment: inputs.environment }, shown),
    );
    await reporter.react(comment.id, done.error === undefined ? 'rocket' : '-1');
    if (done.error !== undefined) fail(`${command}: ${messageOf(done.error)}`);
  } catch (err) {
    // Whatever stopped an authorized command around the engine, the commenter hears of it.
    const what = err instanceof UsageError ? messageOf(err) : 'see the job summary and log of the run';
    await reporter.reply(
      comment.pullNumber,
      `❌ bluegreen \`/${command}\` failed: ${what}\n\n[Workflow run](${env.runUrl})`,
    );
    await reporter.react(comment.id, '-1');
    throw err;
  }
}

/** `command: validate`: the config alone; nothing on GitHub, no host, no secret. */
async function validateOnly(engine: Engine, inputs: ActionInputs, env: RunEnvironment): Promise<void> {
  const lines = describeConfig(
    await engine.loadConfig(resolve(env.workspace, inputs.configPath)),
    inputs.configPath,
  );
  for (const line of lines) core.info(line);
  core.setOutput('result', 'success');
  await writeJobSummary(`## bluegreen \`validate\`: ✅ valid\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`);
}

async function runAction(engine: Engine): Promise<void> {
  const inputs = readInputs();
  const env = runEnvironment();
  const trigger = triggerOf(env.eventName, readEventPayload(), inputs);
  if (trigger.kind === 'ignored') {
    if (env.eventName === 'issue_comment') core.setOutput('verdict', 'ignored');
    core.notice(`bluegreen: nothing to do: ${trigger.reason}`);
    return;
  }
  if (inputs.mode !== 'run' && trigger.kind !== 'comment')
    throw new UsageError(
      `input mode: ${inputs.mode} answers PR comments; this run is a ${env.eventName} event`,
    );
  const connect = (): Session => {
    if (!inputs.githubToken)
      throw new UsageError('input github_token is empty (it defaults to github.token)');
    const octokit = octokitFor(inputs.githubToken, env.apiUrl);
    const reporter = new GitHubReporter(octokit, { owner: env.owner, repo: env.repo }, env.runUrl);
    return { engine, inputs, env, octokit, reporter };
  };
  if (trigger.kind === 'comment') return runForComment(connect(), trigger.command, trigger.comment);

  const { command } = trigger;
  if (command === 'validate') return validateOnly(engine, inputs, env);
  // Commits are deployed under their full SHA: a tag nobody can guess or collide with.
  const version = trigger.version ?? (command === 'deploy' ? env.sha || undefined : undefined);
  if (command === 'deploy' && !version)
    throw new UsageError('input version is empty and GITHUB_SHA is not set');
  const { reporter } = connect();
  const done = await execute(
    engine,
    inputs,
    reporter,
    { command, sha: env.sha, actor: env.actor, ...(version ? { version } : {}) },
    env,
  );
  if (done.error !== undefined) fail(`${command}: ${messageOf(done.error)}`);
}

export async function run(engine: Engine = defaultEngine): Promise<void> {
  try {
    // Before anything can print a secret.
    maskSecretInputs();
    await runAction(engine);
  } catch (err) {
    fail(messageOf(err));
  }
}
