// Which events run which command, who may run PR-comment commands, and what the job
// summary shows: the pure parts of the action, without GitHub or hosts.
import { describe, expect, it } from 'vitest';
import { commentCommand, triggerOf } from '../../src/action/event.js';
import { holds } from '../../src/action/permission.js';
import type { Outcome } from '../../src/deploy/outcome.js';
import { oneLine } from '../../src/report/github.js';
import { summaryMarkdown } from '../../src/report/summary.js';

const inputs = {
  configPath: 'x',
  environment: 'production',
  allowedCommentersPermission: 'write' as const,
  allowForks: false,
  dryRun: false,
  force: false,
  mode: 'run' as const,
};
const comment = (body: string, extra: object = {}) => ({
  action: 'created',
  issue: { number: 5, pull_request: { url: 'u' } },
  comment: { id: 77, body, user: { login: 'wes' }, created_at: '2026-03-01T10:00:00Z' },
  ...extra,
});

describe('triggerOf', () => {
  it('push and workflow_dispatch take the command input, deploy by default', () => {
    expect(triggerOf('push', {}, inputs)).toEqual({ kind: 'input', command: 'deploy' });
    expect(triggerOf('workflow_dispatch', {}, { ...inputs, command: 'rollback', version: '1.2.3' })).toEqual({
      kind: 'input',
      command: 'rollback',
      version: '1.2.3',
    });
  });

  it('a new PR comment with a command on its first line', () => {
    expect(triggerOf('issue_comment', comment('/deploy\nplease'), inputs)).toEqual({
      kind: 'comment',
      command: 'deploy',
      comment: { id: 77, user: 'wes', pullNumber: 5, createdAt: '2026-03-01T10:00:00Z' },
    });
  });

  it('/deploy <sha> carries the commit the commenter named', () => {
    const sha = 'c0ffee1'.padEnd(40, 'b');
    expect(triggerOf('issue_comment', comment(`/deploy ${sha}`), inputs)).toMatchObject({
      command: 'deploy',
      comment: { sha },
    });
  });

  it('refuses a comment payload without the time GitHub recorded it', () => {
    const payload = comment('/deploy');
    delete (payload.comment as { created_at?: string }).created_at;
    expect(() => triggerOf('issue_comment', payload, inputs)).toThrow(/comment\.created_at/);
  });

  it.each([
    ['an edited comment', comment('/deploy', { action: 'edited' })],
    ['a comment on an issue', { ...comment('/deploy'), issue: { number: 5 } }],
    ['a comment that is not a command', comment('please /deploy')],
    ['an unknown command', comment('/destroy')],
  ])('ignores %s', (_what, payload) => {
    expect(triggerOf('issue_comment', payload, inputs).kind).toBe('ignored');
  });

  it('reads the command alone on the first line only; /deploy may name a commit', () => {
    expect(
      [
        '/status',
        ' /promote  ',
        '/rollback\r\nnow',
        '/deploy now',
        '/Deploy',
        '`/deploy`',
        '/deploy abc1234',
        '/deploy abc123',
        '/deploy ABC1234',
        `/deploy ${'a'.repeat(41)}`,
        '/promote abc1234',
      ].map(commentCommand),
    ).toEqual([
      { command: 'status' },
      { command: 'promote' },
      { command: 'rollback' },
      undefined,
      undefined,
      undefined,
      { command: 'deploy', sha: 'abc1234' },
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('permission', () => {
  it('ranks by role name when known, else by the legacy permission, never above it', () => {
    expect(holds('write', 'maintain', 'maintain')).toBe(true);
    expect(holds('write', 'custom-deployer', 'maintain')).toBe(false);
    expect(holds('read', 'triage', 'triage')).toBe(true);
    expect(holds('read', 'custom-role', 'triage')).toBe(false);
    expect(holds('admin', 'admin', 'write')).toBe(true);
    expect(holds('none', 'none', 'read')).toBe(false);
  });
});

describe('reporting text', () => {
  it('keeps status descriptions to one line of at most 140 characters', () => {
    expect(oneLine('a\nb')).toBe('a');
    expect(oneLine('x'.repeat(200))).toHaveLength(140);
  });

  it('summarises hosts × steps, the nginx diff and the pools', () => {
    const o: Outcome = {
      command: 'deploy',
      result: 'success',
      dryRun: false,
      version: '2.0.0',
      message: '2.0.0 live on blue (1 hosts) beside green 1.0.0',
      before: [{ pool: 'green', version: '1.0.0', hosts: ['g1'], role: 'live' }],
      after: [
        { pool: 'green', version: '1.0.0', hosts: ['g1'], role: 'live' },
        { pool: 'blue', version: '2.0.0', hosts: ['b1'], role: 'candidate' },
      ],
      hosts: [
        {
          host: 'b1',
          pool: 'blue',
          steps: [
            { step: 'pull', ok: true, ms: 1200 },
            { step: 'start', ok: false, ms: 300, detail: 'exit 1' },
          ],
        },
      ],
      balancerDiff: '-    server g1:8000;\n+    server b1:8000;\n',
      balancerUrl: 'http://app/',
      durationMs: 4000,
    };
    const md = summaryMarkdown(o, { runUrl: 'r', environment: 'production' });
    expect(md).toContain('| host | pool | pull | start |');
    expect(md).toContain('| b1 | blue | ✅ 1.2s | ❌ 0.3s exit 1 |');
    expect(md).toContain('```diff\n-    server g1:8000;\n+    server b1:8000;\n```');
    expect(md).toContain('before_balancer -->|live| before_green');
    expect(md).toContain('after_balancer -.->|candidate| after_blue');
  });
});
