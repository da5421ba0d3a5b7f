import { describe, expect, it } from 'vitest';
import { DeployError } from '../../src/errors.js';
import { rollback } from '../../src/deploy/ops/rollback.js';
import { startCommands, stopCommands } from '../../src/deploy/pool.js';
import { switchPlanLine } from '../../src/deploy/switch.js';
import { fakeContext, hostCheckUrl } from '../fakes/context.js';

// `rollback`: before promote, the candidate leaves; after promote, the previous version
// comes back on the idle pool (preflighted) and the current one leaves.

const REMOVE_ALL = /^docker ps -aq --filter label=bluegreen\.app=webapp \| xargs -r docker rm --force$/;

const beforePromote = () =>
  fakeContext({ live: { pool: 'green', version: '1.0.0' }, candidate: { pool: 'blue', version: '2.0.0' } });
const afterPromote = (extra = {}) =>
  fakeContext({
    live: { pool: 'blue', version: '2.0.0' },
    previous: { pool: 'green', version: '1.0.0' },
    ...extra,
  });

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
  it('starts the previous version on the idle pool, checks it, switches to it, records it, then stops the current version', async () => {
    const f = afterPromote();
    const res = await rollback(f.ctx, f.state);
    expect(res.result).toBe('rolled_back');
    expect(res.message).toBe('rolled back: 1.0.0 live on green (3 hosts); 2.0.0 retired');
    for (const h of ['g1', 'g2', 'g3'])
      expect(f.remote.commandsOn(h)).toEqual(startCommands(f.ctx, 'green', '1.0.0').map((c) => c.command));
    for (const h of ['b1', 'b2', 'b3'])
      expect(f.remote.commandsOn(h)).toEqual(stopCommands(f.ctx, '2.0.0').map((c) => c.command));
    expect(f.balancers[0]!.serverList).toEqual(['10.0.1.1:8000', '10.0.1.2:8000', '10.0.1.3:8000']);
    const s = f.store.current;
    expect([s.live, s.candidate, s.pools.blue, s.pools.green?.version, s.previous]).toEqual([
      'green',
      null,
      null,
      '1.0.0',
      { pool: 'blue', version: '2.0.0' },
    ]);
    const j = f.journal;
    expect(j.last(/^check http:\/\/10\.0\.1\./)).toBeLessThan(j.first(/^lb: apply/));
    expect(j.first(/^lb: apply/)).toBeLessThan(j.first(/^state: live green/));
    expect(j.first(/^state: live green/)).toBeLessThan(j.first(/^b\d\$ docker stop/));
  });

  it('a previous-version host failing its check: all of them removed, the balancer and the current pool untouched', async () => {
    const f = afterPromote();
    f.checker.fail(hostCheckUrl('g1'));
    await expect(rollback(f.ctx, f.state)).rejects.toThrow(
      /^g1: check GET http:\/\/10\.0\.1\.1:8000\/ failed after 3 attempts/,
    );
    for (const h of ['g1', 'g2', 'g3']) expect(f.remote.commandsOn(h).at(-1)).toMatch(REMOVE_ALL);
    expect(f.remote.hostsThatRan(/./)).toEqual(['g1', 'g2', 'g3']);
    expect(f.journal.matching(/^(lb|state):/)).toEqual([]);
  });

  it('the balancer refusing: the previous version is removed again, the current pool untouched, the state unchanged', async () => {
    const f = afterPromote();
    f.balancers[0]!.failAt('test', 'host not found in upstream');
    await expect(rollback(f.ctx, f.state)).rejects.toThrow(/host not found in upstream/);
    const apply = f.journal.first(/^lb: apply/);
    for (const h of ['g1', 'g2', 'g3'])
      expect(f.journal.last(new RegExp(`^${h}\\$ docker ps -aq`))).toBeGreaterThan(apply);
    expect(f.remote.hostsThatRan(/./)).toEqual(['g1', 'g2', 'g3']);
    expect(f.store.writes).toEqual([]);
  });

  it('--dry-run: start commands on the idle pool, the switch, then stop commands on the current pool', async () => {
    const f = afterPromote({ dryRun: true });
    const res = await rollback(f.ctx, f.state);
    expect(res.plan).toEqual([
      ...['g1', 'g2', 'g3'].flatMap((h) =>
        startCommands(f.ctx, 'green', '1.0.0').map((c) => `${h}: ${c.command}`),
      ),
      switchPlanLine(f.ctx),
      ...['b1', 'b2', 'b3'].flatMap((h) => stopCommands(f.ctx, '2.0.0').map((c) => `${h}: ${c.command}`)),
    ]);
    expect(f.journal.lines).toEqual([]);
  });

  it('refuses when the idle pool is not configured, naming the field; nothing runs', async () => {
    const f = afterPromote({ config: { pools: { green: [] } } });
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
