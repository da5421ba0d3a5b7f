import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { runCommand, type CommandArgs } from '../../src/deploy/run.js';
import { BALANCER_URL, fakeContext, type Fakes, type FakeOptions } from '../fakes/context.js';

// A whole run over fakes: lock, state, the pre-run guards (drift, reconcile), the
// operation, the history entry, unlock, disconnect.

function run(f: Fakes, args: CommandArgs) {
  return runCommand({ config: f.config, baseDir: '/work/app', log: f.log, dryRun: f.ctx.dryRun }, args, () =>
    Promise.resolve(f.ctx),
  );
}

const deploy2: CommandArgs = { command: 'deploy', version: '2.0.0' };
const drifted = (opts: FakeOptions = {}) => {
  const f = fakeContext({
    live: { pool: 'green', version: '1.0.0' },
    config: { balancer: { host: undefined, hosts: ['lb1', 'lb2'] } },
    ...opts,
  });
  f.balancers[1]!.text = f.balancers[1]!.text.replace('keepalive 8', 'keepalive 16');
  return f;
};

describe('a run', () => {
  it('takes the lock first, runs the operation, appends the history entry, releases the lock and disconnects', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    const { outcome, error } = await run(f, deploy2);
    expect(error).toBeUndefined();
    expect(outcome.result).toBe('success');
    expect(outcome.after.map((v) => `${v.pool} ${v.version} ${v.role}`)).toEqual([
      'green 1.0.0 live',
      'blue 2.0.0 candidate',
    ]);
    expect(f.journal.lines[0]).toBe('lock: acquire deploy');
    expect(f.journal.lines.at(-1)).toBe('lock: release');
    expect(f.store.current.history).toEqual([
      expect.objectContaining({
        command: 'deploy',
        version: '2.0.0',
        pool: 'blue',
        result: 'success',
        by: expect.stringMatching(/^tester@/),
      }),
    ]);
    expect(f.remote.closed).toBe(true);
  });

  it('after an interrupted run, puts the balancer back in line with the state before the operation starts anything', async () => {
    // A run killed after its reload, before writing the state: blue is in the balancer, the state does not know it.
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    const b = f.balancers[0]!;
    b.text = b.render(
      b.text,
      [...[1, 2, 3].map((n) => `10.0.1.${n}`), '10.0.2.1'].map((host) => ({ host, port: 8000 })),
    );
    await run(f, deploy2);
    const restore = f.journal.first(/^lb: apply 10\.0\.1\.1:8000 10\.0\.1\.2:8000 10\.0\.1\.3:8000$/);
    expect(restore).toBeGreaterThan(0);
    expect(restore).toBeLessThan(f.journal.first(/^b\d\$/));
    expect(f.journal.lines[restore + 1]).toBe('state: live green 1.0.0 (g1 g2 g3), candidate none');
    expect(f.log.warnings[0]).toBe(
      "the balancer's servers (10.0.1.1:8000, 10.0.1.2:8000, 10.0.1.3:8000, 10.0.2.1:8000) are not what the state record expects (10.0.1.1:8000, 10.0.1.2:8000, 10.0.1.3:8000): an interrupted run or a hand edit; restoring them first",
    );
  });

  it('a balancer that already matches the state is left alone', async () => {
    const f = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
    });
    await run(f, { command: 'promote' });
    expect(f.journal.matching(/^lb: apply/)).toEqual(['lb: apply 10.0.2.1:8000 10.0.2.2:8000 10.0.2.3:8000']);
  });

  it('balancers that drifted apart: refused (UsageError) before anything runs; the refusal is recorded', async () => {
    const f = drifted();
    const { outcome, error } = await run(f, deploy2);
    expect(error).toBeInstanceOf(UsageError);
    expect(outcome.message).toMatch(
      /^the balancers' files have drifted: lb2 differs from lb1 .*pass --force/,
    );
    expect(f.remote.calls).toEqual([]);
    expect(f.journal.matching(/^lb\d: /)).toEqual([]);
    expect(f.store.current.history.map((h) => h.result)).toEqual(['failure']);
    expect(f.journal.lines.at(-1)).toBe('lock: release');
  });

  it('--force over drift goes ahead, validating on every balancer first and keeping each file its own rest', async () => {
    const f = drifted();
    const { error } = await run(f, { ...deploy2, force: true });
    expect(error).toBeUndefined();
    expect(f.journal.matching(/^lb\d: /).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'lb1: validate',
      'lb2: validate',
      'lb1: apply',
      'lb2: apply',
    ]);
    expect(f.balancers[1]!.text).toContain('keepalive 16');
    expect(f.balancers[1]!.serverList).toEqual(f.balancers[0]!.serverList);
    expect(f.log.warnings[0]).toMatch(/going ahead \(--force\)$/);
  });

  it('a dry run over drift shows its plan with the warning, takes no lock and writes nothing', async () => {
    const f = drifted({ dryRun: true });
    const { outcome, error } = await run(f, deploy2);
    expect(error).toBeUndefined();
    expect(outcome.plan?.length).toBeGreaterThan(0);
    expect(f.log.warnings[0]).toMatch(/showing the plan anyway \(--dry-run\)$/);
    expect(f.journal.lines).toEqual([]);
  });

  it('status takes no lock and writes nothing', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    const { outcome } = await run(f, { command: 'status' });
    expect(outcome.status?.live).toBe('green');
    expect(f.journal.matching(/^(lock|state|lb):/)).toEqual([]);
  });

  it('a lock held by another run: fails naming it, runs nothing, and neither writes history nor releases the other run’s lock', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    f.lock.holder = 'promote';
    const { outcome, error } = await run(f, deploy2);
    expect(error).toBeDefined();
    expect(outcome.message).toMatch(/another bluegreen run holds the lock .*\(promote\)/);
    expect(f.journal.lines).toEqual([]);
    expect(f.lock.holder).toBe('promote');
  });

  it('records a failed operation as failure and a rolled-back one as rolled_back, with the pools as the state has them after', async () => {
    const failed = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    failed.remote.fail('b1', /^docker pull/, 'denied');
    const a = await run(failed, deploy2);
    expect(a.outcome.result).toBe('failure');
    expect(a.outcome.after.map((v) => v.pool)).toEqual(['green']);
    expect(failed.store.current.history.map((h) => [h.result, h.message])).toEqual([
      ['failure', expect.stringMatching(/^b1: `docker pull .*` exited 1: denied$/)],
    ]);

    const rolled = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    rolled.checker.fail(BALANCER_URL, 'status 502, expected 200', 1);
    const b = await run(rolled, deploy2);
    expect(b.outcome.result).toBe('rolled_back');
    expect(rolled.store.current.history.map((h) => h.result)).toEqual(['rolled_back']);
  });
});
