// The action as GitHub runs it: the bundled dist/index.js as a child process, its env
// built from action.yml's own `env:` mapping (defaults + the workflow's `with:`), a real
// event payload file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and GITHUB_API_URL on a
// fake GitHub that validates every call against GitHub's OpenAPI description. It deploys
// to the lab's real hosts. The steps share one lab and run in order, as a team would:
// push deploys 1.0.0, a dispatch deploys 2.0.0 beside it, a reader's /promote is refused,
// ignored comments touch nothing, a writer's /promote goes live, a dispatched rollback
// brings 1.0.0 back, a fork's /deploy is refused, and /deploy of a PR head SHA deploys it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../github/fake-github.js';
import { labConfig } from '../harness/bluegreen.js';
import { httpGet, labSkipReason, loadLab, resetLab, type Lab } from '../harness/lab.js';

const ROOT = resolve(import.meta.dirname, '../..');
const skip = labSkipReason();
const OWNER = 'octo-org';
const REPO = 'shop';
const WORKFLOW_SHA = '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const PR_HEAD = 'c0ffee1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const FORK_HEAD = 'f00d000ccccccccccccccccccccccccccccccccc';

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
      },
      repository: { full_name: `${OWNER}/${REPO}`, name: REPO, owner: { login: OWNER } },
      sender: { login: user },
    };
  }

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
    // The /deploy comment deploys the PR head's short SHA: publish an image under that tag.
    const docker = (args: string[]) =>
      execFileSync('docker', args, {
        env: { ...process.env, DOCKER_HOST: lab.buildDockerHost },
        stdio: 'pipe',
        timeout: 120_000,
      });
    docker(['pull', '-q', lab.images.v2]);
    docker(['tag', lab.images.v2, `${image}:${PR_HEAD.slice(0, 7)}`]);
    docker(['push', '-q', `${image}:${PR_HEAD.slice(0, 7)}`]);
    await resetLab(lab);
    fake = await FakeGitHub.start(OWNER, REPO);
    fake.collaborators.set('rita-reader', { permission: 'read', role_name: 'read' });
    fake.collaborators.set('wes-writer', { permission: 'write', role_name: 'write' });
    fake.collaborators.set('ada-admin', { permission: 'admin', role_name: 'admin' });
    fake.pulls.set(12, { headSha: PR_HEAD, headRepo: `${OWNER}/${REPO}` });
    fake.pulls.set(13, { headSha: FORK_HEAD, headRepo: 'stranger/shop' });
  });

  afterAll(async () => {
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (lab) await resetLab(lab);
  });

  it('push: deploys the version input to green, with a deployment and commit status', async () => {
    const r = await runAction(
      'push',
      { ref: 'refs/heads/main', after: WORKFLOW_SHA, head_commit: { id: WORKFLOW_SHA } },
      { version: '1.0.0' },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toEqual({
      version: '1.0.0',
      live_pool: 'green',
      candidate_pool: '',
      deployment_id: String(fake.deployments.at(-1)!.id),
      result: 'success',
    });
    expect(r.calls).toEqual([
      'repos/create-commit-status',
      'repos/create-deployment',
      'repos/create-deployment-status',
      'repos/create-deployment-status',
      'repos/create-commit-status',
    ]);
    const dep = fake.deployments.at(-1)!;
    expect(dep.body).toMatchObject({
      ref: WORKFLOW_SHA,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      payload: { command: 'deploy', version: '1.0.0' },
    });
    expect(fake.deploymentStates(dep.id)).toEqual(['in_progress', 'success']);
    expect(dep.statuses.at(-1)).toMatchObject({
      environment_url: lab.balancer.url,
      log_url: `https://github.com/${OWNER}/${REPO}/actions/runs/4242`,
    });
    expect(fake.commitStatuses.slice(-2).map((s) => [s.sha, s.context, s.state])).toEqual([
      [WORKFLOW_SHA, 'bluegreen/production', 'pending'],
      [WORKFLOW_SHA, 'bluegreen/production', 'success'],
    ]);
    expect(r.summary).toContain('| host | pool |');
    expect(r.summary).toMatch(/\| greenhost00 \| green \| .*✅/);
    expect(r.summary).toContain('```diff');
    expect(r.summary).toContain('```mermaid');
    expect(r.stdout).toContain('::group::');
    expect(await servedVersions()).toEqual(['1.0.0']);
  });

  it('workflow_dispatch: deploys 2.0.0 beside it as the candidate on blue', async () => {
    const r = await runAction(
      'workflow_dispatch',
      { inputs: { command: 'deploy', version: '2.0.0' }, ref: 'refs/heads/main' },
      { command: 'deploy', version: '2.0.0' },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({
      version: '2.0.0',
      live_pool: 'green',
      candidate_pool: 'blue',
      result: 'success',
    });
    expect(fake.deployments.at(-1)!.body.payload).toEqual({
      tool: 'bluegreen',
      command: 'deploy',
      version: '2.0.0',
    });
  });

  it('issue_comment from a reader: refused with a reply and 👎, nothing changes', async () => {
    const r = await runAction('issue_comment', commentEvent('rita-reader', '/promote'));
    expect(r.code).toBe(1);
    expect(r.outputs.result).toBe('failure');
    expect(r.calls).toEqual([
      'reactions/create-for-issue-comment',
      'repos/get-collaborator-permission-level',
      'issues/create-comment',
      'reactions/create-for-issue-comment',
    ]);
    expect(
      fake.calls
        .filter((c) => c.operationId?.startsWith('reactions/'))
        .map((c) => (c.body as { content: string }).content),
    ).toEqual(['eyes', '-1']);
    expect(String(fake.comments.at(-1)!.body)).toMatch(
      /@rita-reader has read permission .* need write or higher/,
    );
    expect(r.stdout).toContain('::error::');
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
      expect(r.outputs).toEqual({});
      expect(r.stdout).toContain('::notice::bluegreen: nothing to do');
    }
  });

  it('issue_comment /promote from a writer: 👀, the PR head deployed live, a reply and 🚀', async () => {
    // The reader's refused /promote changed nothing: both versions still serve.
    expect(await servedVersions()).toEqual(['1.0.0', '2.0.0']);
    const r = await runAction('issue_comment', commentEvent('wes-writer', '/promote\r\nplease'));
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({
      version: '2.0.0',
      live_pool: 'blue',
      candidate_pool: '',
      result: 'success',
    });
    expect(r.calls).toEqual([
      'reactions/create-for-issue-comment',
      'repos/get-collaborator-permission-level',
      'pulls/get',
      'repos/create-commit-status',
      'repos/create-deployment',
      'repos/create-deployment-status',
      'repos/create-deployment-status',
      'repos/create-commit-status',
      'issues/create-comment',
      'reactions/create-for-issue-comment',
    ]);
    expect(fake.deployments.at(-1)!.body.ref).toBe(PR_HEAD);
    expect(fake.commitStatuses.at(-1)).toMatchObject({ sha: PR_HEAD, state: 'success' });
    const reply = String(fake.comments.at(-1)!.body);
    expect(reply).toContain('`promote`');
    expect(reply).toMatch(/\| blue \| 2\.0\.0 candidate \(3 hosts\) \| 2\.0\.0 live \(3 hosts\) \|/);
    expect(reply).toContain(`https://github.com/${OWNER}/${REPO}/actions/runs/4242`);
    expect((fake.calls.at(-1)!.body as { content: string }).content).toBe('rocket');
    expect(await servedVersions()).toEqual(['2.0.0']);
  });

  it('workflow_dispatch rollback: 1.0.0 back on green, the 2.0.0 deployment marked inactive', async () => {
    const deployed200 = fake.deployments.find(
      (d) => (d.body.payload as { version?: string }).version === '2.0.0',
    )!;
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
    expect(fake.deploymentStates(deployed200.id).at(-1)).toBe('inactive');
    expect(fake.deploymentStates(fake.deployments.at(-1)!.id)).toEqual(['in_progress', 'success']);
    expect(await servedVersions()).toEqual(['1.0.0']);
  });

  it('issue_comment /deploy on a fork PR: refused unless allow_forks', async () => {
    const r = await runAction('issue_comment', commentEvent('ada-admin', '/deploy', { pr: 13 }));
    expect(r.code).toBe(1);
    expect(r.calls).toEqual([
      'reactions/create-for-issue-comment',
      'repos/get-collaborator-permission-level',
      'pulls/get',
      'issues/create-comment',
      'reactions/create-for-issue-comment',
    ]);
    expect(String(fake.comments.at(-1)!.body)).toMatch(/comes from a fork/);
  });

  it('issue_comment /deploy from an admin: deploys the PR head SHA as the version', async () => {
    const r = await runAction('issue_comment', commentEvent('ada-admin', '/deploy'));
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({
      version: PR_HEAD.slice(0, 7),
      live_pool: 'green',
      candidate_pool: 'blue',
      result: 'success',
    });
    expect(fake.deployments.at(-1)!.body).toMatchObject({
      ref: PR_HEAD,
      payload: { version: PR_HEAD.slice(0, 7) },
    });
    // Exactly one read of the PR: the SHA deployed is the one checked.
    expect(r.calls.filter((c) => c === 'pulls/get')).toHaveLength(1);
  });
});
