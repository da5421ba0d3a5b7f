import { describe, expect, it } from 'vitest';
import { DeployError, UsageError } from '../../src/errors.js';
import { deploy } from '../../src/deploy/ops/deploy.js';
import { startCommands } from '../../src/deploy/pool.js';
import { switchPlanLine } from '../../src/deploy/switch.js';
import { sha256 } from '../../src/util/hash.js';
import { failure } from '../fakes/failure.js';
import { BALANCER_URL, fakeContext, hostCheckUrl, INITIAL_FILE } from '../fakes/context.js';
import { fakeRelease } from '../fakes/images.js';

// What `deploy` decides, with every host, the balancer, the checks and the state faked:
// which commands run where and in what order, what the state says afterwards, and what is
// cleaned up when a step fails.

/** The cleanup of a start that failed: only the container being started goes (kept versions stay). */
const REMOVE_ALL = /^docker rm --force webapp-[\d.]+ >\/dev\/null 2>&1; true$/;
/** Before a start: the warm old pool's timer cancelled, running app containers stopped (kept). */
const MAKE_ROOM = /^pkill -f .*bluegreen-keep-old webapp .*docker stop --time 5 .*docker rm --force webapp-/;
/** By digest, never by tag. */
const PULL = /^docker pull --quiet registry\.test:5000\/team\/app@sha256:[0-9a-f]{64}$/;
const RUN = /^docker run -d --name webapp-2\.0\.0 /;

describe('deploy', () => {
  it('first deploy: starts green (remove stale, pull, run, check) on every host, then adds it to the balancer, then records green live', async () => {
    const f = fakeContext();
    const res = await deploy(f.ctx, f.state, '1.0.0', false);

    expect(res.message).toBe('1.0.0 live on green (3 hosts)');
    for (const h of ['g1', 'g2', 'g3']) {
      expect(f.remote.commandsOn(h)).toEqual(
        startCommands(f.ctx, 'green', fakeRelease(f.config.image, '1.0.0')).map((c) => c.command),
      );
      expect(f.remote.commandsOn(h)[0]).toMatch(MAKE_ROOM);
      expect(f.remote.commandsOn(h)[1]).toMatch(
        /^docker pull --quiet registry\.test:5000\/team\/app@sha256:/,
      );
      expect(f.remote.commandsOn(h)[2]).toMatch(
        /--label bluegreen\.pool=green --label bluegreen\.digest=sha256:[0-9a-f]{64} .* registry\.test:5000\/team\/app@sha256:[0-9a-f]{64}$/,
      );
    }
    expect(f.remote.hostsThatRan(/./)).toEqual(['g1', 'g2', 'g3']);
    expect(f.balancers[0]!.serverList).toEqual(['10.0.1.1:8000', '10.0.1.2:8000', '10.0.1.3:8000']);

    const s = f.store.current;
    expect(s.live).toBe('green');
    expect(s.candidate).toBeNull();
    expect(s.pools.green?.version).toBe('1.0.0');
    expect(s.pools.green?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(res.digest).toBe(s.pools.green?.digest);
    expect(f.journal.first(/^local: prepare registry\.test:5000\/team\/app:1\.0\.0$/)).toBeLessThan(
      f.journal.first(/g1.*docker pull/),
    );
    expect(s.pools.green?.hosts.map((h) => h.name)).toEqual(['g1', 'g2', 'g3']);
    expect(s.upstreamSha256).toBe(sha256(f.balancers[0]!.text));

    // Order: every host checked directly, then the balancer, then the state, then verification.
    const j = f.journal;
    expect(j.last(/^check http:\/\/10\.0\.1\./)).toBeLessThan(j.first(/^lb: apply/));
    expect(j.first(/^lb: apply/)).toBeLessThan(j.first(/^state: live green/));
    expect(j.first(/^state:/)).toBeLessThan(j.first(/^check http:\/\/lb\.test/));
    expect(j.matching(/^check http:\/\/lb\.test\/ ok/)).toHaveLength(6); // max(4, 2 × 3 hosts)
    expect(f.store.writes).toHaveLength(1);
  });

  it('next deploy goes to the idle pool and joins beside the live one as candidate; the live pool is not touched', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    const res = await deploy(f.ctx, f.state, '2.0.0', false);

    expect(res.message).toBe('2.0.0 live on blue (3 hosts) beside green 1.0.0');
    expect(f.remote.hostsThatRan(/./)).toEqual(['b1', 'b2', 'b3']);
    expect(f.balancers[0]!.serverList).toEqual([
      '10.0.1.1:8000',
      '10.0.1.2:8000',
      '10.0.1.3:8000',
      '10.0.2.1:8000',
      '10.0.2.2:8000',
      '10.0.2.3:8000',
    ]);
    const s = f.store.current;
    expect([s.live, s.candidate, s.pools.blue?.version, s.pools.green?.version]).toEqual([
      'green',
      'blue',
      '2.0.0',
      '1.0.0',
    ]);
    expect(res.diff).toMatch(/\n\+ {4}server 10\.0\.2\.1:8000 max_fails=1 fail_timeout=10s;/);
    expect(f.journal.matching(/^check http:\/\/lb\.test/)).toHaveLength(12); // 2 × 6 hosts
  });

  it('--dry-run runs nothing that changes anything and shows exactly the commands startPool then runs', async () => {
    const opts = {
      live: { pool: 'green' as const, version: '1.0.0' },
      config: { registry: { server: 'registry.test:5000', username: 'ci' } },
      secrets: { registryPassword: 's3cret pass' },
    };
    const dry = fakeContext({ ...opts, dryRun: true });
    const res = await deploy(dry.ctx, dry.state, '2.0.0', false);

    expect(res.message).toBe('would deploy 2.0.0 to blue (3 hosts)');
    expect(dry.remote.calls).toEqual([]);
    expect(dry.journal.lines).toEqual([]); // no balancer change, no check, no state write
    expect(dry.balancers[0]!.applied).toEqual([]);
    expect(res.diff).toContain('+    server 10.0.2.1:8000');
    expect(res.plan).toEqual([
      ...['b1', 'b2', 'b3'].flatMap((h) =>
        startCommands(dry.ctx, 'blue', fakeRelease(dry.config.image, '2.0.0')).map(
          (c) => `${h}: ${c.command}`,
        ),
      ),
      switchPlanLine(dry.ctx),
    ]);
    expect(res.plan!.join('\n')).not.toContain('s3cret');
    // The hosts log in for the pull only, in a throw-away DOCKER_CONFIG that the same command removes.
    expect(res.plan).toContainEqual(
      expect.stringMatching(
        /^b1: set -e; d=\$\(mktemp -d \/tmp\/bluegreen-docker\.XXXXXX\); trap 'rm -rf "\$d"' EXIT; .*export DOCKER_CONFIG="\$d"; docker login --username ci --password-stdin registry\.test:5000 >\/dev\/null; docker pull --quiet registry\.test:5000\/team\/app@sha256:/,
      ),
    );

    // The same deploy for real runs on each host exactly the plan's lines for that host.
    const real = fakeContext(opts);
    await deploy(real.ctx, real.state, '2.0.0', false);
    for (const h of ['b1', 'b2', 'b3']) {
      const planned = res.plan!.filter((l) => l.startsWith(`${h}: `)).map((l) => l.slice(h.length + 2));
      expect(real.remote.commandsOn(h).slice(0, planned.length)).toEqual(planned);
      // ...followed only by the check's side: nothing else runs on a host that passes.
      expect(real.remote.commandsOn(h)).toHaveLength(planned.length);
    }
    const login = real.remote.calls.filter((c) => c.command.includes('docker login'));
    expect(login.map((c) => c.stdin)).toEqual(['s3cret pass', 's3cret pass', 's3cret pass']);
  });

  it('--dry-run with build: shows the local login, build and push it would run, quoted', async () => {
    const f = fakeContext({
      dryRun: true,
      config: {
        build: { context: 'app dir', args: { GIT_SHA: 'abc' } },
        registry: { server: 'registry.test:5000', username: 'ci' },
      },
      secrets: { registryPassword: 'pw' },
    });
    const res = await deploy(f.ctx, f.state, '2.0.0', false);
    expect(res.plan!.slice(0, 3)).toEqual([
      'local: docker login --username ci --password-stdin registry.test:5000',
      "local: docker build --file '/work/app/app dir/Dockerfile' --tag registry.test:5000/team/app:2.0.0 --build-arg GIT_SHA=abc '/work/app/app dir'",
      'local: docker push registry.test:5000/team/app:2.0.0',
    ]);
    expect(f.remote.calls).toEqual([]);
  });

  it('pull fails on 1 of 3 hosts: containers removed on all 3, the balancer untouched, the state not written', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    f.remote.fail('b2', PULL, 'manifest for registry.test:5000/team/app:2.0.0 not found');

    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false));
    expect(err.message).toMatch(
      /^b2: `docker pull --quiet registry\.test:5000\/team\/app@sha256:[0-9a-f]{64}` exited 1: manifest for .* not found\nNothing reached users: the balancer was not changed\.$/,
    );
    expect(err.host).toBe('b2');
    expect(f.remote.commandsOn('b2').some((c) => RUN.test(c))).toBe(false);
    for (const h of ['b1', 'b2', 'b3']) expect(f.remote.commandsOn(h).at(-1)).toMatch(REMOVE_ALL);
    expect(f.remote.hostsThatRan(/./)).toEqual(['b1', 'b2', 'b3']);
    expect(f.balancers[0]!.applied).toEqual([]);
    expect(f.store.writes).toEqual([]);
    expect(f.log.warnings).toContain('1 of 3 blue host(s) failed; removing what was started on all 3');
    expect(f.ctx.recorder.hosts.find((h) => h.host === 'b2')?.steps.map((s) => `${s.step}:${s.ok}`)).toEqual([
      'connect:true',
      'pull:false',
      'remove:true',
    ]);
  });

  it('a host whose check fails: the error quotes its container log; all removed, balancer untouched', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    f.checker.fail(hostCheckUrl('b3'), 'status 500, expected 200');
    f.remote.on('b3', /^docker logs/, {
      stdout: 'listening on 8000\n',
      stderr: 'Error: cannot reach the database\n',
    });

    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false));
    expect(err.message).toBe(
      'b3: check GET http://10.0.2.3:8000/ failed after 3 attempts: status 500, expected 200; container log: Error: cannot reach the database\nNothing reached users: the balancer was not changed.',
    );
    expect(f.remote.hostsThatRan(/^docker logs --tail 5 webapp-2\.0\.0$/)).toEqual(['b3']);
    expect(f.journal.matching(/^check http:\/\/10\.0\.2\.3/)).toHaveLength(3);
    for (const h of ['b1', 'b2', 'b3']) expect(f.remote.commandsOn(h).at(-1)).toMatch(REMOVE_ALL);
    expect(f.balancers[0]!.applied).toEqual([]);
    expect(f.store.writes).toEqual([]);
  });

  it('several hosts fail: every one is named, the first as the failed host', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    f.remote.fail('b1', PULL, 'no space left on device').unreachableHost('b3');
    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false));
    expect(err.message).toMatch(
      /^2 hosts failed:\n {2}b1: `docker pull .*` exited 1: no space left on device\n {2}b3: cannot connect over SSH/,
    );
    expect(err.host).toBe('b1');
    expect(f.log.warnings.some((w) => w.startsWith('could not remove the container on b3'))).toBe(true);
  });

  it('a connection dropped during the pull: the cleanup opens a new one and still removes the containers there', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    f.remote.on('b2', PULL, () => {
      f.remote.drop('b2');
      throw new DeployError('b2: SSH connection lost or command killed while running `docker pull …`', 'b2');
    });
    await failure(deploy(f.ctx, f.state, '2.0.0', false));
    expect(f.remote.commandsOn('b2').at(-1)).toMatch(REMOVE_ALL);
    expect(f.log.warnings.filter((w) => w.startsWith('could not'))).toEqual([]);
  });

  it('the balancer rejects the change: the new pool is removed and the state is unchanged', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    const before = f.balancers[0]!.text;
    f.balancers[0]!.failAt('reload', 'nginx: [emerg] bind() failed');

    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false));
    expect(err.message).toBe(
      'balancer lb: `nginx -s reload` failed, previous file restored: nginx: [emerg] bind() failed',
    );
    expect(f.balancers[0]!.text).toBe(before);
    const apply = f.journal.first(/^lb: apply/);
    for (const h of ['b1', 'b2', 'b3']) {
      expect(f.journal.last(new RegExp(`^${h}\\$ docker rm --force webapp-2\\.0\\.0`))).toBeGreaterThan(
        apply,
      );
    }
    expect(f.store.writes).toEqual([]);
    expect(f.store.current).toEqual(f.state);
  });

  it('verification through the balancer fails: the candidate is rolled back (out of the balancer, stopped) and the result is rolled_back', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    f.checker.fail(BALANCER_URL, 'status 502, expected 200', 1);

    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false));
    expect(err.rolledBack).toBe(true);
    expect(err.message).toBe(
      '2.0.0 failed verification through the balancer and was rolled back: verify through the balancer failed: GET http://lb.test/: status 502, expected 200',
    );
    expect(f.journal.matching(/^lb: apply/)).toEqual([
      'lb: apply 10.0.1.1:8000 10.0.1.2:8000 10.0.1.3:8000 10.0.2.1:8000 10.0.2.2:8000 10.0.2.3:8000',
      'lb: apply 10.0.1.1:8000 10.0.1.2:8000 10.0.1.3:8000',
    ]);
    expect(f.store.writes.map((w) => [w.live, w.candidate])).toEqual([
      ['green', 'blue'],
      ['green', null],
    ]);
    const back = f.journal.last(/^lb: apply/);
    for (const h of ['b1', 'b2', 'b3']) {
      expect(f.remote.commandsOn(h).slice(-2)).toEqual([
        'docker stop --time 5 webapp-2.0.0 >/dev/null 2>&1; true',
        expect.stringMatching(REMOVE_ALL),
      ]);
      expect(f.journal.first(new RegExp(`^${h}\\$ docker stop`))).toBeGreaterThan(back);
    }
    expect(f.store.current.pools.blue).toBeNull();
  });

  it('the first deploy failing verification is not rolled back (there is nothing to go back to): green stays recorded live', async () => {
    const f = fakeContext();
    f.checker.fail(BALANCER_URL, 'status 502, expected 200', 1);
    const err = await failure(deploy(f.ctx, f.state, '1.0.0', false));
    expect(err.rolledBack).toBe(false);
    expect(err.message).toBe(
      'verify through the balancer failed: GET http://lb.test/: status 502, expected 200',
    );
    expect(f.store.current.live).toBe('green');
    expect(f.remote.calls.some((c) => /^docker stop/.test(c.command))).toBe(false);
  });

  it('cancelled (signal aborted) during the pull: no host starts its container, all are cleaned up, the balancer untouched', async () => {
    const cancel = new AbortController();
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' }, signal: cancel.signal });
    f.remote.on('b1', PULL, () => {
      cancel.abort();
      return {};
    });
    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false));
    expect(err.message).toContain('cancelled (SIGINT/SIGTERM); cleaning up what was started');
    expect(f.remote.calls.some((c) => RUN.test(c.command))).toBe(false);
    for (const h of ['b1', 'b2', 'b3']) expect(f.remote.commandsOn(h).at(-1)).toMatch(REMOVE_ALL);
    expect(f.balancers[0]!.applied).toEqual([]);
    expect(f.store.writes).toEqual([]);
  });

  it('cancelled after the pool passed its checks: the balancer is not switched and the new pool is removed', async () => {
    const cancel = new AbortController();
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' }, signal: cancel.signal });
    f.checker.on(hostCheckUrl('b3'), () => {
      cancel.abort();
      return { ok: true };
    });
    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false));
    expect(err.message).toBe('cancelled (SIGINT/SIGTERM); cleaning up what was started');
    expect(f.journal.matching(/^lb: /)).toEqual([]);
    for (const h of ['b1', 'b2', 'b3']) expect(f.remote.commandsOn(h).at(-1)).toMatch(REMOVE_ALL);
    expect(f.store.writes).toEqual([]);
  });

  it('refuses to deploy while a candidate exists (UsageError), and runs nothing', async () => {
    const f = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
    });
    const err = await deploy(f.ctx, f.state, '3.0.0', false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      'blue already holds candidate 2.0.0 beside the live pool: run `bluegreen promote` or `bluegreen rollback` first',
    );
    expect(f.remote.calls).toEqual([]);
    expect(f.journal.lines).toEqual([]);
  });

  it('refuses an empty idle pool and --steps with nothing live (UsageError), and runs nothing', async () => {
    const empty = fakeContext({ live: { pool: 'green', version: '1.0.0' }, config: { pools: { blue: [] } } });
    await expect(deploy(empty.ctx, empty.state, '2.0.0', false)).rejects.toThrow(
      new UsageError('pools.blue: is empty, but blue is the idle pool this deploy goes to; list its hosts'),
    );
    const first = fakeContext();
    await expect(deploy(first.ctx, first.state, '1.0.0', false, [10, 100])).rejects.toBeInstanceOf(
      UsageError,
    );
    expect([...empty.journal.lines, ...first.journal.lines]).toEqual([]);
  });

  it('--promote: after verification the candidate is promoted in the same run', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    const res = await deploy(f.ctx, f.state, '2.0.0', true);
    expect(res.message).toBe(
      '2.0.0 live on blue (3 hosts); green 1.0.0 kept running outside the balancer (warm) until the next deploy',
    );
    expect(f.balancers[0]!.serverList).toEqual(['10.0.2.1:8000', '10.0.2.2:8000', '10.0.2.3:8000']);
    expect(f.store.current.live).toBe('blue');
    expect(res.diff).toContain('+    server 10.0.2.1:8000');
    expect(res.diff).toContain('-    server 10.0.1.1:8000');
    expect(INITIAL_FILE).not.toBe(f.balancers[0]!.text);
  });
});
