import { describe, expect, it } from 'vitest';
import { DeployError } from '../../src/errors.js';
import { promote } from '../../src/deploy/ops/promote.js';
import { stopKeepingCommands } from '../../src/deploy/pool.js';
import { switchPlanLine } from '../../src/deploy/switch.js';
import { fakeContext, hostCheckUrl } from '../fakes/context.js';

// `promote`: the candidate alone in the balancer, the state says so, and only then the old
// pool is kept per promote.keep_old (warm, timer, stopped) and old containers are pruned. A
// dead candidate host is refused before anything changes.

const withCandidate = () =>
  fakeContext({ live: { pool: 'green', version: '1.0.0' }, candidate: { pool: 'blue', version: '2.0.0' } });

describe('promote', () => {
  it('checks every candidate host, switches the balancer to the candidate alone, records it; the old pool keeps running (warm) for an instant rollback', async () => {
    const f = withCandidate();
    const res = await promote(f.ctx, f.state);

    expect(res.message).toBe(
      '2.0.0 live on blue (3 hosts); green 1.0.0 kept running outside the balancer (warm) until the next deploy',
    );
    expect(f.balancers[0]!.serverList).toEqual(['10.0.2.1:8000', '10.0.2.2:8000', '10.0.2.3:8000']);
    const s = f.store.current;
    expect([s.live, s.candidate, s.pools.green]).toEqual(['blue', null, null]);
    expect(s.previous).toMatchObject({
      pool: 'green',
      version: '1.0.0',
      digest: expect.stringMatching(/^sha256:/),
      kept: 'warm',
      hosts: [{ name: 'g1' }, { name: 'g2' }, { name: 'g3' }],
    });
    // Nothing stops the old pool; every host of both pools is only looked at for retention.
    expect(f.remote.calls.filter((c) => !c.command.startsWith('docker ps -a --no-trunc'))).toEqual([]);
    const j = f.journal;
    expect(j.matching(/^check /)).toEqual([
      'check http://10.0.2.1:8000/ ok',
      'check http://10.0.2.2:8000/ ok',
      'check http://10.0.2.3:8000/ ok',
    ]);
    expect(j.last(/^check /)).toBeLessThan(j.first(/^lb: apply/));
    expect(j.first(/^lb: apply/)).toBeLessThan(j.first(/^state: live blue/));
  });

  it('keep_old 0: the old pool is stopped (kept for a rollback, not removed) once the state records the switch', async () => {
    const f = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
      config: { promote: { keep_old: 0 } },
    });
    const res = await promote(f.ctx, f.state);
    expect(res.message).toBe('2.0.0 live on blue (3 hosts); green 1.0.0 stopped, kept for a rollback');
    for (const h of ['g1', 'g2', 'g3'])
      expect(f.remote.commandsOn(h).filter((c) => !c.startsWith('docker ps -a --no-trunc'))).toEqual(
        stopKeepingCommands(f.ctx, '1.0.0').map((c) => c.command),
      );
    expect(f.remote.commandsOn('g1')[0]).toBe('docker stop --time 5 webapp-1.0.0 >/dev/null 2>&1; true');
    expect(f.remote.calls.some((c) => /docker rm/.test(c.command))).toBe(false);
    expect(f.store.current.previous).toMatchObject({ pool: 'green', kept: 'stopped' });
    expect(f.journal.first(/^state: live blue/)).toBeLessThan(f.journal.first(/^g\d\$ docker stop/));
  });

  it('keep_old 5m: a detached timer on each old host stops it later (a later run can see and cancel it)', async () => {
    const f = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
      config: { promote: { keep_old: '5m' } },
    });
    const res = await promote(f.ctx, f.state);
    expect(res.message).toMatch(
      /green 1\.0\.0 kept running outside the balancer \(warm\) until 20\d\d-.*, then stopped by a timer on its hosts$/,
    );
    for (const h of ['g1', 'g2', 'g3']) {
      const timer = f.remote.commandsOn(h).find((c) => c.includes('nohup'));
      expect(timer).toBe(
        "(nohup sh -c ': bluegreen-keep-old webapp webapp-1.0.0; sleep 300; docker stop --time 5 webapp-1.0.0' >/dev/null 2>&1 </dev/null &)",
      );
    }
    expect(f.store.current.previous).toMatchObject({ kept: 'warm', stopAt: expect.any(String) });
  });

  it('prunes old containers beyond retain after the switch, never the live or previous version nor a running one', async () => {
    const f = withCandidate();
    const line = (name: string, state: string, version: string, created: string) =>
      `id-${name}\t${name}\t${state}\t${version}\t${created}\tregistry.test:5000/team/app@sha256:${version}`;
    f.remote.on('g1', /^docker ps -a --no-trunc/, {
      stdout: [
        line('webapp-1.0.0', 'running', '1.0.0', '2026-05-01'),
        line('webapp-0.9.0', 'exited', '0.9.0', '2026-04-01'),
        line('webapp-0.8.0', 'exited', '0.8.0', '2026-03-01'),
        line('webapp-0.7.0', 'exited', '0.7.0', '2026-02-01'),
        line('webapp-0.6.0', 'exited', '0.6.0', '2026-01-01'),
      ].join('\n'),
    });
    await promote(f.ctx, f.state);
    expect(f.remote.commandsOn('g1').slice(1)).toEqual([
      'docker rm --force webapp-0.7.0 webapp-0.6.0',
      'docker image rm registry.test:5000/team/app@sha256:0.7.0 registry.test:5000/team/app@sha256:0.6.0 >/dev/null 2>&1; true',
    ]);
    expect(f.log.infos).toContainEqual(
      'g1: removes webapp-0.7.0, webapp-0.6.0 and 2 image(s) (keeps webapp-1.0.0, webapp-0.9.0, webapp-0.8.0)',
    );
  });

  it('refuses a candidate host that no longer passes its check, naming it; nothing changes', async () => {
    const f = withCandidate();
    f.checker.fail(hostCheckUrl('b2'), 'connect ECONNREFUSED 10.0.2.2:8000');
    const err = await promote(f.ctx, f.state).catch((e: unknown) => e as DeployError);
    expect(err).toBeInstanceOf(DeployError);
    expect(err.message).toBe(
      'refusing to promote blue: b2 (connect ECONNREFUSED 10.0.2.2:8000) no longer pass the check; run `bluegreen rollback` or deploy again',
    );
    expect(f.remote.calls).toEqual([]);
    expect(f.journal.matching(/^(lb|state):/)).toEqual([]);
  });

  it('a failed stop on an old host only warns (it is out of the balancer): the promote succeeds', async () => {
    const f = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
      config: { promote: { keep_old: 0 } },
    });
    f.remote.fail('g2', /^docker stop/, 'Cannot connect to the Docker daemon');
    const res = await promote(f.ctx, f.state);
    expect(res.message).toMatch(/^2\.0\.0 live on blue/);
    expect(f.log.warnings).toEqual([
      expect.stringMatching(
        /^could not stop the container on g2: g2: `docker stop .*` exited 1: Cannot connect to the Docker daemon; it is out of the balancer, remove it by hand$/,
      ),
    ]);
    expect(f.store.current.live).toBe('blue');
  });

  it('the balancer refusing the switch: nothing stops, the state still has both pools', async () => {
    const f = withCandidate();
    f.balancers[0]!.failAt('test', 'nginx: [emerg] unexpected "}"');
    await expect(promote(f.ctx, f.state)).rejects.toThrow(
      /rejected the new upstream, previous file restored/,
    );
    expect(f.remote.calls).toEqual([]);
    expect(f.store.writes).toEqual([]);
    expect(f.balancers[0]!.serverList).toHaveLength(6);
  });

  it('re-applies a file that already holds the candidate alone when bluegreen did not record writing it (a run killed before its reload)', async () => {
    const f = withCandidate();
    const b = f.balancers[0]!;
    b.text = b.render(
      b.text,
      [1, 2, 3].map((n) => ({ host: `10.0.2.${n}`, port: 8000 })),
    );
    await promote(f.ctx, f.state);
    expect(f.journal.matching(/^lb: apply/)).toEqual(['lb: apply 10.0.2.1:8000 10.0.2.2:8000 10.0.2.3:8000']);
  });

  it('--dry-run: the plan is the balancer switch, then what becomes of the old pool; nothing runs', async () => {
    const f = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
      dryRun: true,
    });
    const res = await promote(f.ctx, f.state);
    expect(res.plan).toEqual([
      switchPlanLine(f.ctx),
      'green: 1.0.0 keeps running outside the balancer until the next deploy (promote.keep_old)',
    ]);
    expect(res.plan![0]).toBe('balancer: write /etc/nginx/conf.d/app.conf, `nginx -t`, `nginx -s reload`');
    expect(f.remote.calls).toEqual([]);
    expect(f.journal.matching(/^(lb|state):/)).toEqual([]);

    const stop = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
      config: { promote: { keep_old: 0 } },
      dryRun: true,
    });
    expect((await promote(stop.ctx, stop.state)).plan).toEqual([
      switchPlanLine(stop.ctx),
      ...['g1', 'g2', 'g3'].flatMap((h) =>
        stopKeepingCommands(stop.ctx, '1.0.0').map((c) => `${h}: ${c.command}`),
      ),
    ]);
  });

  it('with no candidate there is nothing to promote', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    await expect(promote(f.ctx, f.state)).rejects.toThrow(
      'nothing to promote: no candidate pool (run `bluegreen deploy` first)',
    );
    expect(f.journal.lines).toEqual([]);
  });
});
