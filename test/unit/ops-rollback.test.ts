import { describe, expect, it } from 'vitest';
import { DeployError } from '../../src/errors.js';
import { rollback } from '../../src/deploy/ops/rollback.js';
import { startCommands, stopCommands, stopKeepingCommands } from '../../src/deploy/pool.js';
import { switchPlanLine } from '../../src/deploy/switch.js';
import { fakeContext, hostCheckUrl } from '../fakes/context.js';
import { fakeDigest, fakeRelease } from '../fakes/images.js';

// `rollback`: before promote, the candidate leaves; after promote, the previous version
// comes back on the idle pool (preflighted) and the current one leaves.

const beforePromote = () =>
  fakeContext({ live: { pool: 'green', version: '1.0.0' }, candidate: { pool: 'blue', version: '2.0.0' } });
const afterPromote = (extra = {}) =>
  fakeContext({
    live: { pool: 'blue', version: '2.0.0' },
    previous: {
      pool: 'green',
      version: '1.0.0',
      image: 'registry.test:5000/team/app',
      digest: fakeDigest('1.0.0'),
      kept: 'warm',
    },
    ...extra,
  });
/** What `docker inspect` says of webapp-1.0.0 on every host. */
const found = (f: ReturnType<typeof afterPromote>, state: string) =>
  f.remote.on(undefined, /docker inspect --type container --format/, { stdout: `${state}\n` });
const INSPECT = /; docker inspect --type container --format '\{\{\.State\.Status\}\}' webapp-1\.0\.0/;

describe('rollback of a candidate', () => {
  it('puts the live pool alone back in the balancer, records it, then stops the candidate; result rolled_back', async () => {
    const f = beforePromote();
    const res = await rollback(f.ctx, f.state);
    expect(res.result).toBe('rolled_back');
    expect(res.message).toBe('rolled back: 2.0.0 removed from blue; 1.0.0 live on green (3 hosts)');
    expect(f.balancers[0]!.serverList).toEqual(['10.0.1.1:8000', '10.0.1.2:8000', '10.0.1.3:8000']);
    expect(f.store.current.candidate).toBeNull();
    expect(f.store.current.pools.blue).toBeNull();
    expect(f.remote.hostsThatRan(/./)).toEqual(['b1', 'b2', 'b3']);
    for (const h of ['b1', 'b2', 'b3'])
      expect(f.remote.commandsOn(h)).toEqual(stopCommands(f.ctx, '2.0.0').map((c) => c.command));
    const j = f.journal;
    expect(j.first(/^lb: apply/)).toBeLessThan(j.first(/^state: live green .*candidate none/));
    expect(j.first(/^state:/)).toBeLessThan(j.first(/^b\d\$/));
  });

  it('the balancer refusing: the candidate stays in the balancer and the state, nothing stops', async () => {
    const f = beforePromote();
    f.balancers[0]!.failAt('reload', 'nginx is not running');
    await expect(rollback(f.ctx, f.state)).rejects.toThrow(/`nginx -s reload` failed/);
    expect(f.remote.calls).toEqual([]);
    expect(f.store.writes).toEqual([]);
    expect(f.balancers[0]!.serverList).toHaveLength(6);
  });

  it('--dry-run: the balancer switch, then the exact stop commands on the candidate hosts', async () => {
    const f = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
      dryRun: true,
    });
    const res = await rollback(f.ctx, f.state);
    expect(res.plan).toEqual([
      switchPlanLine(f.ctx),
      ...['b1', 'b2', 'b3'].flatMap((h) => stopCommands(f.ctx, '2.0.0').map((c) => `${h}: ${c.command}`)),
    ]);
    expect(f.journal.lines).toEqual([]);
  });
});

describe('rollback after promote', () => {
  it('the previous pool still running (warm): checked again and switched back; nothing is pulled, run or started', async () => {
    const f = afterPromote();
    found(f, 'running');
    const res = await rollback(f.ctx, f.state);
    expect(res.result).toBe('rolled_back');
    expect(res.message).toBe(
      'rolled back: 1.0.0 live on green (3 hosts: 3 still running (switched back)); 2.0.0 kept running outside the balancer (warm) until the next deploy',
    );
    for (const h of ['g1', 'g2', 'g3']) {
      // One exec per host before its check: the stop timers cancelled and the container looked at.
      expect(f.remote.commandsOn(h)).toHaveLength(1);
      expect(f.remote.commandsOn(h)[0]).toMatch(/^pkill -f .*bluegreen-keep-old webapp /);
      expect(f.remote.commandsOn(h)[0]).toMatch(INSPECT);
      expect(f.ctx.recorder.hosts.find((x) => x.host === h)!.steps.map((s) => s.step)).toEqual([
        'connect',
        'warm',
        'check',
      ]);
    }
    // The current pool is not stopped: it is the warm one now (a roll forward is as quick).
    expect(f.remote.hostsThatRan(/./)).toEqual(['g1', 'g2', 'g3']);
    expect(f.balancers[0]!.serverList).toEqual(['10.0.1.1:8000', '10.0.1.2:8000', '10.0.1.3:8000']);
    const s = f.store.current;
    expect([s.live, s.candidate, s.pools.blue, s.pools.green?.version, s.pools.green?.digest]).toEqual([
      'green',
      null,
      null,
      '1.0.0',
      fakeDigest('1.0.0'),
    ]);
    expect(s.previous).toMatchObject({ pool: 'blue', version: '2.0.0', kept: 'warm' });
    const j = f.journal;
    expect(j.last(/^check http:\/\/10\.0\.1\./)).toBeLessThan(j.first(/^lb: apply/));
    expect(j.first(/^lb: apply/)).toBeLessThan(j.first(/^state: live green/));
  });

  it('the previous pool stopped: `docker start`, checked, switched; no pull', async () => {
    const f = afterPromote({ config: { promote: { keep_old: 0 } } });
    found(f, 'exited');
    const res = await rollback(f.ctx, f.state);
    expect(res.message).toMatch(
      /^rolled back: 1\.0\.0 live on green \(3 hosts: 3 started again \(no pull\)\); 2\.0\.0 stopped, kept for a rollback$/,
    );
    for (const h of ['g1', 'g2', 'g3']) {
      expect(f.remote.commandsOn(h).some((c) => c === 'docker start webapp-1.0.0')).toBe(true);
      expect(f.remote.commandsOn(h).some((c) => /docker pull|docker run/.test(c))).toBe(false);
    }
    for (const h of ['b1', 'b2', 'b3'])
      expect(f.remote.commandsOn(h)).toEqual(stopKeepingCommands(f.ctx, '2.0.0').map((c) => c.command));
  });

  it('the previous containers gone: pulled and run again by the recorded digest', async () => {
    const f = afterPromote();
    found(f, 'missing');
    const res = await rollback(f.ctx, f.state);
    expect(res.message).toMatch(/3 pulled and started/);
    for (const h of ['g1', 'g2', 'g3'])
      expect(f.remote.commandsOn(h).slice(1)).toEqual(
        startCommands(f.ctx, 'green', fakeRelease(f.config.image, '1.0.0')).map((c) => c.command),
      );
  });

  it('a previous-version host failing its check: what was started is stopped again (kept), the balancer and the current pool untouched', async () => {
    const f = afterPromote();
    found(f, 'exited');
    f.checker.fail(hostCheckUrl('g1'));
    await expect(rollback(f.ctx, f.state)).rejects.toThrow(
      /^g1: check GET http:\/\/10\.0\.1\.1:8000\/ failed after 3 attempts/,
    );
    for (const h of ['g1', 'g2', 'g3'])
      expect(f.remote.commandsOn(h).at(-1)).toBe('docker stop --time 5 webapp-1.0.0 >/dev/null 2>&1; true');
    expect(f.remote.hostsThatRan(/./)).toEqual(['g1', 'g2', 'g3']);
    expect(f.journal.matching(/^(lb|state):/)).toEqual([]);
  });

  it('the balancer refusing: what was started is stopped again, the current pool untouched, the state unchanged', async () => {
    const f = afterPromote();
    found(f, 'exited');
    f.balancers[0]!.failAt('test', 'host not found in upstream');
    await expect(rollback(f.ctx, f.state)).rejects.toThrow(/host not found in upstream/);
    const apply = f.journal.first(/^lb: apply/);
    for (const h of ['g1', 'g2', 'g3'])
      expect(f.journal.last(new RegExp(`^${h}\\$ docker stop --time 5 webapp-1\\.0\\.0`))).toBeGreaterThan(
        apply,
      );
    expect(f.remote.hostsThatRan(/./)).toEqual(['g1', 'g2', 'g3']);
    expect(f.store.writes).toEqual([]);
  });

  it('--dry-run: per host what it would do, then the switch; nothing runs', async () => {
    const f = afterPromote({ dryRun: true });
    const res = await rollback(f.ctx, f.state);
    expect(res.message).toBe(
      'would bring 1.0.0 back on green (still running: a switch back) and retire 2.0.0',
    );
    expect(res.plan).toHaveLength(4);
    expect(res.plan![0]).toMatch(
      /^g1: webapp-1\.0\.0 running → check it; stopped → docker start \+ check; missing → .*docker pull --quiet registry\.test:5000\/team\/app@sha256:/,
    );
    expect(res.plan![3]).toBe(switchPlanLine(f.ctx));
    expect(f.journal.lines).toEqual([]);
  });

  it('refuses when the idle pool is not configured, naming the field; nothing runs', async () => {
    const f = afterPromote({
      config: { pools: { green: [] } },
      previous: { pool: 'green', version: '1.0.0' },
    });
    await expect(rollback(f.ctx, f.state)).rejects.toThrow(
      new DeployError('pools.green is empty: rollback brings 1.0.0 back on the idle pool; list its hosts'),
    );
    expect(f.journal.lines).toEqual([]);
  });
});

describe('rollback with nothing to roll back', () => {
  it('is refused', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    await expect(rollback(f.ctx, f.state)).rejects.toThrow(
      'nothing to roll back: no candidate pool and no previous version recorded',
    );
    expect(f.journal.lines).toEqual([]);
  });
});
