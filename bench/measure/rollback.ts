// Rollback, three kinds, on pools of settings.storyHosts hosts: of a candidate (before
// promote), after promote while the old pool still runs (promote.keep_old's default), and
// after promote with the old pool stopped (keep_old: 0: docker start, no pull). Each is timed
// from the command's start until the balancer answers only the old version — a GET on a
// fresh connection every 20 ms, the first of ≥ 20 consecutive old answers — while the
// open-loop mix runs through the balancer (0 failed requests expected; the verdict is kept).
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet, resetLab, type Lab } from '../../test/harness/lab.js';
import { assertZeroDowntime, type LoadReport } from '../../test/harness/load.js';
import { mixedLoad } from '../../test/harness/zero-downtime.js';
import { summarize, type RollbackKind, type RollbackRecord } from '../lib/results.js';
import { configFor, runBluegreen, V1, V2, type ToolRun } from '../lib/tools.js';
import { log, sec } from '../lib/util.js';
import { settle, type BenchContext } from './context.js';

interface Timed {
  latencyMs: number;
  polls: number;
  failedPolls: number;
  run: ToolRun;
}

/** Runs `action` and polls until only `version` answers, for at least `consecutive` polls after it ended. */
async function timeUntilOnly(
  lab: Lab,
  version: string,
  poll: { everyMs: number; consecutive: number },
  action: () => Promise<ToolRun>,
): Promise<Timed> {
  const t0 = performance.now();
  const samples: { t: number; v: string }[] = [];
  let done = false;
  const running = action().finally(() => (done = true));
  running.catch(() => undefined); // awaited below; polling goes on meanwhile
  let consecutive = 0;
  for (;;) {
    const t = performance.now() - t0;
    let v: string;
    try {
      const r = await httpGet(lab.balancer.url, { timeoutMs: 2000 });
      v = r.status === 200 ? String(r.headers['x-version']) : `status ${r.status}`;
    } catch {
      v = 'error';
    }
    samples.push({ t, v });
    consecutive = v === version ? consecutive + 1 : 0;
    if (done && consecutive >= poll.consecutive) break;
    if (t > 120_000) throw new Error(`after 120 s the balancer still does not serve only ${version}`);
    await sleep(poll.everyMs);
  }
  return {
    latencyMs: samples[samples.length - consecutive]!.t,
    polls: samples.length,
    failedPolls: samples.filter((s) => s.v === 'error' || s.v.startsWith('status')).length,
    run: await running,
  };
}

async function timedRollback(
  ctx: BenchContext,
  kind: RollbackKind,
  rep: number,
  config: string,
): Promise<RollbackRecord> {
  const { lab, settings } = ctx;
  let stopped: LoadReport;
  const load = mixedLoad(lab.balancer.url, settings.loadRate, { firstWindow: 'steady' });
  let timed: Timed;
  try {
    await settle(1000);
    load.mark('rollback');
    timed = await timeUntilOnly(lab, V1, settings.rollbackPoll, () => runBluegreen(config, ['rollback']));
    load.mark('after');
    await settle(500);
  } finally {
    stopped = await load.stop();
  }
  const report = stopped;
  const violations = assertZeroDowntime(report, {
    maxIdleResets: 1,
    latency: { steady: 'steady', windows: ['rollback'] },
  });
  const rec: RollbackRecord = {
    kind,
    rep,
    latencyMs: timed.latencyMs,
    cliMs: timed.run.ms,
    polls: timed.polls,
    failedPolls: timed.failedPolls,
    steps: timed.run.outcome!.hosts.map((h) => `${h.host}: ${h.steps.map((s) => s.step).join(' ')}`).sort(),
    load: summarize(report, violations),
  };
  log(
    `rollback ${rep + 1}/${settings.reps}, ${kind}: ${sec(rec.latencyMs)} to only ${V1} (command ${sec(rec.cliMs)}); load: ${violations.length ? violations.join('; ') : 'zero downtime'}`,
  );
  return rec;
}

export async function measureRollback(ctx: BenchContext): Promise<RollbackRecord[]> {
  const { lab, settings } = ctx;
  const n = settings.storyHosts;
  const warm = configFor(lab, n, n);
  const stopped = configFor(lab, n, n, { promote: { keep_old: 0 } });
  const out: RollbackRecord[] = [];
  for (let rep = 0; rep < settings.reps; rep++) {
    // 1.0.0 live on green, 2.0.0 the candidate on blue → rollback of the candidate
    await resetLab(lab);
    await runBluegreen(warm, ['deploy', '--version', V1]);
    await runBluegreen(warm, ['deploy', '--version', V2]);
    out.push(await timedRollback(ctx, 'candidate', rep, warm));
    // 2.0.0 promoted on blue, 1.0.0 kept running on green → rollback to the warm pool
    await runBluegreen(warm, ['deploy', '--version', V2, '--promote']);
    out.push(await timedRollback(ctx, 'warm', rep, warm));
    // the same with keep_old 0: green's 1.0.0 stopped (kept) at promote → docker start
    await resetLab(lab);
    await runBluegreen(stopped, ['deploy', '--version', V1]);
    await runBluegreen(stopped, ['deploy', '--version', V2, '--promote']);
    out.push(await timedRollback(ctx, 'stopped', rep, stopped));
  }
  return out;
}
