import { describe, expect, it } from 'vitest';
import { DeployError } from '../../src/errors.js';
import { promote } from '../../src/deploy/ops/promote.js';
import { stopCommands } from '../../src/deploy/pool.js';
import { switchPlanLine } from '../../src/deploy/switch.js';
import { fakeContext, hostCheckUrl } from '../fakes/context.js';

// `promote`: the candidate alone in the balancer, the state says so, and only then the old
// pool stops. A dead candidate host is refused before anything changes.

const withCandidate = () =>
  fakeContext({ live: { pool: 'green', version: '1.0.0' }, candidate: { pool: 'blue', version: '2.0.0' } });

describe('promote', () => {
  it('checks every candidate host, switches the balancer to the candidate alone, records it, and only then stops the old pool', async () => {
    const f = withCandidate();
    const res = await promote(f.ctx, f.state);

    expect(res.message).toBe('2.0.0 live on blue (3 hosts); green 1.0.0 retired');
    expect(f.balancers[0]!.serverList).toEqual(['10.0.2.1:8000', '10.0.2.2:8000', '10.0.2.3:8000']);
    const s = f.store.current;
    expect([s.live, s.candidate, s.pools.green, s.previous]).toEqual([
      'blue',
      null,
      null,
      { pool: 'green', version: '1.0.0' },
    ]);
    expect(f.remote.hostsThatRan(/./)).toEqual(['g1', 'g2', 'g3']);
    for (const h of ['g1', 'g2', 'g3']) {
      expect(f.remote.commandsOn(h)).toEqual(stopCommands(f.ctx, '1.0.0').map((c) => c.command));
    }
    expect(f.remote.commandsOn('g1')[0]).toBe('docker stop --time 5 webapp-1.0.0 >/dev/null 2>&1; true');
    const j = f.journal;
    expect(j.matching(/^check /)).toEqual([
      'check http://10.0.2.1:8000/ ok',
      'check http://10.0.2.2:8000/ ok',
      'check http://10.0.2.3:8000/ ok',
    ]);
    expect(j.last(/^check /)).toBeLessThan(j.first(/^lb: apply/));
    expect(j.first(/^lb: apply/)).toBeLessThan(j.first(/^state: live blue/));
    expect(j.first(/^state: live blue/)).toBeLessThan(j.first(/^g\d\$ docker stop/));
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
    const f = withCandidate();
    f.remote.fail('g2', /xargs -r docker rm/, 'Cannot connect to the Docker daemon');
    const res = await promote(f.ctx, f.state);
    expect(res.message).toMatch(/^2\.0\.0 live on blue/);
    expect(f.log.warnings).toEqual([
      expect.stringMatching(
        /^could not stop the container on g2: g2: `docker ps .*` exited 1: Cannot connect to the Docker daemon; it is out of the balancer, remove it by hand$/,
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

  it('--dry-run: the plan is the balancer switch, then per old host the exact stop commands; nothing runs', async () => {
    const f = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
      dryRun: true,
    });
    const res = await promote(f.ctx, f.state);
    expect(res.plan).toEqual([
      switchPlanLine(f.ctx),
      ...['g1', 'g2', 'g3'].flatMap((h) => stopCommands(f.ctx, '1.0.0').map((c) => `${h}: ${c.command}`)),
    ]);
    expect(res.plan![0]).toBe('balancer: write /etc/nginx/conf.d/app.conf, `nginx -t`, `nginx -s reload`');
    expect(f.remote.calls).toEqual([]);
    expect(f.journal.matching(/^(lb|state):/)).toEqual([]);
  });

  it('with no candidate there is nothing to promote', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    await expect(promote(f.ctx, f.state)).rejects.toThrow(
      'nothing to promote: no candidate pool (run `bluegreen deploy` first)',
    );
    expect(f.journal.lines).toEqual([]);
  });
});
