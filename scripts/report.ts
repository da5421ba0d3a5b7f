// `npm run report`: renders the figures the docs quote from the latest runs' JSON, so every
// number in docs/faults.md and in README's "Zero downtime" and "Reliability" sections comes
// from today's code. The suites write .results/*.json (ignored by git); the benchmark writes
// bench/results/latest.json and renders bench/README.md itself (`npm run bench -- --render`).
//   --check   exit 1 when a rendered file would change (nothing is written)
import { parseArgs } from 'node:util';
import type { FaultRow } from '../test/harness/faults.js';
import { formatWindows, type LoadReport } from '../test/harness/load.js';
import {
  readResults,
  renderFiles,
  spliceSection as splice,
  type RenderedFile,
} from '../test/harness/results.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const day = (iso: string) => iso.slice(0, 10);

function faultsDoc(): { doc: string; summary: string } {
  const file = readResults<FaultRow>('faults');
  const entries = Object.values(file.entries);
  if (entries.length === 0) throw new Error('.results/faults.json is missing: run the fault suites first');
  // Rows of the fault suites (an older file may hold other entries: only rows count).
  const rows = entries
    .filter((e) => typeof e.data?.family === 'string')
    .map((e) => ({ ...e.data, at: e.at }));
  const families = [...new Set(rows.map((r) => r.family))];
  const loaded = rows.filter((r) => r.load);
  const sent = loaded.reduce((n, r) => n + r.load!.sent, 0);
  const failed = loaded.reduce((n, r) => n + r.load!.failed + r.load!.non2xx, 0);
  const dates = [...new Set(rows.map((r) => day(r.at)))].sort();
  const loadCell = (r: FaultRow) =>
    r.load
      ? `${r.load.sent} sent, ${r.load.failed + r.load.non2xx} failed, ${r.load.idleResets} idle resets, p99 ${Math.round(r.load.p99Ms)} ms`
      : 'no load';
  const lines = [
    '# Faults and bad input: what the test runs observed',
    '',
    `Rendered by \`npm run report\` from the fault suites' latest results (test/e2e/faults-*.e2e.test.ts, run ${dates.join(', ')}); every figure comes from those runs.`,
    '',
    'Each scenario starts from green 1.0.0 live on 3 hosts behind nginx running in a Docker container (the classic setup), with',
    "the balancer's retries off (`proxy_next_upstream off`). Where the load column has figures, an open-loop load of 150 requests/s",
    '(40 % fresh-connection GETs, 40 % keep-alive GETs, 20 % fresh-connection POSTs, sent on schedule) ran through the balancer',
    'during the scenario: "failed" counts non-2xx answers, connection errors, timeouts, cut and reset responses and unexpected',
    'bodies; an idle keep-alive reset is counted apart and retried once (as browsers do), and its retry must succeed. "no load":',
    'the scenario refuses before anything runs (bad input) or checks something other than traffic. "left": app containers left',
    'on the blue hosts after a failed run.',
    '',
    `${rows.length} scenarios; ${loaded.length} under load: ${sent} requests, ${failed} failed.`,
    '',
  ];
  for (const family of families) {
    lines.push(
      `## ${family}`,
      '',
      '| fault | exit | balancer file unchanged | left | load | message |',
      '|---|---|---|---|---|---|',
    );
    for (const r of rows.filter((x) => x.family === family))
      lines.push(
        `| ${esc(r.fault)} | ${r.exit} | ${r.balancerUnchanged === undefined ? '-' : r.balancerUnchanged ? 'yes' : 'NO'} | ${r.leftovers ?? '-'} | ${loadCell(r)} | ${esc(r.message)} |`,
      );
    lines.push('');
  }
  const summary = `The fault suites' latest runs (${dates.join(', ')}): ${rows.length} scenarios, ${loaded.length} of them under an open-loop load with POSTs and the balancer's retries off — ${sent} requests sent, **${failed} failed**; the other ${rows.length - loaded.length} ran without load (bad input refused before anything runs, secrets, refusals). Every row: [docs/faults.md](docs/faults.md).`;
  return { doc: lines.join('\n'), summary };
}

function zeroDowntimeSection(): string {
  const engine = readResults<{ report: LoadReport; violations: string[] }>('engine');
  const e = engine.entries['deploy, promote, rollback'];
  if (!e)
    throw new Error(
      '.results/engine.json has no "deploy, promote, rollback" entry: run test/e2e/engine.e2e.test.ts',
    );
  const r = e.data.report;
  const streams = Object.entries(r.rates)
    .map(([s, n]) => `${s} ${n}/s`)
    .join(', ');
  return [
    `Measured by the engine suite on ${day(e.at)} (test/e2e/engine.e2e.test.ts), through nginx in a container with`,
    `\`proxy_next_upstream off\`: open-loop load (${streams}), one row per window; the verdict was`,
    `${e.data.violations.length === 0 ? '**zero downtime**' : `**${e.data.violations.length} violations**: ${e.data.violations.join('; ')}`}.`,
    '',
    '```text',
    formatWindows(r),
    '```',
  ].join('\n');
}

const outputs: RenderedFile[] = [];
const faults = faultsDoc();
outputs.push(['docs/faults.md', () => `${faults.doc.trimEnd()}\n`]);
outputs.push([
  'README.md',
  (old) =>
    splice(
      splice(old, 'reliability', faults.summary, 'README.md'),
      'zero-downtime',
      zeroDowntimeSection(),
      'README.md',
    ),
]);

const changed = renderFiles(outputs, values.check);
for (const rel of changed) console.log(values.check ? `${rel} would change` : `rendered ${rel}`);
if (values.check && changed.length) process.exit(1);
if (!changed.length) console.log('nothing to render: the docs already show the latest results');
