import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { hookVariables, shellHooks } from '../../src/deploy/hooks.js';
import { deploy } from '../../src/deploy/ops/deploy.js';
import { runCommand, type CommandArgs } from '../../src/deploy/run.js';
import { BASE_CONFIG, fakeContext, type Fakes } from '../fakes/context.js';

// The release phase (once, in a one-off container on the first host of the new pool, after
// its checks and before any traffic) and the hooks (local commands around a command).

const RELEASE = { release: { command: 'node migrate.js' } };
const RUN_ONCE =
  /^docker rm --force webapp-1\.0\.0-release >\/dev\/null 2>&1; docker run --rm --name webapp-1\.0\.0-release --label bluegreen\.release=webapp (.* )?registry\.test:5000\/team\/app@sha256:[0-9a-f]{64} node migrate\.js$/;

function run(f: Fakes, args: CommandArgs) {
  return runCommand({ config: f.config, baseDir: '/work/app', log: f.log, dryRun: f.ctx.dryRun }, args, () =>
    Promise.resolve(f.ctx),
  );
}

describe('release', () => {
  it('runs once on the first host, after every host passed its check and before the balancer sends it traffic', async () => {
    const f = fakeContext({ config: RELEASE });
    f.remote.on('g1', RUN_ONCE, { stdout: 'migrated 3 tables\n' });
    await deploy(f.ctx, f.state, '1.0.0', false);
    expect(f.remote.hostsThatRan(RUN_ONCE)).toEqual(['g1']);
    const j = f.journal;
    expect(j.last(/^check http:\/\/10\.0\.1\./)).toBeLessThan(
      j.first(/^g1\$ .*docker run --rm --name webapp-1\.0\.0-release/),
    );
    expect(j.first(/g1\$ docker rm --force webapp-1\.0\.0-release/)).toBeLessThan(j.first(/^lb: apply/));
    expect(f.log.infos).toContain('release g1: migrated 3 tables');
    expect(f.store.current.live).toBe('green');
  });

  it('a failing release fails the deploy quoting its output; the new containers go; the balancer is not touched', async () => {
    const f = fakeContext({ config: RELEASE, live: { pool: 'green', version: '0.9.0' } });
    const before = f.balancers[0]!.text;
    f.remote.on('b1', /docker run --rm --name webapp-1\.0\.0-release/, {
      code: 3,
      stderr: 'Error: relation "users" already exists\n',
    });
    await expect(deploy(f.ctx, f.state, '1.0.0', false)).rejects.toThrow(
      /b1: release `node migrate\.js` of 1\.0\.0 exited 3; its output:\n {4}Error: relation "users" already exists\nThe release failed: blue's containers were removed; nothing reached users/,
    );
    expect(f.balancers[0]!.text).toBe(before);
    expect(f.journal.matching(/^lb: apply/)).toEqual([]);
    // After the release failed, every host of the new pool lost its container.
    const failedAt = f.journal.first(/^b1\$ .*docker run --rm --name webapp-1\.0\.0-release/);
    for (const h of ['b1', 'b2', 'b3'])
      expect(f.journal.last(new RegExp(`^${h}\\$ .*docker rm --force`))).toBeGreaterThan(failedAt);
    expect(f.store.current.candidate).toBeNull();
    expect(f.store.current.pools.green?.version).toBe('0.9.0');
  });

  it('dry run: the plan shows the release on the first host, nothing runs', async () => {
    const f = fakeContext({ config: RELEASE, dryRun: true });
    const res = await deploy(f.ctx, f.state, '1.0.0', false);
    expect(res.plan?.filter((l) => /-release/.test(l))).toEqual([
      expect.stringMatching(/^g1: docker rm --force webapp-1\.0\.0-release/),
    ]);
    expect(f.remote.calls).toEqual([]);
  });

  it('the config takes a command line or a list, and names the field when it is wrong', () => {
    const c = validateConfig({ ...BASE_CONFIG, release: { command: 'node migrate.js --up' } }, 'c.yml');
    expect(c.release).toMatchObject({
      command: ['node', 'migrate.js', '--up'],
      host: 'first',
      timeout: 600_000,
    });
    expect(
      validateConfig({ ...BASE_CONFIG, release: { command: ['sh', '-c', 'a && b'] } }, 'c.yml').release
        ?.command,
    ).toEqual(['sh', '-c', 'a && b']);
    expect(() => validateConfig({ ...BASE_CONFIG, release: { command: 'node -e "x()"' } }, 'c.yml')).toThrow(
      /release\.command/,
    );
    expect(() =>
      validateConfig({ ...BASE_CONFIG, release: { command: 'x', host: 'last' } }, 'c.yml'),
    ).toThrow(/release\.host/);
    expect(() => validateConfig({ ...BASE_CONFIG, hooks: { pre_deplyo: 'x' } }, 'c.yml')).toThrow(/hooks/);
    expect(() => validateConfig({ ...BASE_CONFIG, hooks: { post_deploy: '  ' } }, 'c.yml')).toThrow(
      /hooks\.post_deploy/,
    );
  });
});

describe('hooks', () => {
  const HOOKS = {
    hooks: {
      pre_deploy: './check.sh',
      post_deploy: 'notify',
      pre_promote: 'p',
      post_promote: 'q',
      post_rollback: 'r',
    },
  };

  it('deploy: pre_deploy before any change, post_deploy after the state is written, with BLUEGREEN_* variables', async () => {
    const f = fakeContext({ config: HOOKS, live: { pool: 'green', version: '1.0.0' } });
    const { outcome, error } = await run(f, { command: 'deploy', version: '2.0.0' });
    expect(error).toBeUndefined();
    const j = f.journal;
    expect(f.hooks.runs.map((r) => r.name)).toEqual(['pre_deploy', 'post_deploy']);
    expect(j.first(/^local: hook pre_deploy/)).toBeLessThan(j.first(/^b1\$/));
    expect(j.first(/^state: /)).toBeLessThan(j.first(/^local: hook post_deploy/));
    expect(f.hooks.runs[0]!.env).toMatchObject({
      BLUEGREEN_HOOK: 'pre_deploy',
      BLUEGREEN_COMMAND: 'deploy',
      BLUEGREEN_APP: 'webapp',
      BLUEGREEN_VERSION: '2.0.0',
      BLUEGREEN_PREVIOUS_VERSION: '1.0.0',
      BLUEGREEN_POOL: 'blue',
      BLUEGREEN_HOSTS: 'b1,b2,b3',
      BLUEGREEN_RESULT: '',
    });
    expect(f.hooks.runs[1]!.env).toMatchObject({
      BLUEGREEN_RESULT: 'success',
      BLUEGREEN_DIGEST: outcome.digest,
    });
  });

  it('a failing pre_* hook stops the command before it changes anything', async () => {
    const f = fakeContext({ config: HOOKS, live: { pool: 'green', version: '1.0.0' } });
    f.hooks.failures.set('pre_deploy', '`./check.sh` exited 1: tests are red');
    const { outcome } = await run(f, { command: 'deploy', version: '2.0.0' });
    expect(outcome.result).toBe('failure');
    expect(outcome.message).toMatch(
      /^hooks\.pre_deploy failed: `\.\/check\.sh` exited 1: tests are red\nNothing was changed/,
    );
    expect(f.remote.calls).toEqual([]);
    expect(f.journal.matching(/^lb: apply/)).toEqual([]);
    expect(f.store.current.pools.blue).toBeNull();
    expect(f.hooks.runs.map((r) => r.name)).toEqual(['pre_deploy']);
  });

  it('a failing post_* hook is reported and undoes nothing; a failed command still runs post_* with its result', async () => {
    const f = fakeContext({ config: HOOKS, live: { pool: 'green', version: '1.0.0' } });
    f.hooks.failures.set('post_deploy', 'slack is down');
    const ok = await run(f, { command: 'deploy', version: '2.0.0' });
    expect(ok.outcome.result).toBe('success');
    expect(ok.outcome.message).toMatch(/\nhooks\.post_deploy failed \(nothing was undone\): slack is down$/);
    expect(f.store.current.candidate).toBe('blue');

    const g = fakeContext({ config: HOOKS, live: { pool: 'green', version: '1.0.0' } });
    g.remote.fail('b2', /^docker run -d/, 'no space left on device');
    const failed = await run(g, { command: 'deploy', version: '2.0.0' });
    expect(failed.outcome.result).toBe('failure');
    expect(g.hooks.runs.map((r) => [r.name, r.env.BLUEGREEN_RESULT])).toEqual([
      ['pre_deploy', ''],
      ['post_deploy', 'failure'],
    ]);
  });

  it('promote and rollback run theirs; deploy --promote runs both pairs; a dry run runs none and plans them', async () => {
    const f = fakeContext({
      config: HOOKS,
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
    });
    await run(f, { command: 'promote' });
    expect(f.hooks.runs.map((r) => [r.name, r.env.BLUEGREEN_VERSION, r.env.BLUEGREEN_POOL])).toEqual([
      ['pre_promote', '2.0.0', 'blue'],
      ['post_promote', '2.0.0', 'blue'],
    ]);
    await run(f, { command: 'rollback' });
    expect(
      f.hooks.runs
        .slice(2)
        .map((r) => [
          r.name,
          r.env.BLUEGREEN_VERSION,
          r.env.BLUEGREEN_PREVIOUS_VERSION,
          r.env.BLUEGREEN_RESULT,
        ]),
    ).toEqual([['post_rollback', '1.0.0', '2.0.0', 'rolled_back']]);

    const g = fakeContext({ config: HOOKS });
    await run(g, { command: 'deploy', version: '1.0.0', promote: true });
    expect(g.hooks.runs.map((r) => r.name)).toEqual([
      'pre_deploy',
      'pre_promote',
      'post_deploy',
      'post_promote',
    ]);

    const d = fakeContext({ config: HOOKS, dryRun: true });
    const { outcome } = await run(d, { command: 'deploy', version: '1.0.0' });
    expect(d.hooks.runs).toEqual([]);
    expect(outcome.plan?.[0]).toBe('local: hook pre_deploy: ./check.sh (not run in a dry run)');
    expect(outcome.plan?.at(-1)).toBe('local: hook post_deploy: notify (not run in a dry run)');
  });

  it('BLUEGREEN_RUN_URL is the workflow run in GitHub Actions, empty elsewhere', () => {
    const f = fakeContext({ config: HOOKS });
    const facts = { command: 'deploy' as const };
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: '42',
      GITHUB_SERVER_URL: 'https://github.com',
    };
    expect(hookVariables(f.ctx, 'pre_deploy', facts, f.state, env).BLUEGREEN_RUN_URL).toBe(
      'https://github.com/o/r/actions/runs/42',
    );
    expect(hookVariables(f.ctx, 'pre_deploy', facts, f.state, {}).BLUEGREEN_RUN_URL).toBe('');
  });
});

describe('shellHooks (sh -c on this machine)', () => {
  const opts = (timeoutMs = 5000) => ({
    cwd: '/tmp',
    timeoutMs,
    signal: new AbortController().signal,
    log: fakeContext().log,
  });

  it("passes the variables, logs the output, and rejects with the exit code and the output's tail", async () => {
    const o = opts();
    await shellHooks.run(
      'pre_deploy',
      'echo "v=$BLUEGREEN_VERSION in $(pwd)"',
      { BLUEGREEN_VERSION: '2.0.0' },
      o,
    );
    expect(o.log.infos).toContain('pre_deploy: v=2.0.0 in /tmp');
    await expect(shellHooks.run('post_deploy', 'echo one; echo two >&2; exit 4', {}, opts())).rejects.toThrow(
      '`echo one; echo two >&2; exit 4` exited 4: one | two',
    );
  });

  it('stops a hook that outlives hooks.timeout', async () => {
    const started = Date.now();
    await expect(shellHooks.run('pre_deploy', 'sleep 5', {}, opts(200))).rejects.toThrow(
      /still running after 0\.2s \(hooks\.timeout\)/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
