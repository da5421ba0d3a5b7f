// The rendered parts of bench/README.md, one function per section, each from latest.json
// alone. Sentences that carry a figure are built here too, so the hand-written prose around
// them holds no number; where bluegreen loses, the text says so.
import {
  FAILURES,
  STREAMS,
  type Counts,
  type LoadReport,
  type WindowReport,
} from '../../test/harness/load.js';
import type {
  CompareRecord,
  FanoutRecord,
  FloorRecord,
  HostSteps,
  LoadStory,
  OverheadCommand,
  OverheadRecord,
  Results,
  RollbackKind,
  RollbackRecord,
  TransferRecord,
} from '../lib/results.js';
import { TOOL_NAMES, TOOLS, type Tool } from '../lib/tools.js';
import { median } from '../lib/util.js';
import { med, mdTable, msText, pairedRatio, ratio, s, verdict } from './format.js';

/** Why a section has no figures: it failed in this run (the error), or it was not asked for. */
const notMeasured = (r: Results, section: string): string => {
  const error = r.failed?.[section];
  return error
    ? `_Not measured: this section failed in this run (${error.split('\n')[0]})._`
    : '_Not measured in this run (see `--only`)._';
};
export const HOST_STEPS = ['connect', 'pull', 'start', 'check'] as const;

/** The slowest host's connect + pull + start + check. */
export function hostWork(steps: readonly HostSteps[]): number {
  return Math.max(0, ...steps.map((h) => HOST_STEPS.reduce((a, k) => a + (h[k] ?? 0), 0)));
}

// ------------------------------------------------------------------ the run
export function runSection(r: Results): string {
  const m = r.machine;
  const t = r.settings;
  const mix = STREAMS.map((st) => `${Math.round(t.mix[st] * 100)} % ${STREAM_NAMES[st]}`).join(', ');
  return [
    `Measured on ${r.at.slice(0, 10)} at commit \`${m.commit}\`, ${t.reps} repetition(s) of every timed run (medians below); the whole run took ${Math.round(r.benchMs / 60_000)} min, waiting for the lab lock included.`,
    '',
    mdTable([
      ['', 'this run'],
      ['machine', `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, kernel ${m.kernel}`],
      [
        'machine load',
        `load average ${m.loadBefore.toFixed(2)} when the lab lock was taken (others' work); ${m.cpuPressure === undefined ? 'CPU pressure not known' : `some task waited for a CPU during ${Math.round(m.cpuPressure * 100)} % of the measuring (Linux PSI, the lab's own work included)`}`,
      ],
      ['software', `Node ${m.node}, dockerd ${m.docker}, ${m.nginx}, ${m.openssh}, ${m.ansible}`],
      [
        'lab',
        `${m.lab.green} green + ${m.lab.blue} blue hosts, ${m.lab.balancer} (retries off unless a row says otherwise)`,
      ],
      [
        'checks (every tool)',
        `GET / → 200 containing "Hello", every ${t.checks.intervalMs} ms, up to ${t.checks.retries} times`,
      ],
      ['bluegreen', `ssh.concurrency ${t.sshConcurrency}`],
      [
        'Ansible',
        `forks = ${t.ansible.forks}, pipelining ${t.ansible.pipelining ? 'on' : 'off'}, check retries with delay ${t.ansible.checkDelaySeconds}`,
      ],
      ['load', `open loop, ${t.loadRate} requests/s through the balancer: ${mix}`],
    ]),
  ].join('\n');
}

const STREAM_NAMES = {
  freshGet: 'fresh-connection GETs',
  keepAliveGet: 'keep-alive GETs',
  freshPost: 'fresh-connection POSTs',
};

// ------------------------------------------------------------------ fan-out
export function fanoutSection(r: Results): string {
  const fan = r.fanout;
  if (!fan?.length) return notMeasured(r, 'fanout');
  const sizes = r.settings.sizes;
  const rows = (n: number, c: FanoutRecord['cache']) => fan.filter((x) => x.hosts === n && x.cache === c);
  const wall = (n: number, c: FanoutRecord['cache']) => med(rows(n, c), (x) => x.wallMs);
  const beyond = (n: number, c: FanoutRecord['cache']) =>
    n <= r.settings.sshConcurrency
      ? s(med(rows(n, c), (x) => x.durationMs - hostWork(x.steps)))
      : 'n/a (hosts queue)';
  const n0 = sizes[0]!;
  const table: (string | number)[][] = [
    [
      'hosts',
      'cold',
      'T(N)/T(1)',
      'cached',
      'T(N)/T(1)',
      'cold: per extra host',
      'engine beyond host work, cold',
      'cached',
    ],
  ];
  for (const n of sizes)
    table.push([
      n,
      s(wall(n, 'cold')),
      ratio(wall(n, 'cold') / wall(n0, 'cold')),
      s(wall(n, 'warm')),
      ratio(wall(n, 'warm') / wall(n0, 'warm')),
      n > n0 ? s((wall(n, 'cold') - wall(n0, 'cold')) / (n - n0)) : '',
      beyond(n, 'cold'),
      beyond(n, 'warm'),
    ]);
  const steps: (string | number)[][] = [['per host, median over all hosts and sizes', ...HOST_STEPS]];
  for (const cache of ['cold', 'warm'] as const) {
    const all = fan.filter((x) => x.cache === cache).flatMap((x) => x.steps);
    steps.push([
      cache === 'cold' ? 'cold' : 'cached',
      ...HOST_STEPS.map((k) => msText(med(all, (h) => h[k]))),
    ]);
  }
  return [mdTable(table), '', mdTable(steps)].join('\n');
}

// ------------------------------------------------------------------ tools
const PEERS = TOOLS.filter((t) => t !== 'bluegreen');

export function compareRatios(r: Results): { hosts: number; tool: Tool; ratio: number }[] {
  const cmp = r.compare ?? [];
  return r.settings.compare.flatMap((n) =>
    PEERS.map((tool) => {
      const of = (t: Tool) => cmp.filter((x) => x.hosts === n && x.tool === t);
      return { hosts: n, tool, ratio: pairedRatio(of('bluegreen'), of(tool), (x: CompareRecord) => x.ms) };
    }),
  );
}

export function compareSection(r: Results): string {
  const cmp = r.compare;
  if (!cmp?.length) return notMeasured(r, 'compare');
  const ratios = compareRatios(r);
  const table: (string | number)[][] = [
    ['hosts', ...TOOLS.map((t) => TOOL_NAMES[t]), ...PEERS.map((t) => `bluegreen ÷ ${TOOL_NAMES[t]}`)],
  ];
  // A tool this run could not use (Ansible not installed) gets no row of figures: it says so.
  const absent = (t: Tool) => !cmp.some((x) => x.tool === t);
  const missing = TOOLS.filter(absent).map(
    (t) => `${TOOL_NAMES[t]}: not measured (${t === 'ansible' ? r.machine.ansible : 'not run'})`,
  );
  for (const n of r.settings.compare)
    table.push([
      n,
      ...TOOLS.map((t) =>
        absent(t)
          ? 'not measured'
          : s(
              med(
                cmp.filter((x) => x.hosts === n && x.tool === t),
                (x) => x.ms,
              ),
            ),
      ),
      ...PEERS.map((t) => ratio(ratios.find((x) => x.hosts === n && x.tool === t)!.ratio)),
    ]);
  const losses = ratios.filter((x) => x.ratio > 1);
  const text = losses.length
    ? `Where bluegreen loses: ${losses
        .map(
          (x) =>
            `at ${x.hosts} hosts the ${TOOL_NAMES[x.tool]} is faster (bluegreen takes ${ratio(x.ratio)}× its time)`,
        )
        .join(
          '; ',
        )}. bluegreen does more on the way: it resolves the tag to a digest, takes a lock, keeps a state record, confirms the reload by new nginx workers, waits for the old ones to drain and verifies through the balancer.`
    : 'bluegreen was faster than every peer at every size measured.';
  return [
    mdTable(table),
    '',
    `Ratios below 1: bluegreen is faster (each ratio is the median over repetitions of bluegreen's time ÷ the peer's in the same repetition). ${text}`,
    ...(missing.length ? ['', `${missing.join('; ')}.`] : []),
  ].join('\n');
}

// ------------------------------------------------------------------ under load
const failedOf = (c: Counts) => c.non2xx + c.failures;

function windowRow(story: LoadStory, w: WindowReport): (string | number)[] {
  return [
    story.story,
    w.name,
    s(w.durationMs),
    w.sent,
    w.non2xx,
    w.failures,
    w.idleResets,
    msText(w.latencyMs.p50),
    msText(w.latencyMs.p99),
    msText(w.latencyMs.max),
  ];
}

export function verdictText(story: LoadStory): string {
  const t = story.report.total;
  const figures = `${t.sent} requests, ${failedOf(t)} failed (${t.non2xx} non-2xx${classes(t)}), ${t.idleResets} idle keep-alive resets; the load generator sent up to ${msText(story.report.maxSendLagMs)} late`;
  return story.violations.length === 0
    ? `**${story.story}**: zero downtime — ${figures}.`
    : `**${story.story}**: ${story.violations.length} violation(s) — ${figures}: ${story.violations.join('; ')}.`;
}

const classes = (c: Counts) =>
  FAILURES.filter((o) => c[o] > 0)
    .map((o) => `, ${o} ${c[o]}`)
    .join('');

export function loadSection(r: Results): string {
  const stories = r.load;
  if (!stories?.length) return notMeasured(r, 'load');
  const table: (string | number)[][] = [
    ['story', 'window', 'time', 'sent', 'non-2xx', 'failed', 'idle resets', 'p50', 'p99', 'max'],
  ];
  for (const st of stories) for (const w of st.report.windows) table.push(windowRow(st, w));
  const lines = [mdTable(table), '', ...stories.map((st) => `- ${verdictText(st)}`)];
  const losses = loadLosses(stories);
  if (losses.length) lines.push('', `Where bluegreen loses: ${losses.join('; ')}.`);
  return lines.join('\n');
}

/** The worst p99 of the windows in which the tool works. */
const actionP99 = (st: LoadStory) =>
  Math.max(0, ...st.report.windows.filter((w) => st.actions.includes(w.name)).map((w) => w.latencyMs.p99));

/** Sentences for every script story that did better than bluegreen's (a verdict, or a lower p99 while at work). */
export function loadLosses(stories: readonly LoadStory[]): string[] {
  const bg = stories.find((x) => x.tool === 'bluegreen');
  if (!bg) return [];
  const out: string[] = [];
  if (bg.violations.length) {
    const clean = stories.filter((x) => x !== bg && x.violations.length === 0).map((x) => `the ${x.story}`);
    out.push(
      `bluegreen's story broke the zero-downtime rules (${bg.violations.length} violation(s))${clean.length ? `, which ${clean.join(' and ')} kept` : ''}`,
    );
  }
  for (const st of stories)
    if (st !== bg && actionP99(st) < actionP99(bg))
      out.push(
        `while at work, the ${st.story}'s p99 was ${msText(actionP99(st))} against bluegreen's ${msText(actionP99(bg))} (its worst window)`,
      );
  return out;
}

// ------------------------------------------------------------------ retries
export function retriesSection(r: Results): string {
  const runs = r.retries;
  if (!runs?.length) return notMeasured(r, 'retries');
  const per = (rep: LoadReport, st: (typeof STREAMS)[number]) => {
    const c = rep.total.streams[st];
    return `${failedOf(c)} of ${c.sent}`;
  };
  const table: (string | number)[][] = [
    ['nginx proxy_next_upstream', ...STREAMS.map((st) => `${STREAM_NAMES[st]} failed`), 'verdict'],
  ];
  for (const run of runs)
    table.push([
      run.retries === 'default' ? 'default (error timeout)' : 'off (as the lab runs it)',
      ...STREAMS.map((st) => per(run.story.report, st)),
      run.story.violations.length ? `${run.story.violations.length} violation(s)` : 'zero downtime',
    ]);
  const gets = (run: (typeof runs)[number]) =>
    failedOf(run.story.report.total.streams.freshGet) + failedOf(run.story.report.total.streams.keepAliveGet);
  const posts = (run: (typeof runs)[number]) => failedOf(run.story.report.total.streams.freshPost);
  const def = runs.find((x) => x.retries === 'default');
  const off = runs.find((x) => x.retries === 'off');
  const text =
    def && off
      ? `With nginx's default retries, ${gets(def)} GETs failed (${gets(off)} with retries off) and ${posts(def)} POSTs (${posts(off)} with retries off).`
      : '';
  return [mdTable(table), '', text].join('\n');
}

// ------------------------------------------------------------------ rollback
const KIND_NAMES: Record<RollbackKind, string> = {
  candidate: 'of a candidate (before promote)',
  warm: 'after promote, old pool warm (keep_old default)',
  stopped: 'after promote, old pool stopped (keep_old: 0)',
};

export function rollbackTarget(r: Results, kind: RollbackKind): number | undefined {
  const t = r.settings.targets;
  return kind === 'warm' ? t.warmRollbackMs : kind === 'stopped' ? t.stoppedRollbackMs : undefined;
}

function loadCell(rs: RollbackRecord[]): string {
  const loaded = rs.filter((x) => x.load);
  if (loaded.length === 0) return 'no load';
  const sent = loaded.reduce((a, x) => a + x.load!.sent, 0);
  const failed = loaded.reduce((a, x) => a + x.load!.failures + x.load!.non2xx, 0);
  const bad = loaded.filter((x) => x.load!.violations.length);
  const unloaded = rs.length - loaded.length;
  return `${failed} failed of ${sent}; ${bad.length ? `**${bad.length} of ${loaded.length} runs with violations**` : 'zero downtime in every run'}${unloaded ? `; ${unloaded} run(s) no load` : ''}`;
}

export function rollbackSection(r: Results): string {
  const rb = r.rollback;
  if (!rb?.length) return notMeasured(r, 'rollback');
  const table: (string | number)[][] = [
    [
      'rollback',
      'until only the old version answers',
      'range',
      'command',
      'target',
      '',
      'failed polls',
      'under load',
      'per host',
    ],
  ];
  const missed: string[] = [];
  for (const kind of ['candidate', 'warm', 'stopped'] as const) {
    const rs = rb.filter((x) => x.kind === kind);
    if (!rs.length) continue;
    const latency = med(rs, (x) => x.latencyMs);
    const target = rollbackTarget(r, kind);
    if (target !== undefined && !(latency <= target))
      missed.push(`${KIND_NAMES[kind]}: ${s(latency)}, target ${s(target)}`);
    const lat = rs.map((x) => x.latencyMs);
    table.push([
      KIND_NAMES[kind],
      s(latency),
      `${s(Math.min(...lat))} – ${s(Math.max(...lat))}`,
      s(med(rs, (x) => x.cliMs)),
      target === undefined ? '' : `≤ ${s(target)}`,
      target === undefined ? '' : verdict(latency, target),
      rs.reduce((a, x) => a + x.failedPolls, 0),
      loadCell(rs),
      [...new Set(rs[0]!.steps.map((l) => l.replace(/^\S+: /, '')))].join(' / ') || '(none)',
    ]);
  }
  const text = missed.length ? `Targets missed: ${missed.join('; ')}.` : 'Every rollback target was met.';
  return [mdTable(table), '', text].join('\n');
}

// ------------------------------------------------------------------ overhead
const COMMANDS: readonly OverheadCommand[] = ['deploy', 'promote', 'rollback', 'status'];

export function overheadFigures(r: Results, cli: 'before' | 'after', command: OverheadCommand) {
  const rs = (r.overhead?.records ?? []).filter((x) => x.cli === cli && x.command === command);
  return {
    wall: med(rs, (x) => x.wallMs),
    hostWork: med(rs, (x) => hostWork(x.steps)),
    beyond: med(rs, (x: OverheadRecord) => x.durationMs - hostWork(x.steps)),
    process: med(rs, (x) => x.wallMs - x.durationMs),
  };
}

export function probeMs(r: Results, cli: 'before' | 'after', probe: 'help' | 'validate'): number | undefined {
  const p = r.overhead?.process.find((x) => x.cli === cli && x.probe === probe);
  return p?.ms ? med(p.ms, (x) => x) : undefined;
}

export function overheadSection(r: Results): string {
  if (!r.overhead?.records.length) return notMeasured(r, 'overhead');
  const before = `before (\`${r.settings.beforeCommit}\`)`;
  const table: (string | number)[][] = [
    [
      'command',
      `wall, ${before}`,
      'wall, after',
      "slowest host's work, after",
      `engine beyond host work, ${before}`,
      'after',
      `process start + exit, ${before}`,
      'after',
    ],
  ];
  for (const c of COMMANDS) {
    const b = overheadFigures(r, 'before', c);
    const a = overheadFigures(r, 'after', c);
    table.push([
      c,
      s(b.wall),
      s(a.wall),
      s(a.hostWork),
      s(b.beyond),
      s(a.beyond),
      s(b.process),
      s(a.process),
    ]);
  }
  for (const probe of ['help', 'validate'] as const) {
    const b = probeMs(r, 'before', probe);
    const a = probeMs(r, 'after', probe);
    const name = probe === 'help' ? '`--help` alone' : '`validate` alone';
    table.push([name, '', '', '', '', '', b === undefined ? 'n/a (no such command)' : s(b), s(a)]);
  }
  const t = r.settings.targets;
  const deploy = overheadFigures(r, 'after', 'deploy');
  const misses: string[] = [];
  if (!(deploy.beyond <= t.engineOverheadMs))
    misses.push(
      `a deploy's engine time beyond the hosts' work is ${s(deploy.beyond)} (target ≤ ${s(t.engineOverheadMs)})`,
    );
  if (!(deploy.process <= t.processMs))
    misses.push(`a deploy's process start + exit is ${s(deploy.process)} (target ≤ ${s(t.processMs)})`);
  const text = misses.length ? `Targets missed: ${misses.join('; ')}.` : 'The overhead targets were met.';
  return [
    mdTable(table),
    '',
    text,
    '',
    ...timelines(r.overhead.timelines, "today's CLI, each command once more without `--json`"),
  ].join('\n');
}

/** Progress lines of extra runs, folded away. */
function timelines(runs: readonly string[][], what: string): string[] {
  if (!runs.length) return [];
  return [
    '<details>',
    `<summary>Where the time goes: ${what}, its own progress lines (seconds since it started)</summary>`,
    '',
    '```text',
    ...runs.flatMap((lines, i) => (i ? ['', ...lines] : lines)),
    '```',
    '',
    '</details>',
  ];
}

// ------------------------------------------------------------------ transfer (registry: none)
export function transferSection(r: Results): string {
  const recs = r.transfer ?? [];
  if (!recs.length) return notMeasured(r, 'transfer');
  const table: (string | number)[][] = [
    ['hosts', 'image from', 'deploy (wall)', 'per host: median', 'per host: slowest', '÷ registry (wall)'],
  ];
  const sizes = [...new Set(recs.map((x) => x.hosts))].sort((a, b) => a - b);
  const byHost = (x: TransferRecord) => median(x.stepMs);
  const slowest = (x: TransferRecord) => Math.max(0, ...x.stepMs);
  for (const n of sizes) {
    const reg = recs.filter((x) => x.hosts === n && x.via === 'registry');
    const ssh = recs.filter((x) => x.hosts === n && x.via === 'ssh');
    table.push([
      n,
      'registry (pull)',
      s(med(reg, (x) => x.wallMs)),
      s(med(reg, byHost)),
      s(med(reg, slowest)),
      '',
    ]);
    table.push([
      n,
      'this machine over SSH (registry: none)',
      s(med(ssh, (x) => x.wallMs)),
      s(med(ssh, byHost)),
      s(med(ssh, slowest)),
      ratio(pairedRatio(ssh, reg, (x: TransferRecord) => x.wallMs)),
    ]);
  }
  const size = recs.find((x) => x.detail)?.detail?.replace(/ streamed from this machine$/, '');
  return [
    mdTable(table),
    '',
    `Cold hosts, \`deploy --version 1.0.0\`; the per-host figures are the hosts' \`pull\` or \`transfer\` step${size ? ` (the compressed archive: ${size})` : ''}. Streaming sends the archive once per host through the machine running bluegreen and its SSH connections, at most ${r.settings.sshConcurrency} at a time; a registry serves every host itself.`,
  ].join('\n');
}

// ------------------------------------------------------------------ floor
const FLOOR_NAMES = {
  floor: 'hand-made parallel ssh script (the floor)',
  'bluegreen-stop': 'bluegreen, promote.keep_old 0 (stops the old pool: the same job)',
  'bluegreen-warm': 'bluegreen, default (old pool kept running)',
} as const;

export function floorRatio(r: Results, tool: 'bluegreen-stop' | 'bluegreen-warm'): number {
  const recs = r.floor?.records ?? [];
  return pairedRatio(
    recs.filter((x) => x.tool === tool),
    recs.filter((x) => x.tool === 'floor'),
    (x: FloorRecord) => x.ms,
  );
}

export function floorSection(r: Results): string {
  const f = r.floor;
  if (!f?.records.length) return notMeasured(r, 'floor');
  const target = r.settings.targets.floorRatio;
  const table: (string | number)[][] = [['tool', 'time', 'engine (durationMs)', '÷ floor', 'target', '']];
  for (const tool of ['floor', 'bluegreen-stop', 'bluegreen-warm'] as const) {
    const rs = f.records.filter((x) => x.tool === tool);
    const q = tool === 'floor' ? undefined : floorRatio(r, tool);
    table.push([
      FLOOR_NAMES[tool],
      s(med(rs, (x) => x.ms)),
      tool === 'floor' ? '' : s(med(rs, (x) => x.durationMs)),
      q === undefined ? '' : ratio(q),
      tool === 'bluegreen-stop' ? `≤ ${ratio(target)}` : '',
      tool === 'bluegreen-stop' ? verdict(q!, target) : '',
    ]);
  }
  const q = floorRatio(r, 'bluegreen-stop');
  const text =
    q <= target
      ? `bluegreen doing the same job took ${ratio(q)}× the floor's time: within the target.`
      : `bluegreen loses here: doing the same job it took ${ratio(q)}× the floor's time (target ≤ ${ratio(target)}).`;
  return [
    mdTable(table),
    '',
    text,
    '',
    ...timelines(
      [f.timeline],
      `one more run of bluegreen doing the same job on ${r.settings.floorHosts} + ${r.settings.floorHosts} hosts (not in the table)`,
    ),
  ].join('\n');
}
