import { messageOf } from '../errors.js';
import type { CommentCommand, PrComment } from './event.js';
import type { Octokit, RepoRef } from './octokit.js';
import { describeLevel, holds, type PermissionLevel } from './permission.js';

// Who may run a PR-comment command, and on what. issue_comment workflows run with the
// repository's secrets for anyone who can comment, fork PRs included, so the commenter's
// permission is checked against the repository (author_association is not a permission:
// it shows private org members as CONTRIBUTOR) and /deploy refuses fork heads by default.

export type Refusal = { ok: false; reason: string };
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
    return {
      ok: false,
      reason: `@${comment.user} has ${level} permission on ${repo.owner}/${repo.repo}; commands need ${required} or higher`,
    };
  }
  return { ok: true, level };
}

export interface PullHead {
  sha: string;
  fromFork: boolean;
}

/**
 * The pull request's head commit, read once after the permission check: the run deploys
 * exactly this SHA even if someone pushes to the branch while it runs.
 */
export async function pullHead(octokit: Octokit, repo: RepoRef, pullNumber: number): Promise<PullHead> {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: pullNumber });
  const headRepo = data.head.repo?.full_name;
  // A deleted fork has no head repo: treat it as a fork.
  return { sha: data.head.sha, fromFork: headRepo !== `${repo.owner}/${repo.repo}` };
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
