// The render step: bench/README.md's tables, README's "Benchmarks" section and
// bench/results/fanout.svg, from latest.json alone (`npm run bench -- --render`). Each
// rendered part sits between `<!-- report:NAME:start -->` and `<!-- report:NAME:end -->`;
// everything outside the markers is hand-written and left as it is.
import { join } from 'node:path';
import { renderFiles, spliceSection } from '../../test/harness/results.js';
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
  transferSection,
} from './sections.js';
import { readmeSummary } from './summary.js';

const BENCH_SECTIONS: Record<string, (r: Results) => string> = {
  'bench-run': runSection,
  'bench-fanout': fanoutSection,
  'bench-compare': compareSection,
  'bench-transfer': transferSection,
  'bench-load': loadSection,
  'bench-retries': retriesSection,
  'bench-rollback': rollbackSection,
  'bench-overhead': overheadSection,
  'bench-floor': floorSection,
};

/** Renders every output; returns the files that changed (with `check`, writes nothing). */
export function renderAll(results: Results, opts: { check?: boolean } = {}): string[] {
  return renderFiles(
    [
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
    ],
    opts.check,
  );
}
