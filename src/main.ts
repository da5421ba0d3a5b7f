import * as core from '@actions/core';
import { loadConfig } from './config/load.js';
import { runCommand } from './deploy/run.js';
import { messageOf, UsageError } from './errors.js';
import { authorizeCommenter, pullHead, refuseForkDeploy } from './action/authorize.js';
import {
  readEventPayload,
  runEnvironment,
  shortSha,
  triggerOf,
  type CommentCommand,
  type PrComment,
  type RunEnvironment,
} from './action/event.js';
import { execute, type Engine } from './action/execute.js';
import { maskSecretInputs, readInputs, type ActionInputs } from './action/inputs.js';
import { octokitFor, type Octokit } from './action/octokit.js';
import { GitHubReporter } from './report/github.js';
import { commentMarkdown } from './report/summary.js';

// The action's entry: inputs and event in, one engine command, reports out. A failed
// command, a refused PR command or bad input fails the step (core.setFailed).

const defaultEngine: Engine = { runCommand, loadConfig };

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

async function runForComment(
  { engine, inputs, env, octokit, reporter }: Session,
  command: CommentCommand,
  comment: PrComment,
): Promise<void> {
  const repo = { owner: env.owner, repo: env.repo };
  const refuse = async (reason: string) => {
    core.warning(`/${command} refused: ${reason}`);
    await reporter.reply(
      comment.pullNumber,
      `🚫 bluegreen \`/${command}\` refused: ${reason}\n\n[Workflow run](${env.runUrl})`,
    );
    await reporter.react(comment.id, '-1');
    fail(`/${command} refused: ${reason}`);
  };
  await reporter.react(comment.id, 'eyes');
  try {
    const auth = await authorizeCommenter(octokit, repo, comment, inputs.allowedCommentersPermission);
    if (!auth.ok) return await refuse(auth.reason);
    core.info(`@${comment.user} (${auth.level}) asked for /${command} on #${comment.pullNumber}`);
    let sha = env.sha;
    if (command !== 'status') {
      const head = await pullHead(octokit, repo, comment.pullNumber);
      const fork = refuseForkDeploy(command, head, inputs.allowForks);
      if (fork) return await refuse(fork.reason);
      sha = head.sha;
    }
    const version = command === 'deploy' ? shortSha(sha) : undefined;
    const done = await execute(
      engine,
      inputs,
      reporter,
      { command, sha, actor: comment.user, ...(version ? { version } : {}) },
      env.runUrl,
      env.workspace,
    );
    await reporter.reply(
      comment.pullNumber,
      commentMarkdown(done.outcome, { runUrl: env.runUrl, environment: inputs.environment }),
    );
    await reporter.react(comment.id, done.error === undefined ? 'rocket' : '-1');
    if (done.error !== undefined) fail(`${command}: ${messageOf(done.error)}`);
  } catch (err) {
    // Whatever stopped the command before or around the engine, the commenter hears of it.
    await reporter.reply(
      comment.pullNumber,
      `❌ bluegreen \`/${command}\` failed: ${messageOf(err)}\n\n[Workflow run](${env.runUrl})`,
    );
    await reporter.react(comment.id, '-1');
    throw err;
  }
}

async function runAction(engine: Engine): Promise<void> {
  const inputs = readInputs();
  const env = runEnvironment();
  const trigger = triggerOf(env.eventName, readEventPayload(), inputs);
  if (trigger.kind === 'ignored') {
    core.notice(`bluegreen: nothing to do: ${trigger.reason}`);
    return;
  }
  if (!inputs.githubToken) throw new UsageError('input github_token is empty (it defaults to github.token)');
  const octokit = octokitFor(inputs.githubToken, env.apiUrl);
  const reporter = new GitHubReporter(octokit, { owner: env.owner, repo: env.repo }, env.runUrl);
  if (trigger.kind === 'comment')
    return runForComment({ engine, inputs, env, octokit, reporter }, trigger.command, trigger.comment);

  const { command } = trigger;
  if (command !== 'deploy' && trigger.version)
    core.warning(`input version applies to deploy only; ignored for ${command}`);
  const version = command === 'deploy' ? (trigger.version ?? shortSha(env.sha)) : undefined;
  if (command === 'deploy' && !version)
    throw new UsageError('input version is empty and GITHUB_SHA is not set');
  const done = await execute(
    engine,
    inputs,
    reporter,
    { command, sha: env.sha, actor: env.actor, ...(version ? { version } : {}) },
    env.runUrl,
    env.workspace,
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
