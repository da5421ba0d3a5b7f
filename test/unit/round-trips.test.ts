import { describe, expect, it } from 'vitest';
import { createDriver } from '../../src/balancer/index.js';
import { BalancerSet } from '../../src/balancer/set.js';
import { LockFile } from '../../src/deploy/lock.js';
import { runCommand, type CommandArgs } from '../../src/deploy/run.js';
import { StateFile, statePath } from '../../src/deploy/state.js';
import type { Call } from '../fakes/remote.js';
import { fakeContext, type Fakes, type FakeOptions } from '../fakes/context.js';

// What a run costs in SSH execs to the balancer host: the real lock file, state record and
// nginx driver over the recording fake, with a balancer host that answers like one (a file,
// a state record, workers that a reload replaces). Every exec there takes a few ms, so the
// execs that were sent while none was running count the sequential round trips.

interface LbHost {
  calls: Call[];
  /** Execs sent to the balancer while no other was running there: the round trips one after another. */
  sequential: number;
}

async function realBalancer(opts: FakeOptions): Promise<{ f: Fakes; lb: LbHost }> {
  const f = fakeContext({
    ...opts,
    config: { balancer: { pid_file: '/run/nginx.pid', drain_timeout: '1s' } },
  });
  const path = statePath(f.config);
  let file = f.balancers[0]!.text;
  let state = f.store.text;
  let workers = [101, 102];
  let inflight = 0;
  const lb: LbHost = { calls: [], sequential: 0 };
  f.remote.on('lb', /./, async (call) => {
    lb.calls.push(call);
    if (inflight === 0) lb.sequential++;
    inflight++;
    await new Promise((r) => setTimeout(r, 3));
    inflight--;
    const c = call.command;
    if (c.includes('set -C; cat >')) return {};
    if (c.includes(path) && c.startsWith('if [ -e')) return { stdout: state };
    if (c.includes(path) && call.stdin !== undefined) {
      state = call.stdin;
      return {};
    }
    if (c.includes("awk '/worker process/")) return { stdout: workers.join('\n') };
    if (c.includes('nginx -s reload')) {
      workers = workers.map((p) => p + 10);
      return {};
    }
    if (call.stdin !== undefined) {
      file = call.stdin;
      return {};
    }
    if (c.includes(f.config.balancer.file!) && !c.includes('kill -0')) return { stdout: file };
    return {};
  });
  const shell = await f.remote.get({ name: 'lb', host: 'lb', port: 22 });
  return {
    f: {
      ...f,
      ctx: {
        ...f.ctx,
        balancer: new BalancerSet([createDriver('nginx', shell, f.config, f.log)], f.log),
        store: new StateFile(shell, path, f.config.app),
        lock: new LockFile(shell, `${path}.lock`),
      },
    },
    lb,
  };
}

function run(f: Fakes, args: CommandArgs) {
  return runCommand({ config: f.config, baseDir: '/work/app', log: f.log }, args, () =>
    Promise.resolve(f.ctx),
  );
}

describe('round trips to the balancer host', () => {
  it('a rollback to the warm old pool', async () => {
    const { f, lb } = await realBalancer({
      live: { pool: 'blue', version: '2.0.0' },
      previous: {
        pool: 'green',
        version: '1.0.0',
        hosts: ['g1', 'g2', 'g3'].map((n, i) => ({ name: n, host: n, port: 22, address: `10.0.1.${i + 1}` })),
        image: 'registry.test:5000/team/app',
        kept: 'warm',
      },
    });
    f.remote.on(undefined, /docker inspect --type container --format/, { stdout: 'running\n' });
    const { outcome, error } = await run(f, { command: 'rollback' });
    expect(error).toBeUndefined();
    expect(outcome.result).toBe('rolled_back');
    // lock; state ∥ file ∥ workers; workers ∥ write + test; reload + wait for new workers; wait
    // for the old ones (the drain); state; history + unlock. (Before: 13 execs, one after another.)
    expect(lb.calls).toHaveLength(10);
    expect(lb.sequential).toBe(7);
    const reload = lb.calls.filter((c) => c.command.includes('nginx -s reload'));
    expect(reload).toHaveLength(1);
    expect(reload[0]!.command).toContain('while [ "$i" -lt');
    const last = lb.calls.at(-1)!;
    expect(last.command).toMatch(/state\.json.* && \{ grep -q [0-9a-f]+ .*state\.json\.lock .*&& rm -f /s);
    expect(JSON.parse(last.stdin!).history).toHaveLength(1);
    // The old pool's hosts: one exec each (stop timers cancelled, container looked at) before the check.
    for (const h of ['g1', 'g2', 'g3']) expect(f.remote.commandsOn(h)).toHaveLength(1);
  });

  it('a promote that keeps the old pool warm', async () => {
    const { f, lb } = await realBalancer({
      live: { pool: 'green', version: '1.0.0' },
      candidate: { pool: 'blue', version: '2.0.0' },
    });
    const { outcome, error } = await run(f, { command: 'promote' });
    expect(error).toBeUndefined();
    expect(outcome.result).toBe('success');
    // The same shape as the rollback's balancer side (before: 13 execs, one after another).
    expect(lb.calls).toHaveLength(10);
    expect(lb.sequential).toBe(7);
  });
});
