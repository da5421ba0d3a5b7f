import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, inject, it } from 'vitest';
import { bluegreen, startBluegreen } from '../harness/bluegreen.js';
import { errorOf, faultFixture } from '../harness/faults.js';
import { dockerOn } from '../harness/lab.js';
import { V1, V2 } from '../harness/zero-downtime.js';

// Faults: runs: concurrent deploys, a lock holder killed with -9, a foreign lock, SIGTERM, a candidate that died before promote, kill -9 of bluegreen at three points.
// Each runs under load through the lab's balancer (see test/harness/faults.ts for the
// invariants every scenario keeps); the rows become docs/faults.md via `npm run report`.

const skip = inject('labSkip');

describe.skipIf(skip)('faults: runs', () => {
  const f = faultFixture('runs');
  const { underLoad, cfg, statePath, state, record } = f;

  it('two deploys at once: the second waits lock.wait, then fails naming the holder', async () => {
    const slow = cfg({ container: { env: { PORT: '8000', STARTUP_DELAY_MS: '2500' } } });
    const { res } = await underLoad(
      'a second deploy while one runs',
      async () => {
        const first = startBluegreen(slow, ['deploy', '--version', '2.0.0']);
        await first.waitFor(/== start 2\.0\.0 on blue/);
        const second = await bluegreen(cfg({ lock: { wait: '1s' } }), ['deploy', '--version', '2.0.0']);
        const firstRes = await first.done;
        expect(firstRes.code, firstRes.stderr).toBe(0);
        return second;
      },
      { bodies: [V1, V2] },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      new RegExp(
        `another bluegreen run holds the lock .*\\.lock: \\S+@${hostname()} pid ${'\\d+'} \\(deploy, since`,
      ),
    );
    expect((await bluegreen(f.goodPath, ['rollback'])).code).toBe(0);
  });

  it('a lock whose holder died (kill -9) is taken over; a foreign one only after its TTL', async () => {
    const { res } = await underLoad(
      'deploy after the lock holder was killed -9',
      async () => {
        const first = startBluegreen(
          cfg({ container: { env: { PORT: '8000', STARTUP_DELAY_MS: '3000' } } }),
          ['deploy', '--version', '2.0.0'],
        );
        await first.waitFor(/bluehost0\d\s+start\s+ok/);
        first.child.kill('SIGKILL');
        await first.done;
        expect(existsSync(`${statePath()}.lock`)).toBe(true);
        return bluegreen(f.goodPath, ['deploy', '--version', '2.0.0']);
      },
      { bodies: [V1, V2] },
    );
    expect(res.code, res.stderr).toBe(0);
    expect((await bluegreen(f.goodPath, ['rollback'])).code).toBe(0);

    const lockFile = `${statePath()}.lock`;
    const foreign = (expires: number) =>
      JSON.stringify({
        owner: 'ci@runner-7 pid 4242',
        host: 'runner-7',
        pid: 4242,
        command: 'deploy',
        token: 'feedface',
        since: '2026-01-01T00:00:00Z',
        expires,
      });
    writeFileSync(lockFile, foreign(Date.now() + 600_000));
    const refused = await bluegreen(f.goodPath, ['deploy', '--version', '2.0.0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('another bluegreen run holds the lock');
    expect(refused.stderr).toContain('ci@runner-7 pid 4242 (deploy');
    writeFileSync(lockFile, foreign(Date.now() - 1000));
    const taken = await bluegreen(f.goodPath, ['promote']);
    expect(taken.stderr).toContain('nothing to promote');
    expect(existsSync(lockFile)).toBe(false);
  });

  it('SIGTERM (a cancelled job) cleans up what was started and releases the lock', async () => {
    const { res, left } = await underLoad(
      'SIGTERM during the checks',
      async () => {
        const run = startBluegreen(cfg({ container: { env: { PORT: '8000', STARTUP_DELAY_MS: '4000' } } }), [
          'deploy',
          '--version',
          '2.0.0',
        ]);
        await run.waitFor(/bluehost0\d\s+start\s+ok/);
        run.child.kill('SIGTERM');
        return run.done;
      },
      { balancerUnchanged: true },
    );
    expect(res.code).toBe(143);
    expect(res.stderr).toMatch(/SIGTERM received/);
    expect(left).toBe(0);
    expect(existsSync(`${statePath()}.lock`)).toBe(false);
  });

  it('promote while a host of the new pool has died since deploy: refused, naming the host', async () => {
    expect((await bluegreen(f.goodPath, ['deploy', '--version', '2.0.0'])).code).toBe(0);
    dockerOn(f.lab, 'bluehost02', ['kill', 'webapp-2.0.0']);
    const res = await bluegreen(f.goodPath, ['promote']);
    record({
      fault: 'promote with a dead candidate host',
      exit: res.code,
      message: errorOf(res),
      leftovers: 0,
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /refusing to promote blue: bluehost02 \(.*ECONNREFUSED.*\) no longer pass the check/,
    );
    expect((await bluegreen(f.goodPath, ['rollback'])).code).toBe(0);
  });

  it('kill -9 of bluegreen at several points: status tells the truth and the next run recovers', async () => {
    const points: [string, RegExp][] = [
      ['during the checks', /bluehost0\d\s+start\s+ok/],
      ['as the balancer switch starts', /== switch the balancer/],
      ['after the reload, before the state is written', /reloaded in \d+ms/],
    ];
    for (const [when, pattern] of points) {
      const { res } = await underLoad(
        `kill -9 ${when}, then deploy again`,
        async () => {
          const run = startBluegreen(f.goodPath, ['deploy', '--version', '2.0.0']);
          await run.waitFor(pattern);
          run.child.kill('SIGKILL');
          await run.done;
          const status = await bluegreen(f.goodPath, ['status', '--json']);
          expect(status.code, status.stderr).toBe(0);
          const report = JSON.parse(status.stdout) as {
            status: { live: string; upstream: unknown[]; hosts: { host: string; state: string }[] };
          };
          expect(report.status.live).toBe('green');
          return bluegreen(f.goodPath, ['deploy', '--version', '2.0.0']);
        },
        { bodies: [V1, V2] },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(state()).toMatchObject({ live: 'green', candidate: 'blue' });
      const back = await bluegreen(f.goodPath, ['rollback']);
      expect(back.code, back.stderr).toBe(0);
    }
  });
});
