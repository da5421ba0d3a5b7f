import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { scale } from '../../src/deploy/ops/scale.js';
import { leaveCommands, startCommands } from '../../src/deploy/pool.js';
import { switchPlanLine } from '../../src/deploy/switch.js';
import { fakeContext, hostCheckUrl, hostEntry } from '../fakes/context.js';
import { fakeRelease } from '../fakes/images.js';

// `scale`: the live pool becomes the hosts the config lists. New hosts enter the balancer only
// after their preflight; hosts no longer listed leave it first and are stopped after.

/** The cleanup of a start that failed: only the container being started goes. */
const REMOVE_ALL = /^docker rm --force webapp-[\d.]+ >\/dev\/null 2>&1; true$/;
// The state's live pool: green on g1..g3 (the config may list other hosts).
const LIVE3 = { pool: 'green' as const, version: '1.0.0', hosts: ['g1', 'g2', 'g3'] };
const green = (...names: string[]) => ({ pools: { green: names.map(hostEntry) } });
const servers = (...names: string[]) => names.map((n) => `${hostEntry(n).address}:8000`);

describe('scale', () => {
  it('adds hosts: starts the live version on the new hosts only, then the balancer has all, then the state', async () => {
    const f = fakeContext({
      live: LIVE3,
      config: green('g1', 'g2', 'g3', 'g4', 'g5'),
    });
    const res = await scale(f.ctx, f.state);
    expect(res.message).toBe('scaled green: +2 (g4, g5), -0 (none); 5 hosts serve 1.0.0');
    expect(f.remote.hostsThatRan(/./)).toEqual(['g4', 'g5']);
    for (const h of ['g4', 'g5'])
      expect(f.remote.commandsOn(h)).toEqual(
        startCommands(f.ctx, 'green', fakeRelease(f.config.image, '1.0.0')).map((c) => c.command),
      );
    expect(f.balancers[0]!.serverList).toEqual(servers('g1', 'g2', 'g3', 'g4', 'g5'));
    expect(f.store.current.pools.green?.hosts.map((h) => h.name)).toEqual(['g1', 'g2', 'g3', 'g4', 'g5']);
    expect(f.journal.last(/^check http:\/\/10\.0\.1\.[45]/)).toBeLessThan(f.journal.first(/^lb: apply/));
  });

  it('removes hosts: they leave the balancer first, the state is written, and only then they are stopped', async () => {
    const f = fakeContext({ live: LIVE3, config: green('g1', 'g3') });
    const res = await scale(f.ctx, f.state);
    expect(res.message).toBe('scaled green: +0 (none), -1 (g2); 2 hosts serve 1.0.0');
    expect(f.remote.hostsThatRan(/./)).toEqual(['g2']);
    expect(f.remote.commandsOn('g2')).toEqual(leaveCommands(f.ctx, '1.0.0').map((c) => c.command));
    expect(f.balancers[0]!.serverList).toEqual(servers('g1', 'g3'));
    expect(f.journal.first(/^state:/)).toBeLessThan(f.journal.first(/^g2\$ docker stop/));
  });

  it('a new host failing preflight: it is removed, the balancer and the state are untouched, the others not touched at all', async () => {
    const f = fakeContext({
      live: LIVE3,
      config: green('g1', 'g2', 'g3', 'g4'),
    });
    f.checker.fail(hostCheckUrl('g4'));
    await expect(scale(f.ctx, f.state)).rejects.toThrow(
      /^g4: check GET http:\/\/10\.0\.1\.4:8000\/ failed after 3 attempts/,
    );
    expect(f.remote.hostsThatRan(/./)).toEqual(['g4']);
    expect(f.remote.commandsOn('g4').at(-1)).toMatch(REMOVE_ALL);
    expect(f.journal.matching(/^(lb|state):/)).toEqual([]);
  });

  it('the balancer refusing: the added hosts are removed again, removed hosts keep running, the state unchanged', async () => {
    const f = fakeContext({
      live: LIVE3,
      config: green('g1', 'g2', 'g4'),
    });
    f.balancers[0]!.failAt('test');
    await expect(scale(f.ctx, f.state)).rejects.toThrow(/rejected the new upstream/);
    expect(f.remote.hostsThatRan(/./)).toEqual(['g4']);
    expect(f.remote.commandsOn('g4').at(-1)).toMatch(REMOVE_ALL);
    expect(f.store.writes).toEqual([]);
    expect(f.balancers[0]!.serverList).toEqual(servers('g1', 'g2', 'g3'));
  });

  it('keeps the candidate in the balancer while scaling the live pool', async () => {
    const f = fakeContext({
      live: LIVE3,
      candidate: { pool: 'blue', version: '2.0.0' },
      config: green('g1', 'g2'),
    });
    await scale(f.ctx, f.state);
    expect(f.balancers[0]!.serverList).toEqual(servers('g1', 'g2', 'b1', 'b2', 'b3'));
  });

  it('--dry-run: start on new hosts, the switch, stop on removed hosts, each command exactly; nothing runs', async () => {
    const f = fakeContext({
      live: LIVE3,
      config: green('g1', 'g2', 'g4'),
      dryRun: true,
    });
    const res = await scale(f.ctx, f.state);
    expect(res.plan).toEqual([
      ...startCommands(f.ctx, 'green', fakeRelease(f.config.image, '1.0.0')).map((c) => `g4: ${c.command}`),
      switchPlanLine(f.ctx),
      ...leaveCommands(f.ctx, '1.0.0').map((c) => `g3: ${c.command}`),
    ]);
    expect(f.journal.lines).toEqual([]);
  });

  it('nothing to change: says so and runs nothing', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    expect((await scale(f.ctx, f.state)).message).toBe('green already has the 3 hosts the config lists');
    expect(f.journal.lines).toEqual([]);
  });

  it('refuses to scale the live pool to zero hosts (UsageError) and to scale with nothing live', async () => {
    const f = fakeContext({ live: LIVE3, config: { pools: { green: [] } } });
    await expect(scale(f.ctx, f.state)).rejects.toBeInstanceOf(UsageError);
    const none = fakeContext();
    await expect(scale(none.ctx, none.state)).rejects.toThrow(
      'nothing is live yet: run `bluegreen deploy` first',
    );
    expect([...f.journal.lines, ...none.journal.lines]).toEqual([]);
  });
});
