// The action as GitHub runs it: the bundled dist/index.js as a child process, its env
// built from action.yml's own `env:` mapping (defaults + the workflow's `with:`), a real
// event payload file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and GITHUB_API_URL on a
// fake GitHub that validates every call against GitHub's OpenAPI description. It runs the
// real engine against the lab's hosts. The steps share one lab and run in order, as a team
// would: a dry-run deploy plans without recording anything; a dispatched deploy puts 1.0.0
// live and `/deploy <sha>` the pull request's head (tagged with its full SHA) beside it; a reader's /promote is refused
// without 👀; ignored comments touch nothing; /deploy refusals (head moved after the comment,
// an old SHA named, a fork) change nothing; /status answers without host names; /promote
// from a pull request whose head is not the candidate is refused by the engine's guard;
// /promote from the candidate's pull request goes live; a dispatched rollback brings 1.0.0
// back and retires the promoted deployment.
//
// Deploys go through the action too: a dispatched deploy of 1.0.0 and a `/deploy <sha>` of
// the pull request head, each resolved to its digest once and run by every host by it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../github/fake-github.js';
import { labConfig } from '../harness/bluegreen.js';
import { dockerOn, httpGet, labSkipReason, loadLab, resetLab, type Lab } from '../harness/lab.js';

const ROOT = resolve(import.meta.dirname, '../..');
const skip = labSkipReason();
const OWNER = 'octo-org';
const REPO = 'shop';
const WORKFLOW_SHA = '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const PR_HEAD = 'c0ffee1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const OLD_HEAD = 'c0ffee0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER_HEAD = 'beef000ddddddddddddddddddddddddddddddddd';
const FORK_HEAD = 'f00d000ccccccccccccccccccccccccccccccccc';
const COMMENTED_AT = '2026-03-01T10:00:00Z';

interface ActionYaml {
  inputs: Record<string, { default?: string }>;
  runs: { steps: { id?: string; env?: Record<string, string> }[] };
}

interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  calls: string[];
  seconds: number;
}

/** name<<DELIM / value / DELIM records, as @actions/core writes GITHUB_OUTPUT. */
function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

describe.skipIf(skip !== undefined)('the action, bundled, against the lab and a fake GitHub', () => {
  let lab: Lab;
  let fake: FakeGitHub;
  let dir: string;
  let action: ActionYaml;
  let eventSeq = 0;

  /** The step env the runner builds: action.yml's env mapping with each ${{ inputs.x }} filled in. */
  function stepEnv(withInputs: Record<string, string>): Record<string, string> {
    const step = action.runs.steps.find((s) => s.id === 'bluegreen')!;
    const env: Record<string, string> = {};
    for (const [name, expr] of Object.entries(step.env ?? {})) {
      const input = /^\$\{\{ inputs\.([a-z_]+) \}\}$/.exec(expr)?.[1];
      if (!input) throw new Error(`unexpected env mapping ${name}: ${expr}`);
      const fallback = action.inputs[input]?.default ?? '';
      env[name] = withInputs[input] ?? (fallback === '${{ github.token }}' ? 'ghs_faketoken' : fallback);
    }
    return env;
  }

  async function runAction(
    eventName: string,
    payload: object,
    withInputs: Record<string, string> = {},
  ): Promise<ActionRun> {
    const n = ++eventSeq;
    const files = {
      event: join(dir, `event-${n}.json`),
      output: join(dir, `output-${n}`),
      summary: join(dir, `summary-${n}.md`),
    };
    writeFileSync(files.event, JSON.stringify(payload));
    writeFileSync(files.output, '');
    writeFileSync(files.summary, '');
    fake.reset();
    const inputs = {
      config: join(dir, 'bluegreen.yml'),
      ssh_private_key: readFileSync(lab.sshKey, 'utf8'),
      ...withInputs,
    };
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_API_URL: fake.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_SHA: WORKFLOW_SHA,
      GITHUB_RUN_ID: '4242',
      GITHUB_ACTOR: 'octocat',
      GITHUB_WORKSPACE: dir,
      GITHUB_ACTION_PATH: ROOT,
      ...stepEnv(inputs),
    };
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'dist/index.js')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
    expect(fake.violations).toEqual([]);
    expect(fake.responseViolations).toEqual([]);
    // The private key never reaches the log except in the runner's own ::add-mask:: commands.
    const logged = stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(logged.join('\n')).not.toContain(inputs.ssh_private_key.split('\n')[1]!);
    return {
      code,
      stdout,
      outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
      summary: readFileSync(files.summary, 'utf8'),
      calls: fake.sequence(),
      seconds: (Date.now() - t0) / 1000,
    };
  }

  function commentEvent(
    user: string,
    body: string,
    opts: { action?: string; onPr?: boolean; pr?: number } = {},
  ): object {
    const pr = opts.pr ?? 12;
    return {
      action: opts.action ?? 'created',
      issue: {
        number: pr,
        title: 'Checkout button',
        ...(opts.onPr === false
          ? {}
          : { pull_request: { url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${pr}` } }),
      },
      comment: {
        id: 9000 + eventSeq,
        body,
        user: { login: user, type: 'User' },
        author_association: 'MEMBER',
        created_at: COMMENTED_AT,
      },
      repository: { full_name: `${OWNER}/${REPO}`, name: REPO, owner: { login: OWNER } },
      sender: { login: user },
    };
  }

  const reactions = () =>
    fake.calls
      .filter((c) => c.operationId === 'reactions/create-for-issue-comment')
      .map((c) => (c.body as { content: string }).content);

  /** The versions nginx serves, over a few requests (both while a candidate runs beside the live pool). */
  async function servedVersions(requests = 8): Promise<string[]> {
    const seen = new Set<string>();
    for (let i = 0; i < requests; i++)
      seen.add(String((await httpGet(lab.balancer.url)).headers['x-version']));
    return [...seen].sort();
  }

  beforeAll(async () => {
    lab = loadLab();
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYaml;
    dir = mkdtempSync(join(tmpdir(), 'bluegreen-action-'));
    const image = lab.images.v1.replace(/:[^:/]+$/, '');
    // The key comes from the ssh_private_key input, never from the config.
    const config = labConfig(lab, {
      app: 'shop',
      green: lab.hosts.green.length,
      blue: lab.hosts.blue.length,
      overrides: { ssh: { private_key: undefined }, lock: { wait: '0s' } },
    });
    writeFileSync(join(dir, 'bluegreen.yml'), JSON.stringify(config, null, 2));
    // Commits are deployed under their full SHA: publish the PR head's image under that tag.
    const docker = (args: string[]) =>
      execFileSync('docker', args, {
        env: { ...process.env, DOCKER_HOST: lab.buildDockerHost },
        stdio: 'pipe',
        timeout: 120_000,
      });
    docker(['pull', '-q', lab.images.v2]);
    docker(['tag', lab.images.v2, `${image}:${PR_HEAD}`]);
    docker(['push', '-q', `${image}:${PR_HEAD}`]);
    await resetLab(lab);
    fake = await FakeGitHub.start(OWNER, REPO);
    fake.collaborators.set('rita-reader', { permission: 'read', role_name: 'read' });
    fake.collaborators.set('wes-writer', { permission: 'write', role_name: 'write' });
    fake.collaborators.set('ada-admin', { permission: 'admin', role_name: 'admin' });
    // #12 holds the candidate; its branch was force-pushed after the /deploy comments.
    fake.pulls.set(12, {
      headSha: PR_HEAD,
      headRepo: `${OWNER}/${REPO}`,
      commits: [OLD_HEAD, PR_HEAD],
      timeline: [
        { event: 'committed', sha: OLD_HEAD },
        { event: 'reviewed', user: 'ada-admin', commitId: OLD_HEAD, at: '2026-03-01T09:58:00Z' },
        { event: 'head_ref_force_pushed', user: 'mallory', at: '2026-03-01T10:01:00Z', commitId: PR_HEAD },
      ],
    });
    fake.pulls.set(13, { headSha: FORK_HEAD, headRepo: 'stranger/shop' });
    fake.pulls.set(14, { headSha: OTHER_HEAD, headRepo: `${OWNER}/${REPO}` });
  });

  afterAll(async () => {
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (lab) await resetLab(lab);
  });

  it('push with dry_run: the real engine plans a deploy of the full SHA; nothing is recorded on GitHub', async () => {
    const r = await runAction('push', { ref: 'refs/heads/main', after: WORKFLOW_SHA }, { dry_run: 'true' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.outputs).toMatchObject({
      version: WORKFLOW_SHA,
      deployment_id: '',
      result: 'success',
      sha: WORKFLOW_SHA,
    });
    expect(r.summary).toContain('🧪 dry run');
    expect(r.summary).toContain('### Plan');
    expect(r.summary).toMatch(new RegExp(`greenhost00: .*:${WORKFLOW_SHA}`));
  });

  /** The digest the state records for a pool, and what each of its hosts runs. */
  function digests(pool: 'green' | 'blue'): { recorded: string; running: string[] } {
    const state = JSON.parse(
      readFileSync(`${dirname(lab.balancer.localFile)}/bluegreen-shop.state.json`, 'utf8'),
    ) as {
      pools: Record<string, { digest: string; version: string } | null>;
    };
    const p = state.pools[pool]!;
    const hosts = pool === 'green' ? lab.hosts.green : lab.hosts.blue;
    const running = hosts.map((h) =>
      dockerOn(lab, h.name, ['inspect', '--format', '{{.Config.Image}}', `shop-${p.version}`]).stdout.trim(),
    );
    return { recorded: p.digest, running };
  }

  it('workflow_dispatch deploy of 1.0.0: the tag resolved to a digest once, recorded in the deployment, run by every host', async () => {
    const r = await runAction('workflow_dispatch', { inputs: { version: '1.0.0' } }, { version: '1.0.0' });
    expect(r.code, r.stdout).toBe(0);
    const { recorded, running } = digests('green');
    expect(recorded).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.outputs).toMatchObject({
      version: '1.0.0',
      digest: recorded,
      live_pool: 'green',
      result: 'success',
    });
    expect(new Set(running)).toEqual(new Set([`${lab.registry}/hubuser/app@${recorded}`]));
    expect(fake.deployments.at(-1)!.body.payload).toMatchObject({ version: '1.0.0', digest: recorded });
    expect(r.summary).toContain(recorded);
  });

  it('/deploy <sha> of the pull request head (a full SHA): deployed beside the live pool, by digest', async () => {
    const r = await runAction('issue_comment', commentEvent('ada-admin', `/deploy ${PR_HEAD}`));
    expect(r.code, r.stdout).toBe(0);
    expect(reactions()).toEqual(['eyes', 'rocket']);
    const { recorded, running } = digests('blue');
    expect(r.outputs).toMatchObject({ version: PR_HEAD, digest: recorded, candidate_pool: 'blue' });
    expect(new Set(running)).toEqual(new Set([`${lab.registry}/hubuser/app@${recorded}`]));
    expect(fake.deployments.at(-1)!.body).toMatchObject({ ref: PR_HEAD });
    expect(await servedVersions()).toEqual(['1.0.0', '2.0.0']);
  });

  it('issue_comment from a reader: refused with one reply and 👎, no 👀, nothing changes', async () => {
    const r = await runAction('issue_comment', commentEvent('rita-reader', '/promote'));
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ result: 'failure', verdict: 'refused' });
    expect(r.calls).toEqual([
      'repos/get-collaborator-permission-level',
      'issues/create-comment',
      'reactions/create-for-issue-comment',
    ]);
    expect(reactions()).toEqual(['-1']);
    expect(String(fake.comments.at(-1)!.body)).toMatch(/@rita-reader: commands need write permission/);
    expect(r.stdout).toContain('::error::');
    expect(await servedVersions()).toEqual(['1.0.0', '2.0.0']);
  });

  it('ignores edited comments, comments on issues and comments that are not commands, without a single API call', async () => {
    for (const payload of [
      commentEvent('wes-writer', '/promote', { action: 'edited' }),
      commentEvent('wes-writer', '/promote', { onPr: false }),
      commentEvent('wes-writer', 'LGTM, /promote when ready'),
    ]) {
      const r = await runAction('issue_comment', payload);
      expect(r.code, r.stdout).toBe(0);
      expect(r.calls).toEqual([]);
      expect(r.stdout).toContain('::notice::bluegreen: nothing to do');
    }
  });

  it('issue_comment /deploy: refused when the head moved after the comment, for an old SHA, and from a fork', async () => {
    const cases: [object, RegExp][] = [
      [
        commentEvent('ada-admin', '/deploy'),
        new RegExp(`moved after your comment \\(head_ref_force_pushed .*\`/deploy ${PR_HEAD}\``),
      ],
      [commentEvent('ada-admin', `/deploy ${OLD_HEAD}`), new RegExp(`${OLD_HEAD} is not the head of #12`)],
      [commentEvent('ada-admin', '/deploy', { pr: 13 }), /comes from a fork/],
    ];
    for (const [payload, reason] of cases) {
      const r = await runAction('issue_comment', payload);
      expect(r.code).toBe(1);
      expect(String(fake.comments.at(-1)!.body)).toMatch(reason);
      expect(reactions()).toEqual(['-1']);
      expect(r.calls).not.toContain('repos/create-deployment');
    }
    expect(await servedVersions()).toEqual(['1.0.0', '2.0.0']);
  });

  it('issue_comment /status: 👀, the pools and host counts in the reply, host names only in the job summary', async () => {
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/status'));
    expect(r.code, r.stdout).toBe(0);
    expect(reactions()).toEqual(['eyes', 'rocket']);
    const reply = String(fake.comments.at(-1)!.body);
    expect(reply).toMatch(/\| green \| 1\.0\.0 live/);
    expect(reply).toMatch(/Hosts: \d+ ok/);
    expect(reply).not.toMatch(/greenhost|bluehost|10\.88\./);
    expect(r.summary).toMatch(/\| greenhost00 \| green \|/);
  });

  it('issue_comment /promote from a pull request whose head is not the candidate: refused by the engine, nothing changes', async () => {
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/promote', { pr: 14 }));
    expect(r.code).toBe(1);
    expect(reactions()).toEqual(['eyes', '-1']);
    expect(String(fake.comments.at(-1)!.body)).toContain(
      `the candidate on blue runs ${PR_HEAD}, not ${OTHER_HEAD}`,
    );
    expect(await servedVersions()).toEqual(['1.0.0', '2.0.0']);
  });

  it('issue_comment /promote from the candidate’s pull request: 👀, live, a reply and 🚀', async () => {
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/promote\r\nplease'));
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({
      version: PR_HEAD,
      live_pool: 'blue',
      candidate_pool: '',
      result: 'success',
      sha: PR_HEAD,
    });
    expect(r.calls).toEqual([
      'repos/get-collaborator-permission-level',
      'pulls/get',
      'reactions/create-for-issue-comment',
      'repos/create-commit-status',
      'repos/create-deployment',
      'repos/create-deployment-status',
      'repos/create-deployment-status',
      'repos/create-commit-status',
      // The dispatched deployment of 1.0.0 no longer runs: marked inactive.
      'repos/list-deployments',
      'repos/create-deployment-status',
      'issues/create-comment',
      'reactions/create-for-issue-comment',
    ]);
    expect(fake.deployments.at(-1)!.body).toMatchObject({
      ref: PR_HEAD,
      payload: { command: 'promote', version: PR_HEAD, sha: PR_HEAD },
    });
    expect(fake.commitStatuses.at(-1)).toMatchObject({ sha: PR_HEAD, state: 'success' });
    const first = fake.deployments.find((d) => (d.body.payload as { version?: string }).version === '1.0.0')!;
    expect(fake.deploymentStates(first.id).at(-1)).toBe('inactive');
    const reply = String(fake.comments.at(-1)!.body);
    expect(reply).toContain('`promote`');
    expect(reply).toMatch(
      new RegExp(`\\| blue \\| ${PR_HEAD} candidate \\(3 hosts\\) \\| ${PR_HEAD} live \\(3 hosts\\) \\|`),
    );
    expect(reply).toContain(`https://github.com/${OWNER}/${REPO}/actions/runs/4242`);
    expect(reactions()).toEqual(['eyes', 'rocket']);
    expect(await servedVersions()).toEqual(['2.0.0']);
  });

  it('workflow_dispatch rollback: 1.0.0 back on green, the promoted deployment marked inactive', async () => {
    const promoted = fake.deployments.at(-1)!;
    const r = await runAction(
      'workflow_dispatch',
      { inputs: { command: 'rollback' } },
      { command: 'rollback' },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({
      version: '1.0.0',
      live_pool: 'green',
      candidate_pool: '',
      result: 'rolled_back',
    });
    expect(r.calls).toEqual([
      'repos/create-commit-status',
      'repos/create-deployment',
      'repos/create-deployment-status',
      'repos/create-deployment-status',
      'repos/create-commit-status',
      'repos/list-deployments',
      'repos/create-deployment-status',
    ]);
    expect(fake.deploymentStates(promoted.id).at(-1)).toBe('inactive');
    expect(fake.deploymentStates(fake.deployments.at(-1)!.id)).toEqual(['in_progress', 'success']);
    expect(await servedVersions()).toEqual(['1.0.0']);
  });
});
