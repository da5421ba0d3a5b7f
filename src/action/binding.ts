import type { Octokit, RepoRef } from './octokit.js';

// Which commit a `/deploy` comment deploys. The job runs minutes after the comment (queue,
// concurrency, environment approval); the pull request's author can push meanwhile. So the
// command binds to the commit that was the head WHEN THE COMMENT WAS WRITTEN, and only
// timestamps GitHub itself records count as proof — never commit dates, which the author
// sets. GitHub records no time for an ordinary push, so the rule is:
//
//   `/deploy <sha>`  deploys <sha> if it is the pull request's head now. A full 40-digit SHA
//                    needs nothing else: the commenter named the commit. A shorter prefix
//                    (7+) must also be unique among the pull request's commits and no force
//                    push may have happened since the comment (else a commit made to share
//                    the prefix could have replaced the one meant).
//   `/deploy`        deploys the head H only when a GitHub-timestamped event at or before the
//                    comment shows H as the head — the commenter's own review of H, or a
//                    force push to H — and no force push, branch deletion, restore or reopen
//                    happened after that event. Without one, a fast-forward push after the
//                    comment would look the same, so it refuses and names H: the commenter
//                    checks it and comments `/deploy H`.
//
// Why that suffices: a head that is H at time t and H again now either never moved or moved
// and came back; coming back to an earlier commit is never a fast-forward, so it leaves one of
// the events above (with GitHub's time) in the timeline.

/** The timeline events this rule reads (other events are ignored). */
export interface TimelineEvent {
  event?: string;
  created_at?: string;
  submitted_at?: string;
  commit_id?: string | null;
  user?: { login?: string } | null;
}

/** Events that can set the head to a commit that is not a descendant of the previous head. */
export const HEAD_RESETS = ['head_ref_force_pushed', 'head_ref_deleted', 'head_ref_restored', 'reopened'];

export interface BindingRequest {
  pullNumber: number;
  /** The pull request's head now (pulls.get). */
  head: string;
  commenter: string;
  commentCreatedAt: string;
  /** `/deploy <sha>`: what the comment named. */
  named?: string;
  timeline: TimelineEvent[];
  /** Every commit of the pull request; needed only for a shortened SHA. */
  commits?: string[];
}

export type Binding = { ok: true; sha: string; evidence: string } | { ok: false; reason: string };

/** pulls/list-commits answers at most this many commits: past it, uniqueness cannot be checked. */
export const PULL_COMMITS_LIMIT = 250;

interface Moment {
  at: number;
  text: string;
  sha?: string;
}

function resets(timeline: TimelineEvent[]): (Moment & { event: TimelineEvent })[] {
  return timeline
    .filter((e) => e.event !== undefined && HEAD_RESETS.includes(e.event) && e.created_at)
    .map((e) => ({
      at: Date.parse(e.created_at!),
      text: `${e.event} at ${e.created_at}`,
      ...(e.commit_id ? { sha: e.commit_id } : {}),
      event: e,
    }));
}

export function bindDeploy(req: BindingRequest): Binding {
  const { head, pullNumber } = req;
  const commentAt = Date.parse(req.commentCreatedAt);
  const nameHead = `comment \`/deploy ${head}\` to deploy it`;
  const refuse = (why: string): Binding => ({ ok: false, reason: why });
  const moves = resets(req.timeline);

  if (req.named !== undefined) {
    const named = req.named.toLowerCase();
    if (!head.startsWith(named))
      return refuse(`${named} is not the head of #${pullNumber}; its head is ${head}: ${nameHead}`);
    if (named.length === head.length)
      return { ok: true, sha: head, evidence: `the comment names ${head}, the head` };
    const commits = req.commits ?? [];
    if (commits.length >= PULL_COMMITS_LIMIT)
      return refuse(
        `#${pullNumber} has too many commits to check that ${named} is unique: name the full SHA, ${nameHead}`,
      );
    const others = commits.filter((c) => c !== head && c.startsWith(named));
    if (others.length > 0)
      return refuse(
        `${named} also starts ${others.join(', ')} in #${pullNumber}: name the full SHA, ${nameHead}`,
      );
    const since = moves.filter((m) => m.at >= commentAt);
    if (since.length > 0)
      return refuse(
        `the head branch of #${pullNumber} was rewritten after your comment (${since.map((m) => m.text).join(', ')}), so a short SHA could now name another commit: ${nameHead}`,
      );
    return { ok: true, sha: head, evidence: `the comment names ${named}, the head's unique prefix` };
  }

  // Timestamps have one-second resolution: an event in the comment's second may be after it.
  const after = moves.filter((m) => m.at >= commentAt);
  if (after.length > 0)
    return refuse(
      `the head of #${pullNumber} moved after your comment (${after.map((m) => m.text).join(', ')}); it is now ${head}: if that is what you reviewed, ${nameHead}`,
    );
  const reviews = req.timeline.filter(
    (e) =>
      e.event === 'reviewed' &&
      e.user?.login?.toLowerCase() === req.commenter.toLowerCase() &&
      e.submitted_at &&
      Date.parse(e.submitted_at) < commentAt,
  );
  const witnesses: Moment[] = [
    ...reviews
      .filter((e) => e.commit_id === head)
      .map((e) => ({ at: Date.parse(e.submitted_at!), text: `your review of ${head} at ${e.submitted_at}` })),
    ...moves
      .filter((m) => m.event.event === 'head_ref_force_pushed' && m.sha === head)
      .map((m) => ({ at: m.at, text: `the force push to ${head} at ${m.event.created_at}` })),
  ];
  const witness = witnesses.sort((a, b) => b.at - a.at)[0];
  if (!witness) {
    const reviewed = reviews.sort((a, b) => Date.parse(b.submitted_at!) - Date.parse(a.submitted_at!))[0];
    const hint = reviewed?.commit_id
      ? `your last review (${reviewed.submitted_at}) was of ${reviewed.commit_id}, not of the head`
      : 'GitHub records no time for an ordinary push, and you have not reviewed the head';
    return refuse(
      `cannot prove that ${head} was the head of #${pullNumber} when you commented (${req.commentCreatedAt}): ${hint}. If ${head} is what you mean, ${nameHead}`,
    );
  }
  const later = moves.filter((m) => m.at >= witness.at && !(m.sha === head && m.at === witness.at));
  if (later.length > 0)
    return refuse(
      `the head branch of #${pullNumber} was rewritten after ${witness.text} (${later.map((m) => m.text).join(', ')}): if ${head} is what you mean, ${nameHead}`,
    );
  return { ok: true, sha: head, evidence: witness.text };
}

/** How many timeline pages (of 100) are read before giving up on proving anything. */
export const TIMELINE_PAGE_LIMIT = 30;

/** The whole timeline of a pull request, oldest first; undefined when it is longer than the limit. */
export async function readTimeline(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
): Promise<TimelineEvent[] | undefined> {
  const events: TimelineEvent[] = [];
  let pages = 0;
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listEventsForTimeline, {
    ...repo,
    issue_number: pullNumber,
    per_page: 100,
  })) {
    if (++pages > TIMELINE_PAGE_LIMIT) return undefined;
    events.push(...(page.data as TimelineEvent[]));
  }
  return events;
}

/** The SHAs of the pull request's commits (GitHub lists at most PULL_COMMITS_LIMIT). */
export async function readPullCommits(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
): Promise<string[]> {
  const commits = await octokit.paginate(octokit.rest.pulls.listCommits, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  return commits.map((c) => c.sha);
}
