import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/deploy/ops/deploy.js';
import { failure } from '../fakes/failure.js';
import { BALANCER_URL, fakeContext } from '../fakes/context.js';

// `deploy --steps`: the candidate enters the balancer with a small weight, each step is
// sampled through the balancer's URL and judged; a failed step rolls the candidate back,
// and the last step is a promote.

const GREEN = ['10.0.1.1:8000', '10.0.1.2:8000', '10.0.1.3:8000'];
const BLUE = ['10.0.2.1:8000', '10.0.2.2:8000', '10.0.2.3:8000'];
const weighted = (live: number, cand: number) =>
  `lb: apply ${[...GREEN.map((s) => `${s}*${live}`), ...BLUE.map((s) => `${s}*${cand}`)].join(' ')}`;

const live = () => fakeContext({ live: { pool: 'green', version: '1.0.0' } });

describe('deploy --steps', () => {
  it('10,50,100: the candidate enters at 10% (recorded as candidate), is sampled, goes to 50%, and 100% promotes it', async () => {
    const f = live();
    const res = await deploy(f.ctx, f.state, '2.0.0', false, [10, 50, 100]);

    expect(res.message).toBe(
      '2.0.0 live on blue (3 hosts); green 1.0.0 kept running outside the balancer (warm) until the next deploy',
    );
    expect(f.journal.matching(/^lb: apply/)).toEqual([
      weighted(9, 1),
      weighted(1, 1),
      `lb: apply ${BLUE.join(' ')}`,
    ]);
    expect(f.store.writes.map((w) => [w.live, w.candidate])).toEqual([
      ['green', 'blue'],
      ['green', 'blue'],
      ['blue', null],
    ]);
    // Each step is sampled after it was applied and recorded, before the next one.
    const j = f.journal;
    const [first, second] = [j.first(/^lb: apply .*\*9/), j.first(/^lb: apply .*\*1 .*\*1 .*\*1 .*\*1/)];
    const samples = j.lines.flatMap((l, i) => (BALANCER_URL.test(l.slice(6)) ? [i] : []));
    expect(samples.filter((i) => i > first && i < second).length).toBeGreaterThanOrEqual(10);
    expect(samples.filter((i) => i > second).length).toBeGreaterThanOrEqual(10);
    expect(f.log.infos).toContainEqual(
      expect.stringMatching(/^shift: step 10% passed: \d+ requests, 0 failed, p99 10ms$/),
    );
    expect(res.diff?.match(/^--- /gm)).toHaveLength(3);
    // The old pool is kept running (warm) after the 100% step: only retention looks at it.
    for (const h of ['g1', 'g2', 'g3'])
      expect(f.remote.commandsOn(h)).toEqual([expect.stringMatching(/^docker ps -a --no-trunc /)]);
  });

  it('a step over the error budget rolls the candidate back: out of the balancer, stopped; result rolled_back', async () => {
    const f = live();
    f.checker.fail(BALANCER_URL, 'status 500, expected 200');
    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false, [10, 100]));
    expect(err.rolledBack).toBe(true);
    expect(err.message).toMatch(
      /^2\.0\.0 failed at the 10% step and was rolled back: error rate 100\.0% > 1\.0% \((\d+) of \1; e\.g\. status 500, expected 200\) \(\1 requests, \1 failed, p99 10ms\)$/,
    );
    expect(f.journal.matching(/^lb: apply/)).toEqual([weighted(9, 1), `lb: apply ${GREEN.join(' ')}`]);
    expect(f.store.current.candidate).toBeNull();
    for (const h of ['b1', 'b2', 'b3'])
      expect(f.remote.commandsOn(h).at(-2)).toMatch(/^docker stop --time 5 webapp-2\.0\.0/);
  });

  it('a step over the p99 budget fails the same way', async () => {
    const f = live();
    f.checker.latencyMs = 1500;
    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false, [10, 100]));
    expect(err.rolledBack).toBe(true);
    expect(err.message).toMatch(/at the 10% step and was rolled back: p99 1500ms > 1000ms/);
  });

  it('the balancer refusing the first step: the candidate never entered, so its containers are just removed (not a rollback)', async () => {
    const f = live();
    f.balancers[0]!.failAt('test', 'invalid weight');
    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false, [10, 100]));
    expect(err.rolledBack).toBe(false);
    expect(err.message).toMatch(/rejected the new upstream, previous file restored: invalid weight/);
    for (const h of ['b1', 'b2', 'b3'])
      expect(f.remote.commandsOn(h).at(-1)).toMatch(
        /^docker rm --force webapp-2\.0\.0 >\/dev\/null 2>&1; true$/,
      );
    expect(f.remote.calls.some((c) => c.command.startsWith('docker stop'))).toBe(false);
    expect(f.store.writes).toEqual([]);
  });

  it('the balancer failing at a later step rolls the candidate back', async () => {
    const f = live();
    f.balancers[0]!.failAt('reload', 'nginx: [alert] kill(123, 1) failed', 1, 1);
    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false, [10, 50, 100]));
    expect(err.rolledBack).toBe(true);
    expect(err.message).toMatch(
      /^2\.0\.0 failed at the 50% step and was rolled back: balancer lb: `nginx -s reload` failed/,
    );
    expect(f.journal.matching(/^lb: apply/)).toEqual([
      weighted(9, 1),
      weighted(1, 1),
      `lb: apply ${GREEN.join(' ')}`,
    ]);
    expect(f.balancers[0]!.serverList).toEqual(GREEN);
    expect(f.store.current.candidate).toBeNull();
  });

  it('cancelled between steps: no further balancer change; the candidate stays recorded at its last step, for promote or rollback', async () => {
    const cancel = new AbortController();
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' }, signal: cancel.signal });
    f.checker.on(BALANCER_URL, () => {
      cancel.abort();
      return { ok: true };
    });
    const err = await failure(deploy(f.ctx, f.state, '2.0.0', false, [10, 50, 100]));
    expect(err.message).toBe('cancelled (SIGINT/SIGTERM); cleaning up what was started');
    expect(f.journal.matching(/^lb: apply/)).toEqual([weighted(9, 1)]);
    expect([f.store.current.live, f.store.current.candidate]).toEqual(['green', 'blue']);
  });
});
