import { readFileSync } from 'node:fs';
import type { Command } from '../engine-options.js';
import { UsageError } from '../errors.js';
import type { ActionInputs } from './inputs.js';

// Turns the event that started the workflow into the command to run. The runner describes
// the event through GITHUB_* variables and the payload file at GITHUB_EVENT_PATH; we read
// them here (not through @actions/github's context, built once at import) so tests can
// drive every event in-process.

export interface RunEnvironment {
  eventName: string;
  owner: string;
  repo: string;
  /**
   * The commit the workflow runs on (for issue_comment: the default branch head). Image tags
   * for commits are this full SHA: 40 hex digits cannot be guessed or collided with.
   */
  sha: string;
  actor: string;
  apiUrl: string;
  runUrl: string;
  workspace: string;
}

export function runEnvironment(env: NodeJS.ProcessEnv = process.env): RunEnvironment {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new UsageError('GITHUB_REPOSITORY is not set: run this inside GitHub Actions');
  const serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    owner,
    repo,
    sha: env.GITHUB_SHA ?? '',
    actor: env.GITHUB_ACTOR ?? 'github-actions',
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`,
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
  };
}

export function readEventPayload(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

export const COMMENT_COMMANDS = ['deploy', 'promote', 'rollback', 'status'] as const;
export type CommentCommand = (typeof COMMENT_COMMANDS)[number];

export interface PrComment {
  id: number;
  user: string;
  pullNumber: number;
  /** When GitHub recorded the comment (from the event payload, not from anything the PR author controls). */
  createdAt: string;
  /** `/deploy <sha>`: the commit the commenter named (lowercase hex, 7 to 40 digits). */
  sha?: string;
}

export interface ParsedCommand {
  command: CommentCommand;
  sha?: string;
}

export type Trigger =
  /** push, workflow_dispatch, schedule…: the command input decides, deploy by default. */
  | { kind: 'input'; command: Command; version?: string }
  /** A new comment on a pull request whose first line is a command. */
  | { kind: 'comment'; command: CommentCommand; comment: PrComment }
  /** Nothing to do (an edited comment, not a command, not a pull request). */
  | { kind: 'ignored'; reason: string };

/**
 * `/deploy`, `/deploy <sha>` (7 to 40 hex digits) or `/promote`, `/rollback`, `/status` alone
 * on the comment's first line; anything else is conversation.
 */
export function commentCommand(body: string): ParsedCommand | undefined {
  const line = body.split(/\r?\n/, 1)[0]!.trim();
  const deploy = /^\/deploy\s+([0-9a-f]{7,40})$/.exec(line);
  if (deploy) return { command: 'deploy', sha: deploy[1]! };
  const m = /^\/([a-z]+)$/.exec(line);
  return m && (COMMENT_COMMANDS as readonly string[]).includes(m[1]!)
    ? { command: m[1] as CommentCommand }
    : undefined;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

export function triggerOf(
  eventName: string,
  payload: Record<string, unknown>,
  inputs: ActionInputs,
): Trigger {
  if (eventName !== 'issue_comment') {
    return {
      kind: 'input',
      command: inputs.command ?? 'deploy',
      ...(inputs.version ? { version: inputs.version } : {}),
    };
  }
  if (payload.action !== 'created')
    return { kind: 'ignored', reason: `comment ${String(payload.action)}, not created` };
  const issue = asRecord(payload.issue);
  if (!issue?.pull_request)
    return { kind: 'ignored', reason: 'the comment is on an issue, not a pull request' };
  const comment = asRecord(payload.comment);
  const parsed = commentCommand(typeof comment?.body === 'string' ? comment.body : '');
  if (!parsed) return { kind: 'ignored', reason: 'the comment is not a bluegreen command' };
  const user = asRecord(comment?.user)?.login;
  const createdAt = comment?.created_at;
  if (
    typeof comment?.id !== 'number' ||
    typeof user !== 'string' ||
    typeof issue.number !== 'number' ||
    typeof createdAt !== 'string' ||
    Number.isNaN(Date.parse(createdAt))
  ) {
    throw new UsageError(
      'issue_comment payload lacks comment.id, comment.user.login, comment.created_at or issue.number',
    );
  }
  return {
    kind: 'comment',
    command: parsed.command,
    comment: {
      id: comment.id,
      user,
      pullNumber: issue.number,
      createdAt,
      ...(parsed.sha ? { sha: parsed.sha } : {}),
    },
  };
}
