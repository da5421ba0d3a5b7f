import * as core from '@actions/core';
import type { Octokit, RepoRef } from './octokit.js';
import type { CommandName, Outcome } from '../deploy/outcome.js';
import { messageOf } from '../errors.js';

// Everything the action tells GitHub: a deployment with its statuses, a commit status, and
// for PR-comment commands the reactions and the reply. Reporting never decides the result:
// an API error becomes a warning in the log and the deploy's own result stands.

export type Reaction = 'eyes' | 'rocket' | '-1';

/** GitHub caps status descriptions at 140 characters. */
export function oneLine(text: string, max = 140): string {
  const line = (text.split('\n', 1)[0] ?? '').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

export interface DeploymentRecord {
  id: number;
}

export interface DeploymentRequest {
  command: CommandName;
  /** The exact commit deployed: the workflow's SHA, or the PR head for comment commands. */
  sha: string;
  version?: string;
  /** deploy: the repository the hosts pull and the digest they run. */
  image?: string;
  digest?: string;
  environment: string;
}

export class GitHubReporter {
  constructor(
    private readonly octokit: Octokit,
    private readonly repo: RepoRef,
    private readonly runUrl: string,
  ) {}

  private async safely<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      core.warning(`GitHub: could not ${what}: ${messageOf(err)}`, { title: 'bluegreen report' });
      return undefined;
    }
  }

  statusContext(environment: string): string {
    return `bluegreen/${environment}`;
  }

  /** Creates the deployment (in_progress) and a pending commit status, before any host is touched. */
  async start(req: DeploymentRequest): Promise<DeploymentRecord | undefined> {
    const what = req.version ? `${req.command} ${req.version}` : req.command;
    await this.safely('set the pending commit status', () =>
      this.octokit.rest.repos.createCommitStatus({
        ...this.repo,
        sha: req.sha,
        state: 'pending',
        context: this.statusContext(req.environment),
        description: oneLine(`${what} to ${req.environment}: in progress`),
        target_url: this.runUrl,
      }),
    );
    const created = await this.safely('create the deployment', () =>
      this.octokit.rest.repos.createDeployment({
        ...this.repo,
        ref: req.sha,
        environment: req.environment,
        description: oneLine(`bluegreen ${what}`),
        // Deploy exactly this commit: no merge of the default branch, no wait for other checks.
        auto_merge: false,
        required_contexts: [],
        transient_environment: false,
        // What ran, exactly: the tag names it, the digest pins it (tags can be moved).
        payload: {
          tool: 'bluegreen',
          command: req.command,
          ...(req.version ? { version: req.version } : {}),
          ...(req.image ? { image: req.image } : {}),
          ...(req.digest ? { digest: req.digest } : {}),
          sha: req.sha,
        },
      }),
    );
    // 202 (a merge instead of a deployment) cannot happen with auto_merge false, but check.
    const data = created?.data;
    if (!data || !('id' in data)) return undefined;
    const deployment = { id: data.id };
    await this.deploymentStatus(deployment, 'in_progress', `${what}: in progress`);
    return deployment;
  }

  private async deploymentStatus(
    deployment: DeploymentRecord,
    state: 'in_progress' | 'success' | 'failure' | 'inactive',
    description: string,
    environmentUrl?: string,
  ): Promise<void> {
    await this.safely(`set deployment ${deployment.id} ${state}`, () =>
      this.octokit.rest.repos.createDeploymentStatus({
        ...this.repo,
        deployment_id: deployment.id,
        state,
        description: oneLine(description),
        log_url: this.runUrl,
        ...(environmentUrl ? { environment_url: environmentUrl } : {}),
      }),
    );
  }

  /** Final deployment status and commit status from the outcome. */
  async finish(
    req: DeploymentRequest,
    deployment: DeploymentRecord | undefined,
    outcome: Outcome,
    failed: boolean,
  ): Promise<void> {
    const state = failed ? 'failure' : 'success';
    if (deployment) await this.deploymentStatus(deployment, state, outcome.message, outcome.balancerUrl);
    await this.safely(`set the ${state} commit status`, () =>
      this.octokit.rest.repos.createCommitStatus({
        ...this.repo,
        sha: req.sha,
        state,
        context: this.statusContext(req.environment),
        description: oneLine(outcome.message),
        target_url: this.runUrl,
      }),
    );
  }

  /**
   * After a promote or a rollback, the deployment of a version taken away is no longer what
   * runs: mark it inactive (GitHub does not retire production deployments by itself).
   */
  async retire(
    environment: string,
    version: string,
    current: DeploymentRecord | undefined,
    by: CommandName,
  ): Promise<number | undefined> {
    const list = await this.safely('list deployments', () =>
      this.octokit.rest.repos.listDeployments({ ...this.repo, environment, per_page: 50 }),
    );
    // Newest first: the latest deployment of that version is the one that was running.
    const target = list?.data.find((d) => d.id !== current?.id && payloadVersion(d.payload) === version);
    if (!target) {
      core.info(`no earlier deployment of ${version} to ${environment} found to mark inactive`);
      return undefined;
    }
    await this.deploymentStatus(
      { id: target.id },
      'inactive',
      `${version} ${by === 'rollback' ? 'rolled back' : 'replaced'}${current ? ` by deployment ${current.id} (${by})` : ''}`,
    );
    return target.id;
  }

  async react(commentId: number, content: Reaction): Promise<void> {
    await this.safely(`add a ${content} reaction`, () =>
      this.octokit.rest.reactions.createForIssueComment({ ...this.repo, comment_id: commentId, content }),
    );
  }

  async reply(pullNumber: number, body: string): Promise<void> {
    await this.safely('reply on the pull request', () =>
      this.octokit.rest.issues.createComment({ ...this.repo, issue_number: pullNumber, body }),
    );
  }
}

function payloadVersion(payload: unknown): string | undefined {
  let p = payload;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p);
    } catch {
      return undefined;
    }
  }
  const v = (p as { version?: unknown } | null)?.version;
  return typeof v === 'string' ? v : undefined;
}
