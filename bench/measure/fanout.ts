// Fan-out: `bluegreen deploy` to 1…16 green hosts, first with the image pulled cold, then
// cached. Sizes go up in one repetition and down in the next, so the machine's drift
// spreads over all sizes.
import { resetLab } from '../../test/harness/lab.js';
import { stepsOf, type FanoutRecord } from '../lib/results.js';
import { configFor, makeCold, runBluegreen, V1, verifyServing } from '../lib/tools.js';
import { log, sec } from '../lib/util.js';
import type { BenchContext } from './context.js';

export async function measureFanout({ lab, settings }: BenchContext): Promise<FanoutRecord[]> {
  const out: FanoutRecord[] = [];
  for (let rep = 0; rep < settings.reps; rep++) {
    const order = rep % 2 ? [...settings.sizes].reverse() : settings.sizes;
    for (const n of order) {
      const targets = lab.hosts.green.slice(0, n);
      for (const cache of ['cold', 'warm'] as const) {
        await resetLab(lab);
        if (cache === 'cold') await makeCold(targets);
        const run = await runBluegreen(configFor(lab, n, 1), ['deploy', '--version', V1]);
        await verifyServing(lab, targets, V1);
        out.push({
          hosts: n,
          rep,
          cache,
          wallMs: run.ms,
          durationMs: run.outcome!.durationMs,
          steps: stepsOf(run.outcome!.hosts),
        });
        log(`fan-out ${rep + 1}/${settings.reps}: ${n} host(s), ${cache}: ${sec(run.ms)}`);
      }
    }
  }
  return out;
}
