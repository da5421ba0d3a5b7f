// The floor (issue #14): 1.0.0 live on settings.floorHosts green hosts, blue's images
// removed; then the whole job of `deploy --version 2.0.0 --promote` — pull, run, check on
// every blue host, switch the upstream to blue, reload, stop green — by a hand-made parallel
// ssh script (deploy.sh, PARALLEL=1, ORDER=switch-then-stop) and by bluegreen with
// promote.keep_old 0 (stops green too: the same job) and with its default (green kept
// running: the instant rollback). Paired per repetition, the order rotating. One more,
// untimed bluegreen run keeps its progress lines: where its time goes.
import { resetLab, type LabHost } from '../../test/harness/lab.js';
import { stepsOf, type FloorRecord, type FloorTool } from '../lib/results.js';
import {
  configFor,
  makeCold,
  runBluegreen,
  runBluegreenTimeline,
  runScript,
  V1,
  V2,
  verifyServing,
} from '../lib/tools.js';
import { log, sec } from '../lib/util.js';
import { poolsOf, type BenchContext } from './context.js';

const FLOOR_TOOLS: readonly FloorTool[] = ['floor', 'bluegreen-stop', 'bluegreen-warm'];

export async function measureFloor(
  ctx: BenchContext,
): Promise<{ records: FloorRecord[]; timeline: string[] }> {
  const { lab, settings } = ctx;
  const n = settings.floorHosts;
  const { green, blue } = poolsOf(lab, n);
  const stopOld = configFor(lab, n, n, { promote: { keep_old: 0 } });
  const keepOld = configFor(lab, n, n);
  const promote = ['deploy', '--version', V2, '--promote'];

  /** 1.0.0 live on green, set up by the tool itself; blue without images. */
  const prepare = async (tool: FloorTool, cold: LabHost[]) => {
    await resetLab(lab);
    if (tool === 'floor') await runScript(lab, { hosts: green, version: V1, parallel: true });
    else await runBluegreen(tool === 'bluegreen-stop' ? stopOld : keepOld, ['deploy', '--version', V1]);
    await makeCold(cold);
  };

  const records: FloorRecord[] = [];
  for (let rep = 0; rep < settings.reps; rep++) {
    const order = FLOOR_TOOLS.map((_, i) => FLOOR_TOOLS[(i + rep) % FLOOR_TOOLS.length]!);
    for (const tool of order) {
      await prepare(tool, blue);
      let rec: FloorRecord;
      if (tool === 'floor') {
        const run = await runScript(lab, {
          hosts: blue,
          version: V2,
          parallel: true,
          oldHosts: green,
          order: 'switch-then-stop',
        });
        rec = { tool, rep, ms: run.ms };
      } else {
        const run = await runBluegreen(tool === 'bluegreen-stop' ? stopOld : keepOld, promote);
        rec = {
          tool,
          rep,
          ms: run.ms,
          durationMs: run.outcome!.durationMs,
          steps: stepsOf(run.outcome!.hosts),
        };
      }
      await verifyServing(lab, blue, V2);
      records.push(rec);
      log(`floor ${rep + 1}/${settings.reps}: ${tool} on ${n} + ${n} hosts, cold: ${sec(rec.ms)}`);
    }
  }

  await prepare('bluegreen-stop', blue);
  const timeline = await runBluegreenTimeline(stopOld, promote);
  await verifyServing(lab, blue, V2);
  return { records, timeline };
}
