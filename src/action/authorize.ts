import { messageOf } from '../errors.js';
import { bindDeploy, PULL_COMMITS_LIMIT, readPullCommits, readTimeline } from './binding.js';
import type { CommentCommand, PrComment } from './event.js';
import type { Octokit, RepoRef } from './octokit.js';
import { describeLevel, holds, type PermissionLevel } from './permission.js';

// Who may run a PR-comment command, and on what. issue_comment workflows run with the
// repository's secrets for anyone who can comment, fork PRs included, so the commenter's
// permission is checked against the repository (author_association is not a permission:
// it shows private org members as CONTRIBUTOR), /deploy refuses fork heads by default and
// binds to the commit that was the head when the comment was written (binding.ts).
// Everything here only reads from GitHub: it runs in a job with read-only permissions.

/** `reason` is posted on the pull request; `detail` goes to the log only. */
export type Refusal = { ok: false; reason: string; detail?: string };
export type Verdict<T> = ({ ok: true } & T) | Refusal;

export async function authorizeCommenter(
  octokit: Octokit,
  repo: RepoRef,
  comment: PrComment,
  required: PermissionLevel,
): Promise<Verdict<{ level: string }>> {
  let permission: string;
  let roleName: string | undefined;
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      ...repo,
      username: comment.user,
    });
    permission = data.permission;
    roleName = data.role_name;
  } catch (err) {
    // Fail closed: an unanswered check is a refusal (a 404 means "not a collaborator").
    if ((err as { status?: number }).status === 404) permission = 'none';
    else return { ok: false, reason: `could not check @${comment.user}'s permission: ${messageOf(err)}` };
  }
  const level = describeLevel(permission, roleName);
  if (!holds(permission, roleName, required)) {
    // The reply says what is needed, not what the commenter holds: that is nobody else's business.
    return {
      ok: false,
      reason: `@${comment.user}: commands need ${required} permission on ${repo.owner}/${repo.repo} or higher`,
      detail: `@${comment.user} has ${level} permission`,
    };
  }
  return { ok: true, level };
}

export interface PullHead {
  sha: string;
  fromFork: boolean;
  open: boolean;
}

/** The pull request's head commit now, whether it comes from a fork, and whether it is open. */
export async function pullHead(octokit: Octokit, repo: RepoRef, pullNumber: number): Promise<PullHead> {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: pullNumber });
  const headRepo = data.head.repo?.full_name;
  // A deleted fork has no head repo: treat it as a fork.
  return {
    sha: data.head.sha,
    fromFork: headRepo !== `${repo.owner}/${repo.repo}`,
    open: data.state === 'open',
  };
}

export function refuseForkDeploy(
  command: CommentCommand,
  head: PullHead,
  allowForks: boolean,
): Refusal | undefined {
  if (command !== 'deploy' || !head.fromFork || allowForks) return undefined;
  return {
    ok: false,
    reason:
      'this pull request comes from a fork: /deploy would run its code on your hosts (set allow_forks: true to permit it)',
  };
}

export interface CommandPolicy {
  allowedCommentersPermission: PermissionLevel;
  allowForks: boolean;
}

/** What an authorized comment command acts on. */
export interface Authorized {
  /** The commit recorded for the run: the bound head for /deploy, the head now otherwise. */
  sha?: string;
  /** /deploy: the image tag, the bound commit's full SHA. */
  version?: string;
  /** /promote: the candidate must run this version (this pull request's head). */
  expectCandidate?: string;
  /** Why this commit: the evidence that bound a /deploy to it. */
  evidence?: string;
}

/** Every check a PR-comment command passes before it may run: who, where from, which commit. */
export async function authorizeCommand(
  octokit: Octokit,
  repo: RepoRef,
  command: CommentCommand,
  comment: PrComment,
  policy: CommandPolicy,
): Promise<Verdict<Authorized>> {
  const who = await authorizeCommenter(octokit, repo, comment, policy.allowedCommentersPermission);
  if (!who.ok) return who;
  if (command === 'status') return { ok: true };
  try {
    const head = await pullHead(octokit, repo, comment.pullNumber);
    if (command === 'promote') return { ok: true, sha: head.sha, expectCandidate: head.sha };
    if (command === 'rollback') return { ok: true, sha: head.sha };
    if (!head.open)
      return { ok: false, reason: `#${comment.pullNumber} is closed: /deploy deploys open pull requests` };
    const fork = refuseForkDeploy(command, head, policy.allowForks);
    if (fork) return fork;
    const timeline = await readTimeline(octokit, repo, comment.pullNumber);
    if (!timeline)
      return {
        ok: false,
        reason: `the timeline of #${comment.pullNumber} is too long to check which commit was the head when you commented: comment \`/deploy ${head.sha}\` to deploy the head`,
      };
    const short = comment.sha !== undefined && comment.sha.length < head.sha.length;
    const commits = short ? await readPullCommits(octokit, repo, comment.pullNumber) : undefined;
    const bound = bindDeploy({
      pullNumber: comment.pullNumber,
      head: head.sha,
      commenter: comment.user,
      commentCreatedAt: comment.createdAt,
      ...(comment.sha !== undefined ? { named: comment.sha } : {}),
      timeline,
      ...(commits ? { commits: commits.slice(0, PULL_COMMITS_LIMIT) } : {}),
    });
    if (!bound.ok) return bound;
    return { ok: true, sha: bound.sha, version: bound.sha, evidence: bound.evidence };
  } catch (err) {
    // Fail closed: what cannot be checked is refused.
    return { ok: false, reason: `could not read #${comment.pullNumber} from GitHub: ${messageOf(err)}` };
  }
}
