// The action end to end without a lab: src/main.ts's run(engine) with the real inputs,
// event and reporting code, GitHub replaced by the fake that validates every request and
// answer against GitHub's OpenAPI description, and the engine by a recording fake (a tiny
// state of pools, the real promote guard). Each scenario pins one decision of issue #12:
// which commit a command binds to, who is answered how, what the deployment records.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../../src/action/execute.js';
import { loadConfig } from '../../src/config/load.js';
import type { CommandName, Outcome, PoolView } from '../../src/deploy/outcome.js';
import { refuseOtherCandidate, type CommandArgs } from '../../src/deploy/run.js';
import { emptyState } from '../../src/deploy/state.js';
import { DeployError, UsageError } from '../../src/errors.js';
import { run } from '../../src/main.js';
import { FakeGitHub, type TimelineEntry } from '../github/fake-github.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OWNER = 'octo-org';
const REPO = 'shop';
const MAIN_SHA = '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const OLD_HEAD = 'c0ffee1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const HEAD = 'c0ffee2bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const FORK_HEAD = 'f00d000ccccccccccccccccccccccccccccccccc';
const IMAGE = 'registry.test:5000/octo/shop';
const DIGEST = `sha256:${'d'.repeat(64)}`;
/** When the /deploy comments are written; reviews and pushes are placed around it. */
const COMMENTED_AT = '2026-03-01T10:00:00Z';
const before = (s: number) => new Date(Date.parse(COMMENTED_AT) - s * 1000).toISOString().replace('.000', '');
const after = (s: number) => before(-s);

interface ActionYaml {
  inputs: Record<string, { default?: string }>;
}
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYaml;

/** What the engine was asked, in order. */
interface EngineCall {
  fn: 'prepareImage' | 'runCommand';
  command?: CommandName;
  version?: string;
  digest?: string;
  expectCandidate?: string;
  /** GitHub calls made before this one: proves prepareImage runs before the deployment exists. */
  githubCallsBefore: string[];
}

/** Pools as the fake engine keeps them: enough to answer deploy, promote, rollback and status. */
class RecordingEngine implements Engine {
  readonly calls: EngineCall[] = [];
  /** The next runCommand fails with this error (as the engine returns failures: beside an outcome). */
  failNext: Error | undefined;
  live: { pool: 'green' | 'blue'; version: string } | null = null;
  candidate: { pool: 'green' | 'blue'; version: string } | null = null;

  constructor(private readonly github: FakeGitHub) {}

  loadConfig = loadConfig;

  /** The next prepareImage fails with this error (the tag is missing, the build fails…). */
  prepareFailsNext: Error | undefined;

  prepareImage: Engine['prepareImage'] = async (_opts, version) => {
    this.calls.push({ fn: 'prepareImage', version, githubCallsBefore: this.github.sequence() });
    const error = this.prepareFailsNext;
    this.prepareFailsNext = undefined;
    if (error) throw error;
    return { image: IMAGE, digest: DIGEST };
  };

  private views(): PoolView[] {
    const view = (p: { pool: 'green' | 'blue'; version: string }, role: PoolView['role']): PoolView => ({
      pool: p.pool,
      version: p.version,
      hosts: [`${p.pool}host00`],
      role,
    });
    return [
      ...(this.live ? [view(this.live, 'live')] : []),
      ...(this.candidate ? [view(this.candidate, 'candidate')] : []),
    ];
  }

  runCommand: Engine['runCommand'] = async (opts, args: CommandArgs) => {
    this.calls.push({
      fn: 'runCommand',
      command: args.command,
      ...(args.version ? { version: args.version } : {}),
      ...(args.digest ? { digest: args.digest } : {}),
      ...(args.expectCandidate ? { expectCandidate: args.expectCandidate } : {}),
      githubCallsBefore: this.github.sequence(),
    });
    const beforeViews = this.views();
    const outcome = (message: string, extra: Partial<Outcome> = {}): Outcome => ({
      command: args.command,
      result: 'success',
      dryRun: opts.dryRun ?? false,
      ...(args.version ? { version: args.version } : {}),
      message,
      before: beforeViews,
      after: this.views(),
      hosts: [
        {
          host: 'bluehost00',
          pool: 'blue',
          steps: [{ step: 'check', ok: true, ms: 5, detail: 'container log: secret stuff at 10.0.0.7' }],
        },
      ],
      balancerUrl: 'http://lb/',
      durationMs: 10,
      ...extra,
    });
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      return { outcome: { ...outcome(error.message), result: 'failure' }, error };
    }
    if (args.command === 'promote') {
      const state = emptyState('shop');
      if (this.candidate) {
        state.candidate = this.candidate.pool;
        state.pools[this.candidate.pool] = { version: this.candidate.version, hosts: [], since: '' };
      }
      try {
        if (args.expectCandidate !== undefined) refuseOtherCandidate(state, args.expectCandidate);
      } catch (error) {
        return { outcome: { ...outcome((error as Error).message), result: 'failure' }, error };
      }
      this.live = this.candidate;
      this.candidate = null;
      return { outcome: outcome(`${this.live!.version} live on ${this.live!.pool}`) };
    }
    if (args.command === 'deploy') {
      const pool = this.live?.pool === 'green' ? 'blue' : 'green';
      if (this.live) this.candidate = { pool, version: args.version! };
      else this.live = { pool, version: args.version! };
      return {
        outcome: outcome(`${args.version} on ${pool}`, {
          version: args.version!,
          image: IMAGE,
          digest: args.digest!,
        }),
      };
    }
    return { outcome: outcome(`${args.command} done`) };
  };
}

interface ActionRun {
  failed: boolean;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  /** GitHub operations, in order. */
  calls: string[];
  engine: RecordingEngine;
  /** Reactions posted, in order. */
  reactions: string[];
  /** Replies posted on the pull request. */
  replies: string[];
}

/** name<<DELIM / value / DELIM records, as @actions/core writes GITHUB_OUTPUT. */
function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]!] = m[3]!;
  return out;
}

let fake: FakeGitHub;
let dir: string;
let engine: RecordingEngine;

beforeAll(async () => {
  fake = await FakeGitHub.start(OWNER, REPO);
  dir = mkdtempSync(join(tmpdir(), 'bluegreen-action-run-'));
  const config = `app: shop
image: ${IMAGE}
pools: { green: [greenhost00], blue: [bluehost00] }
balancer: { host: lb, file: /etc/nginx/conf.d/app.conf, url: 'http://lb/' }
`;
  writeFileSync(join(dir, 'bluegreen.yml'), config);
  writeFileSync(join(dir, 'build.yml'), `${config}build: { context: . }\n`);
  fake.collaborators.set('rita-reader', { permission: 'read', role_name: 'read' });
  fake.collaborators.set('wes-writer', { permission: 'write', role_name: 'write' });
  fake.collaborators.set('ada-admin', { permission: 'admin', role_name: 'admin' });
  engine = new RecordingEngine(fake);
});

afterAll(async () => {
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

let seq = 0;

async function runAction(
  eventName: string,
  payload: object,
  withInputs: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const n = ++seq;
  const files = { event: join(dir, `event-${n}.json`), output: join(dir, `output-${n}`) };
  // @actions/core keeps the summary file it first saw: one file, emptied for each run.
  const summaryFile = join(dir, 'summary.md');
  writeFileSync(files.event, JSON.stringify(payload));
  writeFileSync(files.output, '');
  writeFileSync(summaryFile, '');
  const inputs: Record<string, string> = { config: 'bluegreen.yml', ssh_private_key: 'KEY', ...withInputs };
  for (const [name, spec] of Object.entries(action.inputs)) {
    const fallback = spec.default === '${{ github.token }}' ? 'ghs_faketoken' : (spec.default ?? '');
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, inputs[name] ?? fallback);
  }
  const vars: Record<string, string> = {
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_API_URL: fake.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_SHA: MAIN_SHA,
    GITHUB_RUN_ID: '4242',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKSPACE: dir,
    ...env,
  };
  for (const [k, v] of Object.entries(vars)) vi.stubEnv(k, v);
  fake.reset();
  const commentsBefore = fake.comments.length;
  engine.calls.length = 0;
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  await run(engine);
  vi.mocked(process.stdout.write).mockRestore();
  const failed = process.exitCode === 1;
  process.exitCode = undefined;
  // GitHub's description holds for every call, and for the fake's own answers.
  expect(fake.violations).toEqual([]);
  expect(fake.responseViolations).toEqual([]);
  return {
    failed,
    stdout,
    outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    calls: fake.sequence(),
    engine,
    reactions: fake.calls
      .filter((c) => c.operationId === 'reactions/create-for-issue-comment')
      .map((c) => (c.body as { content: string }).content),
    replies: fake.comments.slice(commentsBefore).map((c) => String(c.body)),
  };
}

function commentEvent(user: string, body: string, pr = 12): object {
  return {
    action: 'created',
    issue: { number: pr, pull_request: { url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${pr}` } },
    comment: { id: 9000 + seq, body, user: { login: user }, created_at: COMMENTED_AT },
    repository: { full_name: `${OWNER}/${REPO}`, default_branch: 'main' },
  };
}

/** PR #12 from the same repository: OLD_HEAD, then HEAD; the timeline holds `events` around the comment. */
function pullRequest(head: string, events: TimelineEntry[], commits = [OLD_HEAD, HEAD]): void {
  fake.pulls.set(12, {
    headSha: head,
    headRepo: `${OWNER}/${REPO}`,
    commits,
    timeline: [
      ...commits.map((sha) => ({ event: 'committed' as const, sha })),
      ...events,
      { event: 'commented', id: 1, user: 'wes-writer', at: COMMENTED_AT },
    ],
  });
}

const payloadOf = (i = -1) => fake.deployments.at(i)!.body.payload as Record<string, unknown>;

describe('push and dispatch', () => {
  it('push: deploys the full SHA, the image fixed before the deployment records its digest', async () => {
    const r = await runAction('push', { ref: 'refs/heads/main', after: MAIN_SHA });
    expect(r.failed, r.stdout).toBe(false);
    const [prepare, runCmd] = r.engine.calls;
    expect(prepare).toMatchObject({ fn: 'prepareImage', version: MAIN_SHA, githubCallsBefore: [] });
    expect(runCmd).toMatchObject({ fn: 'runCommand', command: 'deploy', version: MAIN_SHA, digest: DIGEST });
    expect(runCmd!.githubCallsBefore).toContain('repos/create-deployment');
    expect(fake.deployments.at(-1)!.body.ref).toBe(MAIN_SHA);
    expect(payloadOf()).toEqual({
      tool: 'bluegreen',
      command: 'deploy',
      version: MAIN_SHA,
      image: IMAGE,
      digest: DIGEST,
      sha: MAIN_SHA,
    });
    expect(r.outputs).toMatchObject({
      version: MAIN_SHA,
      image: IMAGE,
      digest: DIGEST,
      sha: MAIN_SHA,
      result: 'success',
    });
    expect(r.summary).toContain(`Image: \`${IMAGE}@${DIGEST}\``);
  });

  it('workflow_dispatch: deploys the version asked for; steps with a non-deploy command are refused as in the CLI', async () => {
    const r = await runAction(
      'workflow_dispatch',
      { ref: 'refs/heads/main' },
      { command: 'deploy', version: '2.0.0' },
    );
    expect(r.failed, r.stdout).toBe(false);
    expect(r.engine.calls.map((c) => [c.fn, c.version])).toEqual([
      ['prepareImage', '2.0.0'],
      ['runCommand', '2.0.0'],
    ]);
    expect(payloadOf()).toMatchObject({ command: 'deploy', version: '2.0.0', digest: DIGEST, sha: MAIN_SHA });

    const refused = await runAction('workflow_dispatch', {}, { command: 'promote', steps: '10,100' });
    expect(refused.failed).toBe(true);
    expect(refused.stdout).toContain('::error::input steps applies to deploy only');
    expect(refused.engine.calls).toEqual([]);
    expect(refused.calls).toEqual([]);
  });

  it('an image that cannot be prepared: no deployment, a failed commit status, the step fails', async () => {
    engine.prepareFailsNext = new DeployError(`${IMAGE}:${MAIN_SHA}: manifest unknown`);
    const r = await runAction('push', {});
    expect(r.failed).toBe(true);
    expect(r.engine.calls.map((c) => c.fn)).toEqual(['prepareImage']);
    expect(r.calls).toEqual(['repos/create-commit-status']);
    expect(fake.commitStatuses.at(-1)).toMatchObject({ sha: MAIN_SHA, state: 'failure' });
    expect(r.outputs).toMatchObject({ result: 'failure', deployment_id: '', digest: '' });
    expect(r.summary).toContain('manifest unknown');
    expect(r.stdout).toContain('::error::deploy: registry.test:5000/octo/shop');
  });

  it('a dry run deploys nothing: no image is prepared, no deployment recorded', async () => {
    const r = await runAction(
      'workflow_dispatch',
      {},
      { command: 'deploy', version: '3.0.0', dry_run: 'true' },
    );
    expect(r.failed, r.stdout).toBe(false);
    expect(r.engine.calls.map((c) => c.fn)).toEqual(['runCommand']);
    expect(r.calls).toEqual([]);
  });

  it('build: refused when the workspace holds another commit than the one deployed, naming both', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'checked out');
    const checkedOut = git('rev-parse', 'HEAD');
    try {
      const r = await runAction('push', {}, { config: 'build.yml' });
      expect(r.failed).toBe(true);
      expect(r.stdout).toMatch(
        new RegExp(`::error::build: the workspace holds ${checkedOut} but this run deploys ${MAIN_SHA}`),
      );
      expect(r.engine.calls).toEqual([]);
      expect(r.calls).toEqual([]);
    } finally {
      rmSync(join(dir, '.git'), { recursive: true, force: true });
    }
  });

  it('validate: the config alone, without GitHub, hosts or secrets', async () => {
    const r = await runAction(
      'pull_request',
      {},
      { command: 'validate', ssh_private_key: '', github_token: '' },
    );
    expect(r.failed, r.stdout).toBe(false);
    expect(r.outputs).toEqual({ result: 'success' });
    expect(r.summary).toContain('bluegreen.yml is valid');
    expect(r.calls).toEqual([]);
    expect(r.engine.calls).toEqual([]);
  });
});

describe('PR comment /deploy: bound to the head when the comment was written', () => {
  it('deploys the head the commenter reviewed before commenting, 👀 only after authorization', async () => {
    pullRequest(HEAD, [{ event: 'reviewed', user: 'wes-writer', commitId: HEAD, at: before(60) }]);
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/deploy'));
    expect(r.failed, r.stdout).toBe(false);
    expect(r.calls.slice(0, 4)).toEqual([
      'repos/get-collaborator-permission-level',
      'pulls/get',
      'issues/list-events-for-timeline',
      'reactions/create-for-issue-comment',
    ]);
    expect(r.reactions).toEqual(['eyes', 'rocket']);
    expect(r.engine.calls.map((c) => [c.fn, c.version, c.digest])).toEqual([
      ['prepareImage', HEAD, undefined],
      ['runCommand', HEAD, DIGEST],
    ]);
    expect(fake.deployments.at(-1)!.body.ref).toBe(HEAD);
    expect(payloadOf()).toMatchObject({ version: HEAD, digest: DIGEST, sha: HEAD });
    expect(r.outputs).toMatchObject({ verdict: 'authorized', sha: HEAD, version: HEAD });
    // The reply: versions, pools, digest and host counts — no host names, checks or logs.
    const reply = r.replies.at(-1)!;
    expect(reply).toContain(`Image digest: \`${DIGEST}\``);
    expect(reply).toContain('Hosts: 1 ok');
    expect(reply).not.toMatch(/bluehost00|10\.0\.0\.7|container log/);
    expect(r.summary).toContain('| bluehost00 | blue |');
  });

  it('a failed deploy: the reply points to the job summary, which holds the host and the container log', async () => {
    pullRequest(HEAD, [{ event: 'reviewed', user: 'wes-writer', commitId: HEAD, at: before(60) }]);
    engine.candidate = null;
    engine.failNext = new DeployError('check failed on bluehost00 (10.0.0.7:8000): container log: boom');
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/deploy'));
    expect(r.failed).toBe(true);
    expect(r.reactions).toEqual(['eyes', '-1']);
    const reply = r.replies.at(-1)!;
    expect(reply).toContain('which host and why (checks, container logs) is in the job summary');
    expect(reply).not.toMatch(/bluehost00|10\.0\.0\.7|boom/);
    expect(r.summary).toContain('check failed on bluehost00 (10.0.0.7:8000): container log: boom');
    expect(fake.deploymentStates(fake.deployments.at(-1)!.id)).toEqual(['in_progress', 'failure']);
  });

  it('refuses when GitHub recorded nothing that shows the head at comment time, and names the SHA', async () => {
    pullRequest(HEAD, []);
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/deploy'));
    expect(r.failed).toBe(true);
    expect(r.reactions).toEqual(['-1']);
    expect(r.replies.at(-1)).toMatch(
      new RegExp(`cannot prove that ${HEAD} was the head of #12 .*\`/deploy ${HEAD}\``),
    );
    expect(r.engine.calls).toEqual([]);
  });

  it('refuses when the head moved after the comment (a force push), naming the new head', async () => {
    pullRequest(HEAD, [
      { event: 'reviewed', user: 'wes-writer', commitId: OLD_HEAD, at: before(60) },
      { event: 'head_ref_force_pushed', user: 'mallory', at: after(30), commitId: HEAD },
    ]);
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/deploy'));
    expect(r.failed).toBe(true);
    expect(r.replies.at(-1)).toMatch(
      new RegExp(
        `the head of #12 moved after your comment \\(head_ref_force_pushed at ${after(30)}\\).*\`/deploy ${HEAD}\``,
      ),
    );
    expect(r.reactions).toEqual(['-1']);
    expect(r.engine.calls).toEqual([]);
    expect(r.calls).not.toContain('repos/create-deployment');
  });

  it('refuses when the head moved by an ordinary push after the commenter reviewed another commit', async () => {
    pullRequest(HEAD, [{ event: 'reviewed', user: 'wes-writer', commitId: OLD_HEAD, at: before(60) }]);
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/deploy'));
    expect(r.failed).toBe(true);
    expect(r.replies.at(-1)).toMatch(
      new RegExp(`your last review \\(.*\\) was of ${OLD_HEAD}, not of the head.*\`/deploy ${HEAD}\``),
    );
    expect(r.engine.calls).toEqual([]);
  });

  it('/deploy <sha> of the current head deploys it, full SHA or unique prefix', async () => {
    for (const named of [HEAD, HEAD.slice(0, 7)]) {
      pullRequest(HEAD, []);
      engine.candidate = null;
      const r = await runAction('issue_comment', commentEvent('wes-writer', `/deploy ${named}`));
      expect(r.failed, r.stdout).toBe(false);
      expect(r.engine.calls.map((c) => c.version)).toEqual([HEAD, HEAD]);
      expect(r.calls.includes('pulls/list-commits')).toBe(named.length < 40);
    }
  });

  it('/deploy <sha> of an older commit is refused, naming the head', async () => {
    pullRequest(HEAD, []);
    const r = await runAction('issue_comment', commentEvent('wes-writer', `/deploy ${OLD_HEAD}`));
    expect(r.failed).toBe(true);
    expect(r.replies.at(-1)).toContain(`${OLD_HEAD} is not the head of #12; its head is ${HEAD}`);
    expect(r.engine.calls).toEqual([]);
  });

  it('/deploy <prefix> shared by two commits of the pull request is refused', async () => {
    // A commit made to share the head's first 7 digits: the prefix names neither for sure.
    const collider = HEAD.slice(0, 7) + 'e'.repeat(33);
    pullRequest(HEAD, [], [OLD_HEAD, collider, HEAD]);
    const r = await runAction('issue_comment', commentEvent('wes-writer', `/deploy ${HEAD.slice(0, 7)}`));
    expect(r.failed).toBe(true);
    expect(r.replies.at(-1)).toContain(
      `${HEAD.slice(0, 7)} also starts ${collider} in #12: name the full SHA`,
    );
    expect(r.engine.calls).toEqual([]);
  });
});

describe('PR comment: who is answered how', () => {
  it('a reader is refused with one reply and 👎: no 👀, no permission level disclosed', async () => {
    pullRequest(HEAD, []);
    const r = await runAction('issue_comment', commentEvent('rita-reader', '/deploy'));
    expect(r.failed).toBe(true);
    expect(r.calls).toEqual([
      'repos/get-collaborator-permission-level',
      'issues/create-comment',
      'reactions/create-for-issue-comment',
    ]);
    expect(r.reactions).toEqual(['-1']);
    expect(r.replies).toEqual([expect.stringContaining('@rita-reader: commands need write permission')]);
    expect(r.replies[0]).not.toMatch(/has read/);
    expect(r.stdout).toContain('@rita-reader has read permission');
    expect(r.outputs).toMatchObject({ verdict: 'refused', result: 'failure' });
  });

  it('a fork pull request is refused for /deploy', async () => {
    fake.pulls.set(13, { headSha: FORK_HEAD, headRepo: 'stranger/shop' });
    const r = await runAction('issue_comment', commentEvent('ada-admin', '/deploy', 13));
    expect(r.failed).toBe(true);
    expect(r.replies.at(-1)).toMatch(/comes from a fork/);
    expect(r.reactions).toEqual(['-1']);
    expect(r.engine.calls).toEqual([]);
  });

  it('mode authorize: decides with read-only calls and writes nothing, refused or not', async () => {
    pullRequest(HEAD, [{ event: 'reviewed', user: 'wes-writer', commitId: HEAD, at: before(60) }]);
    const ok = await runAction('issue_comment', commentEvent('wes-writer', '/deploy'), { mode: 'authorize' });
    expect(ok.failed).toBe(false);
    expect(ok.outputs).toEqual({ verdict: 'authorized', sha: HEAD });
    const no = await runAction('issue_comment', commentEvent('rita-reader', '/deploy'), {
      mode: 'authorize',
    });
    expect(no.failed).toBe(false);
    expect(no.outputs).toEqual({ verdict: 'refused' });
    for (const r of [ok, no]) {
      expect(fake.calls.every((c) => c.method === 'GET')).toBe(true);
      expect(r.engine.calls).toEqual([]);
    }
  });

  it('mode refusal: answers a refused command, and runs nothing for an authorized one', async () => {
    pullRequest(HEAD, []);
    const refused = await runAction('issue_comment', commentEvent('rita-reader', '/promote'), {
      mode: 'refusal',
    });
    expect(refused.failed).toBe(true);
    expect(refused.reactions).toEqual(['-1']);
    expect(refused.replies).toHaveLength(1);
    const now = await runAction('issue_comment', commentEvent('wes-writer', '/status'), { mode: 'refusal' });
    expect(now.failed).toBe(false);
    expect(now.reactions).toEqual([]);
    expect(now.replies).toEqual([]);
    expect(now.engine.calls).toEqual([]);
  });

  it('comments that are no commands are ignored without an API call', async () => {
    const r = await runAction('issue_comment', commentEvent('wes-writer', 'LGTM, /deploy when ready'));
    expect(r.failed).toBe(false);
    expect(r.calls).toEqual([]);
    expect(r.outputs).toEqual({ verdict: 'ignored' });
  });
});

describe('PR comment /promote', () => {
  it('is refused when the candidate is not this pull request’s head', async () => {
    engine.live = { pool: 'green', version: '1.0.0' };
    engine.candidate = { pool: 'blue', version: OLD_HEAD };
    pullRequest(HEAD, []);
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/promote'));
    expect(r.failed).toBe(true);
    expect(r.engine.calls).toMatchObject([{ fn: 'runCommand', command: 'promote', expectCandidate: HEAD }]);
    expect(r.replies.at(-1)).toContain(`the candidate on blue runs ${OLD_HEAD}, not ${HEAD}`);
    expect(r.reactions).toEqual(['eyes', '-1']);
    expect(engine.candidate).toEqual({ pool: 'blue', version: OLD_HEAD });
  });

  it('promotes this pull request’s deploy and marks the previous live version’s deployment inactive', async () => {
    engine.live = null;
    engine.candidate = null;
    const first = await runAction('workflow_dispatch', {}, { command: 'deploy', version: '1.0.0' });
    expect(first.failed, first.stdout).toBe(false);
    const live100 = fake.deployments.at(-1)!;
    pullRequest(HEAD, [{ event: 'reviewed', user: 'wes-writer', commitId: HEAD, at: before(60) }]);
    const deployed = await runAction('issue_comment', commentEvent('wes-writer', '/deploy'));
    expect(deployed.failed, deployed.stdout).toBe(false);
    expect(engine.candidate).toEqual({ pool: 'blue', version: HEAD });
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/promote'));
    expect(r.failed, r.stdout).toBe(false);
    expect(r.engine.calls).toMatchObject([{ fn: 'runCommand', command: 'promote', expectCandidate: HEAD }]);
    expect(r.calls).toEqual([
      'repos/get-collaborator-permission-level',
      'pulls/get',
      'reactions/create-for-issue-comment',
      'repos/create-commit-status',
      'repos/create-deployment',
      'repos/create-deployment-status',
      'repos/create-deployment-status',
      'repos/create-commit-status',
      'repos/list-deployments',
      'repos/create-deployment-status',
      'issues/create-comment',
      'reactions/create-for-issue-comment',
    ]);
    expect(payloadOf()).toMatchObject({ command: 'promote', version: HEAD, sha: HEAD });
    expect(fake.deploymentStates(live100.id).at(-1)).toBe('inactive');
    expect(fake.deployments.at(-1)!.statuses.length).toBe(2);
    expect(r.reactions).toEqual(['eyes', 'rocket']);
  });
});

describe('the promote guard of the engine', () => {
  it('refuses with a UsageError naming both versions, or when there is no candidate', () => {
    const state = emptyState('shop');
    expect(() => refuseOtherCandidate(state, HEAD)).toThrow(/there is no candidate; expected c0ffee2/);
    state.candidate = 'blue';
    state.pools.blue = { version: '2.0.0', hosts: [], since: '' };
    expect(() => refuseOtherCandidate(state, HEAD)).toThrow(UsageError);
    expect(() => refuseOtherCandidate(state, HEAD)).toThrow(`the candidate on blue runs 2.0.0, not ${HEAD}`);
    expect(() => refuseOtherCandidate(state, '2.0.0')).not.toThrow();
  });
});
