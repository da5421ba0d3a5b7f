// The render step: bench/README.md's tables, README's "Benchmarks" section and
// bench/results/fanout.svg, from latest.json alone (`npm run bench -- --render`). Each
// rendered part sits between `<!-- report:NAME:start -->` and `<!-- report:NAME:end -->`;
// everything outside the markers is hand-written and left as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/harness/bluegreen.js';
import { spliceSection } from '../../test/harness/results.js';
import type { Results } from '../lib/results.js';
import { fanoutChart } from './chart.js';
import {
  compareSection,
  fanoutSection,
  floorSection,
  loadSection,
  overheadSection,
  retriesSection,
  rollbackSection,
  runSection,
} from './sections.js';
import { readmeSummary } from './summary.js';

const BENCH_SECTIONS: Record<string, (r: Results) => string> = {
  'bench-run': runSection,
  'bench-fanout': fanoutSection,
  'bench-compare': compareSection,
  'bench-load': loadSection,
  'bench-retries': retriesSection,
  'bench-rollback': rollbackSection,
  'bench-overhead': overheadSection,
  'bench-floor': floorSection,
};

/** Renders every output; returns the files that changed (with `check`, writes nothing). */
export function renderAll(results: Results, opts: { check?: boolean } = {}): string[] {
  const outputs: [string, (old: string) => string | undefined][] = [
    [
      'bench/README.md',
      (old) =>
        Object.entries(BENCH_SECTIONS).reduce(
          (text, [name, render]) => spliceSection(text, name, render(results), 'bench/README.md'),
          old,
        ),
    ],
    ['README.md', (old) => spliceSection(old, 'bench', readmeSummary(results), 'README.md')],
    [join('bench/results', 'fanout.svg'), () => fanoutChart(results)],
  ];
  const changed: string[] = [];
  for (const [rel, render] of outputs) {
    const path = join(ROOT, rel);
    let old = '';
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      // a new file
    }
    const next = render(old);
    if (next === undefined || next === old) continue;
    changed.push(rel);
    if (!opts.check) writeFileSync(path, next);
  }
  return changed;
}
