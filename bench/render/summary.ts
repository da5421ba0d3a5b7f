// README's "Benchmarks" section: the headline figures of latest.json, pointing to
// bench/README.md for the tables.
import type { Results } from '../lib/results.js';
import { TOOL_NAMES } from '../lib/tools.js';
import { med, ratio, s } from './format.js';
import {
  compareRatios,
  floorRatio,
  overheadFigures,
  probeMs,
  rollbackTarget,
  verdictText,
} from './sections.js';

/** "the parallel script at 4 hosts (1.20×)" for every peer faster than bluegreen. */
const losses = (ratios: { hosts: number; tool: keyof typeof TOOL_NAMES; ratio: number }[]): string[] =>
  ratios
    .filter((x) => x.ratio > 1)
    .map((x) => `the ${TOOL_NAMES[x.tool]} at ${x.hosts} hosts (bluegreen ${ratio(x.ratio)}× its time)`);

export function readmeSummary(r: Results): string {
  const lines = [
    `Measured by \`npm run bench\` on ${r.at.slice(0, 10)} (commit \`${r.machine.commit}\`, ${r.machine.cores} cores, a lab of network-namespace hosts behind ${r.machine.lab.balancer}; medians of ${r.settings.reps}). Every table, the method and the caveats: [bench/README.md](bench/README.md).`,
    '',
  ];
  const fan = r.fanout ?? [];
  if (fan.length) {
    const big = Math.max(...r.settings.sizes);
    const wall = (cache: 'cold' | 'warm') =>
      med(
        fan.filter((x) => x.hosts === big && x.cache === cache),
        (x) => x.wallMs,
      );
    lines.push(
      `- **Deploy to ${big} hosts**: ${s(wall('cold'))} with a cold pull, ${s(wall('warm'))} with the image cached.`,
    );
  }
  const ratios = compareRatios(r).filter((x) => Number.isFinite(x.ratio));
  if (ratios.length)
    lines.push(
      `- **Against the same deploy by other tools** (bluegreen's time ÷ theirs, paired per repetition; below 1 = bluegreen faster): ${r.settings.compare
        .map(
          (n) =>
            `${n} hosts: ${ratios
              .filter((x) => x.hosts === n)
              .map((x) => `${TOOL_NAMES[x.tool]} ${ratio(x.ratio)}`)
              .join(', ')}`,
        )
        .join('; ')}.${
        losses(ratios).length ? ` Where bluegreen loses: ${losses(ratios).join('; ')}.` : ''
      }${(r.compare ?? []).some((x) => x.tool === 'ansible') ? '' : ` Ansible: not measured (${r.machine.ansible}).`}`,
    );
  for (const st of r.load ?? []) lines.push(`- Under load, ${verdictText(st)}`);
  const rb = r.rollback ?? [];
  if (rb.length)
    lines.push(
      `- **Rollback** until only the old version answers: ${(['candidate', 'warm', 'stopped'] as const)
        .map((kind) => {
          const target = rollbackTarget(r, kind);
          const latency = med(
            rb.filter((x) => x.kind === kind),
            (x) => x.latencyMs,
          );
          return `${kind === 'candidate' ? 'of a candidate' : kind === 'warm' ? 'to the warm old pool' : 'to the stopped old pool'} ${s(latency)}${target === undefined ? '' : ` (target ≤ ${s(target)})`}`;
        })
        .join(', ')}.`,
    );
  if (r.overhead?.records.length) {
    const b = overheadFigures(r, 'before', 'deploy');
    const a = overheadFigures(r, 'after', 'deploy');
    lines.push(
      `- **Engine overhead** of a deploy beyond the hosts' own work: ${s(b.beyond)} at \`${r.settings.beforeCommit}\`, ${s(a.beyond)} now (target ≤ ${s(r.settings.targets.engineOverheadMs)}); process start + exit ${s(b.process)} → ${s(a.process)}; \`--help\` ${s(probeMs(r, 'before', 'help'))} → ${s(probeMs(r, 'after', 'help'))}.`,
    );
  }
  if (r.floor?.records.length)
    lines.push(
      `- **\`deploy --promote\` on ${r.settings.floorHosts} cold hosts** against a hand-made parallel ssh script doing the same job: ${ratio(floorRatio(r, 'bluegreen-stop'))}× its time (target ≤ ${ratio(r.settings.targets.floorRatio)}); ${ratio(floorRatio(r, 'bluegreen-warm'))}× when the old pool is kept running (the default).`,
    );
  return lines.join('\n');
}
