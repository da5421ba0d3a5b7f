// Which commit a /deploy comment binds to (src/action/binding.ts): only GitHub's own
// timestamps count, and what cannot be proven is refused with the SHA to name.
import { describe, expect, it } from 'vitest';
import { bindDeploy, type BindingRequest, type TimelineEvent } from '../../src/action/binding.js';

const HEAD = 'c0ffee2bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const OLD = 'c0ffee1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const AT = '2026-03-01T10:00:00Z';
const t = (seconds: number) => new Date(Date.parse(AT) + seconds * 1000).toISOString();

const review = (login: string, commit: string, at: string): TimelineEvent => ({
  event: 'reviewed',
  user: { login },
  commit_id: commit,
  submitted_at: at,
});
const reset = (event: string, at: string, commit?: string): TimelineEvent => ({
  event,
  created_at: at,
  commit_id: commit ?? null,
});

function bind(timeline: TimelineEvent[], extra: Partial<BindingRequest> = {}) {
  return bindDeploy({
    pullNumber: 12,
    head: HEAD,
    commenter: 'wes',
    commentCreatedAt: AT,
    timeline,
    ...extra,
  });
}

describe('/deploy (no SHA): the head must be proven to be the head when the comment was written', () => {
  it('binds to the head the commenter reviewed before the comment', () => {
    expect(bind([review('Wes', HEAD, t(-60))])).toEqual({
      ok: true,
      sha: HEAD,
      evidence: `your review of ${HEAD} at ${t(-60)}`,
    });
  });

  it('binds to the head a force push set before the comment', () => {
    expect(bind([reset('head_ref_force_pushed', t(-60), HEAD)])).toMatchObject({ ok: true, sha: HEAD });
  });

  it('refuses without such an event: an ordinary push leaves no time', () => {
    const b = bind([{ event: 'committed' }, { event: 'commented', created_at: AT }]);
    expect(b).toMatchObject({ ok: false });
    expect(!b.ok && b.reason).toMatch(new RegExp(`cannot prove that ${HEAD} .* comment \`/deploy ${HEAD}\``));
  });

  it.each([
    ['someone else’s review', [review('mallory', HEAD, t(-60))]],
    ['a review in the comment’s own second', [review('wes', HEAD, t(0))]],
    ['a review after the comment', [review('wes', HEAD, t(5))]],
    ['a force push whose target is not recorded', [reset('head_ref_force_pushed', t(-60))]],
  ])('refuses when the only evidence is %s', (_what, timeline) => {
    expect(bind(timeline)).toMatchObject({ ok: false });
  });

  it.each(['head_ref_force_pushed', 'head_ref_deleted', 'head_ref_restored', 'reopened'])(
    'refuses when %s happened after the comment, whatever was reviewed',
    (event) => {
      const b = bind([review('wes', HEAD, t(-60)), reset(event, t(30), HEAD)]);
      expect(!b.ok && b.reason).toMatch(
        new RegExp(`moved after your comment \\(${event} at .*\`/deploy ${HEAD}\``),
      );
    },
  );

  it('refuses when the head was reset in the comment’s own second (its order is unknown)', () => {
    expect(bind([review('wes', HEAD, t(-60)), reset('head_ref_force_pushed', t(0), HEAD)])).toMatchObject({
      ok: false,
    });
  });

  it('refuses when the head was reset between the review and the comment', () => {
    const b = bind([review('wes', HEAD, t(-60)), reset('head_ref_restored', t(-30))]);
    expect(!b.ok && b.reason).toMatch(/rewritten after your review/);
  });

  it('the latest evidence counts: a force push back to the head after a reset', () => {
    const timeline = [
      review('wes', HEAD, t(-90)),
      reset('head_ref_force_pushed', t(-60), OLD),
      reset('head_ref_force_pushed', t(-30), HEAD),
    ];
    expect(bind(timeline)).toMatchObject({ ok: true, evidence: `the force push to ${HEAD} at ${t(-30)}` });
  });

  it('says which commit the commenter reviewed when the head moved on since', () => {
    const b = bind([review('wes', OLD, t(-60))]);
    expect(!b.ok && b.reason).toContain(`your last review (${t(-60)}) was of ${OLD}, not of the head`);
  });
});

describe('/deploy <sha>: the named commit must be the head now', () => {
  it('a full SHA equal to the head needs nothing else, not even a quiet timeline', () => {
    expect(bind([reset('head_ref_force_pushed', t(30), HEAD)], { named: HEAD })).toMatchObject({
      ok: true,
      sha: HEAD,
    });
  });

  it('another commit is refused, naming the head', () => {
    const b = bind([], { named: OLD });
    expect(!b.ok && b.reason).toBe(
      `${OLD} is not the head of #12; its head is ${HEAD}: comment \`/deploy ${HEAD}\` to deploy it`,
    );
  });

  it('a unique prefix of the head binds to the head', () => {
    expect(bind([], { named: HEAD.slice(0, 7), commits: [OLD, HEAD] })).toMatchObject({
      ok: true,
      sha: HEAD,
    });
  });

  it('a prefix shared with another commit of the pull request is refused', () => {
    const twin = HEAD.slice(0, 7) + 'e'.repeat(33);
    expect(bind([], { named: HEAD.slice(0, 7), commits: [twin, HEAD] })).toMatchObject({ ok: false });
  });

  it('a prefix is refused after a force push since the comment (the commit meant may be gone)', () => {
    const b = bind([reset('head_ref_force_pushed', t(10), HEAD)], {
      named: HEAD.slice(0, 7),
      commits: [HEAD],
    });
    expect(!b.ok && b.reason).toMatch(/rewritten after your comment/);
  });

  it('a prefix is refused when the pull request has too many commits to check it is unique', () => {
    const commits = Array.from({ length: 250 }, (_, i) => i.toString(16).padStart(40, '0'));
    expect(bind([], { named: HEAD.slice(0, 7), commits: [...commits.slice(1), HEAD] })).toMatchObject({
      ok: false,
    });
  });
});
