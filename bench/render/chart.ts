// bench/results/fanout.svg: bluegreen's deploy time against hosts (cold and cached), with
// the other tools at the sizes of the comparison.
import { lineChart } from '../lib/svg.js';
import type { Results } from '../lib/results.js';
import { TOOL_NAMES, type Tool } from '../lib/tools.js';
import { med } from './format.js';

const COLORS: Record<Exclude<Tool, 'bluegreen'>, string> = {
  parallel: '#1a7f37',
  sequential: '#d29922',
  ansible: '#cf222e',
};

export function fanoutChart(r: Results): string | undefined {
  const fan = r.fanout ?? [];
  if (!fan.length) return undefined;
  const sizes = r.settings.sizes;
  const compare = r.compare ?? [];
  const wall = (n: number, cache: 'cold' | 'warm') =>
    med(
      fan.filter((x) => x.hosts === n && x.cache === cache),
      (x) => x.wallMs,
    ) / 1000;
  const tool = (t: Tool, n: number) =>
    med(
      compare.filter((x) => x.tool === t && x.hosts === n),
      (x) => x.ms,
    ) / 1000;
  const c1 = wall(sizes[0]!, 'cold');
  const xs = [...new Set([...sizes, ...(compare.length ? r.settings.compare : [])])].sort((a, b) => a - b);
  return lineChart({
    title: 'bluegreen deploy: wall time against hosts',
    subtitle: `median of ${r.settings.reps}; ${r.machine.cores} cores, lab of netns hosts; labels: T(N)/T(1) cold`,
    xLabel: 'hosts deployed to (log scale)',
    yLabel: 'seconds',
    xs,
    series: [
      {
        label: 'bluegreen, cold pull',
        color: '#1f6feb',
        points: sizes.map((n) => ({
          x: n,
          y: wall(n, 'cold'),
          note: `×${(wall(n, 'cold') / c1).toFixed(2)}`,
        })),
      },
      {
        label: 'bluegreen, image cached',
        color: '#1f6feb',
        dashed: true,
        points: sizes.map((n) => ({ x: n, y: wall(n, 'warm') })),
      },
      ...(['parallel', 'sequential', 'ansible'] as const).map((t) => ({
        label: `${TOOL_NAMES[t]}, cold`,
        color: COLORS[t],
        points: r.settings.compare.map((n) => ({ x: n, y: tool(t, n) })),
      })),
    ].filter((series) => series.points.some((p) => Number.isFinite(p.y))),
  });
}
