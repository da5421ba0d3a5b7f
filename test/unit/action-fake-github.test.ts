// The fake GitHub is only worth something if it can say no: these tests prove it rejects
// what GitHub would reject (bad bodies, bad path parameters, unknown routes) and records
// each as a violation, and that it answers valid calls in the shape Octokit expects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { octokitFor } from '../../src/action/octokit.js';
import { FakeGitHub } from '../github/fake-github.js';

let fake: FakeGitHub;

beforeAll(async () => {
  fake = await FakeGitHub.start('octo-org', 'shop');
  console.log(`fake GitHub init: ${fake.initMs.toFixed(0)} ms`);
});
afterAll(() => fake.close());

async function post(path: string, body: unknown): Promise<number> {
  const res = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('fake GitHub', () => {
  it('starts fast from the extracted operations', () => {
    expect(fake.initMs).toBeLessThan(3_000);
  });

  it('rejects a body that breaks the schema, and records it', async () => {
    fake.reset();
    expect(await post('/repos/octo-org/shop/deployments', { environment: 'production' })).toBe(422);
    expect(await post('/repos/octo-org/shop/statuses/abc', { state: 'green' })).toBe(422);
    expect(fake.violations.map((v) => v.reason)).toEqual([
      expect.stringMatching(/repos\/create-deployment: .*ref/),
      expect.stringMatching(/repos\/create-commit-status: \/requestBody\/state .*allowed values/),
    ]);
  });

  it('rejects a path parameter of the wrong type', async () => {
    fake.reset();
    expect(await post('/repos/octo-org/shop/deployments/not-a-number/statuses', { state: 'success' })).toBe(
      422,
    );
    expect(fake.violations[0]?.reason).toMatch(/deployment_id must be integer/);
  });

  it('rejects unknown routes and says whether GitHub has them', async () => {
    fake.reset();
    expect((await fetch(`${fake.url}/repos/octo-org/shop/deploymentz`)).status).toBe(404);
    expect((await fetch(`${fake.url}/repos/octo-org/shop/releases`)).status).toBe(404);
    expect(
      (await fetch(`${fake.url}/repos/octo-org/shop/pulls/1`, { method: 'PATCH', body: '{}' })).status,
    ).toBe(404);
    expect(fake.violations.map((v) => v.reason)).toEqual([
      'no such GitHub REST operation',
      expect.stringMatching(/\/repos\/\{owner\}\/\{repo\}\/releases is not faked/),
      expect.stringMatching(/pulls\/\{pull_number\} is not faked/),
    ]);
  });

  it('answers valid Octokit calls with schema-valid, scripted data', async () => {
    fake.reset();
    fake.collaborators.set('alice', { permission: 'write', role_name: 'maintain' });
    fake.pulls.set(7, { headSha: 'a'.repeat(40), headRepo: 'someone/shop' });
    const octokit = octokitFor('t0ken', fake.url);
    const repo = { owner: 'octo-org', repo: 'shop' };
    const perm = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: 'alice' });
    expect([perm.data.permission, perm.data.role_name]).toEqual(['write', 'maintain']);
    await expect(
      octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: 'mallory' }),
    ).rejects.toMatchObject({ status: 404 });
    const pr = await octokit.rest.pulls.get({ ...repo, pull_number: 7 });
    expect([pr.data.head.sha, pr.data.head.repo?.full_name]).toEqual(['a'.repeat(40), 'someone/shop']);
    const dep = await octokit.rest.repos.createDeployment({
      ...repo,
      ref: 'a'.repeat(40),
      environment: 'staging',
      required_contexts: [],
      auto_merge: false,
      payload: { version: 'v1' },
    });
    expect(dep.status).toBe(201);
    const id = (dep.data as { id: number }).id;
    await octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: id,
      state: 'success',
      description: 'ok',
    });
    const list = await octokit.rest.repos.listDeployments({ ...repo, environment: 'staging' });
    expect(list.data.map((d) => [d.id, d.payload])).toEqual([[id, { version: 'v1' }]]);
    expect(fake.deploymentStates(id)).toEqual(['success']);
    expect(fake.calls.every((c) => c.authorization === 'token t0ken')).toBe(true);
    expect(fake.violations).toEqual([]);
    expect(fake.responseViolations).toEqual([]);
  });

  it('pages list answers with Link headers, as Octokit follows them, in valid timeline shapes', async () => {
    fake.reset();
    const sha = (i: number) => i.toString(16).padStart(40, '0');
    fake.pulls.set(8, {
      headSha: sha(149),
      headRepo: 'octo-org/shop',
      commits: Array.from({ length: 150 }, (_, i) => sha(i)),
      timeline: [
        ...Array.from({ length: 150 }, (_, i) => ({ event: 'committed' as const, sha: sha(i) })),
        { event: 'commented', id: 1, user: 'alice', at: '2026-03-01T10:00:00Z' },
        { event: 'reviewed', user: 'alice', commitId: sha(149), at: '2026-03-01T09:00:00Z' },
        { event: 'head_ref_force_pushed', user: 'bob', at: '2026-03-01T11:00:00Z', commitId: sha(149) },
        { event: 'reopened', user: 'bob', at: '2026-03-01T11:00:01Z' },
      ],
    });
    const octokit = octokitFor('t', fake.url);
    const repo = { owner: 'octo-org', repo: 'shop' };
    const timeline = await octokit.paginate(octokit.rest.issues.listEventsForTimeline, {
      ...repo,
      issue_number: 8,
      per_page: 100,
    });
    expect(timeline.map((e) => e.event).slice(-4)).toEqual([
      'commented',
      'reviewed',
      'head_ref_force_pushed',
      'reopened',
    ]);
    expect(timeline).toHaveLength(154);
    const commits = await octokit.paginate(octokit.rest.pulls.listCommits, {
      ...repo,
      pull_number: 8,
      per_page: 100,
    });
    expect(commits.map((c) => c.sha)).toEqual(Array.from({ length: 150 }, (_, i) => sha(i)));
    expect(fake.sequence()).toEqual([
      'issues/list-events-for-timeline',
      'issues/list-events-for-timeline',
      'pulls/list-commits',
      'pulls/list-commits',
    ]);
    expect(fake.violations).toEqual([]);
    expect(fake.responseViolations).toEqual([]);
  });

  it('answers scripted failures with the status asked for', async () => {
    fake.reset();
    fake.failures.set('issues/create-comment', 500);
    const octokit = octokitFor('t', fake.url);
    await expect(
      octokit.rest.issues.createComment({ owner: 'octo-org', repo: 'shop', issue_number: 1, body: 'x' }),
    ).rejects.toMatchObject({ status: 500 });
    fake.failures.clear();
    expect(fake.violations).toEqual([]);
  });
});
