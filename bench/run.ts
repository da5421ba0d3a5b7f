// `npm run bench`: how fast a bluegreen deploy is, how it scales with hosts, whether any
// request fails — side by side with a plain bash script and an Ansible playbook doing the
// same job on the same lab. Prints tables; writes bench/results/latest.json and fanout.svg.
// See bench/README.md for what is measured and how to read it.
//   --reps N          repetitions of every timed run (default 3)
//   --sizes LIST      fan-out host counts (default 1,2,4,8,16)
//   --compare LIST    host counts of the tool comparison (default 4,16)
//   --only LIST       sections: fanout,compare,load,rollback,overhead (default all)
//   --keep            leave the lab up afterwards
//   --no-build        use dist/ as it is (default: npm run build first)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { CLI, ROOT } from '../test/harness/bluegreen.js';
import { httpGet, loadLab, resetLab, type Lab, type LabHost } from '../test/harness/lab.js';
import { holdLabLock } from '../test/harness/lab-lock.js';
import { startLoad, type LoadReport } from '../test/harness/closed-loop-load.js';
import { lineChart } from './lib/svg.js';
import {
  configFor,
  dockerAt,
  ensureAnsible,
  makeCold,
  runAnsible,
  runBluegreen,
  runScript,
  TOOLS,
  verifyServing,
  type Tool,
  type ToolRun,
} from './lib/tools.js';
import { exec, log, median, round, sec, table } from './lib/util.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '1,2,4,8,16' },
    compare: { type: 'string', default: '4,16' },
    only: { type: 'string', default: 'fanout,compare,load,rollback,overhead' },
    keep: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run bench [-- OPTIONS]   (as root, on Debian; holds the lab lock)
  --reps N          repetitions of every timed run (default 3)
  --sizes LIST      fan-out host counts (default 1,2,4,8,16)
  --compare LIST    host counts of the tool comparison (default 4,16)
  --only LIST       sections: fanout,compare,load,rollback,overhead (default all)
  --keep            leave the lab up afterwards
  --no-build        use dist/ as it is (default: npm run build first)`);
  process.exit(0);
}
if (process.getuid?.() !== 0) {
  console.error('the benchmark builds the lab (network namespaces, sshd, dockerd): run it as root');
  process.exit(2);
}
const list = (s: string) => s.split(',').map((x) => Number(x.trim()));
const REPS = Number(values.reps);
const SIZES = list(values.sizes);
const COMPARE = list(values.compare);
const ONLY = new Set(values.only.split(',').map((s) => s.trim()));
const LOAD = { ratePerSecond: 300, workers: 12 };
const STORY_HOSTS = 4;
const RESULTS = join(ROOT, 'bench/results');
const V1 = '1.0.0';
const V2 = '2.0.0';

// ------------------------------------------------------------------ fan-out
interface DeployRecord {
  hosts: number;
  rep: number;
  cache: 'cold' | 'warm';
  wallMs: number;
  durationMs: number;
  /** per host: step name → ms (connect, pull, start, check) */
  steps: Record<string, number>[];
}

async function fanout(lab: Lab): Promise<DeployRecord[]> {
  const out: DeployRecord[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    // ascending, then descending: slow drift of the machine spreads over all sizes
    const order = rep % 2 ? [...SIZES].reverse() : SIZES;
    for (const n of order) {
      const targets = lab.hosts.green.slice(0, n);
      for (const cache of ['cold', 'warm'] as const) {
        await resetLab(lab);
        if (cache === 'cold') await makeCold(targets);
        const run = await runBluegreen(configFor(lab, n, 1), ['deploy', '--version', V1]);
        await verifyServing(lab, targets, V1);
        const rec: DeployRecord = {
          hosts: n,
          rep,
          cache,
          wallMs: run.ms,
          durationMs: run.outcome!.durationMs,
          steps: run.outcome!.hosts.map((h) => Object.fromEntries(h.steps.map((s) => [s.step, s.ms]))),
        };
        out.push(rec);
        log(`fan-out rep ${rep + 1}/${REPS}: ${n} host(s), ${cache}: ${sec(rec.wallMs)}`);
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------ comparison
interface CompareRecord {
  tool: Tool;
  hosts: number;
  rep: number;
  ms: number;
}

function runTool(lab: Lab, tool: Tool, targets: LabHost[]): Promise<ToolRun> {
  switch (tool) {
    case 'bluegreen':
      return runBluegreen(configFor(lab, targets.length, 1), ['deploy', '--version', V1]);
    case 'script':
      return runScript(lab, targets, V1);
    case 'ansible':
      return runAnsible(lab, targets, V1);
  }
}

async function compare(lab: Lab): Promise<CompareRecord[]> {
  // one untimed run of each tool first: page cache, python byte code, ssh
  for (const tool of TOOLS) {
    await resetLab(lab);
    await runTool(lab, tool, lab.hosts.green.slice(0, 1));
  }
  const out: CompareRecord[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    for (const n of COMPARE) {
      const targets = lab.hosts.green.slice(0, n);
      // alternate the order: every tool goes first, second and third
      const order = TOOLS.map((_, i) => TOOLS[(i + rep) % TOOLS.length]!);
      for (const tool of order) {
        await resetLab(lab);
        await makeCold(targets);
        const run = await runTool(lab, tool, targets);
        await verifyServing(lab, targets, V1);
        out.push({ tool, hosts: n, rep, ms: run.ms });
        log(`compare rep ${rep + 1}/${REPS}: ${tool} on ${n} host(s), cold: ${sec(run.ms)}`);
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------ zero downtime under load
interface Window {
  story: 'bluegreen' | 'script';
  phase: string;
  cutover: boolean;
  ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  keepAliveResets: number;
  p50: number;
  p99: number;
  max: number;
  errorSamples: string[];
}

async function window(
  lab: Lab,
  story: Window['story'],
  phase: string,
  fn: () => Promise<unknown>,
  cutover = true,
): Promise<Window> {
  const load = startLoad({ url: lab.balancer.url, ...LOAD, maxDurationMs: 180_000, maxRequests: 60_000 });
  const started = performance.now();
  let r: LoadReport;
  try {
    await fn();
  } finally {
    r = await load.stop();
  }
  const w: Window = {
    story,
    phase,
    cutover,
    ms: performance.now() - started,
    requests: r.requests,
    non2xx: r.non2xx,
    errors: r.errors,
    keepAliveResets: r.keepAliveResets,
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    max: r.latencyMs.max,
    errorSamples: r.errorSamples.slice(0, 3),
  };
  log(
    `load ${story} / ${phase}: ${w.requests} requests, ${w.non2xx} non-2xx, ${w.errors} errors, ${w.keepAliveResets} keep-alive resets, p99 ${w.p99}ms`,
  );
  return w;
}

async function underLoad(lab: Lab): Promise<Window[]> {
  const green = lab.hosts.green.slice(0, STORY_HOSTS);
  const blue = lab.hosts.blue.slice(0, STORY_HOSTS);
  const cfg = configFor(lab, STORY_HOSTS, STORY_HOSTS);
  const steady = (label: string) => () => sleep(label === 'before' ? 3000 : 2000);
  const out: Window[] = [];

  await resetLab(lab);
  await makeCold([...green, ...blue]);
  await runBluegreen(cfg, ['deploy', '--version', V1]);
  out.push(await window(lab, 'bluegreen', `steady (${V1} on green)`, steady('before'), false));
  out.push(
    await window(lab, 'bluegreen', `deploy ${V2} → blue`, () =>
      runBluegreen(cfg, ['deploy', '--version', V2]),
    ),
  );
  out.push(await window(lab, 'bluegreen', 'steady (both pools)', steady('after'), false));
  out.push(await window(lab, 'bluegreen', 'promote blue', () => runBluegreen(cfg, ['promote'])));
  out.push(await window(lab, 'bluegreen', `steady (${V2} on blue)`, steady('after'), false));
  out.push(
    await window(lab, 'bluegreen', `rollback → ${V1} on green`, () => runBluegreen(cfg, ['rollback'])),
  );
  out.push(await window(lab, 'bluegreen', `steady (${V1} on green)`, steady('after'), false));
  await verifyServing(lab, green, V1);

  await resetLab(lab);
  await makeCold([...green, ...blue]);
  await runScript(lab, green, V1);
  out.push(await window(lab, 'script', `steady (${V1} on green)`, steady('before'), false));
  out.push(
    await window(lab, 'script', `deploy ${V2} → blue, stop green, reload`, () =>
      runScript(lab, blue, V2, green),
    ),
  );
  out.push(await window(lab, 'script', `steady (${V2} on blue)`, steady('after'), false));
  await verifyServing(lab, blue, V2);
  return out;
}

// ------------------------------------------------------------------ rollback latency
interface RollbackRecord {
  kind: 'candidate' | 'promoted';
  rep: number;
  /** from `bluegreen rollback` start until the first of ≥ 20 consecutive old-version answers */
  latencyMs: number;
  cliMs: number;
  samples: number;
  failed: number;
}

async function timeUntilAll(lab: Lab, version: string, action: () => Promise<ToolRun>) {
  const t0 = performance.now();
  const samples: { t: number; v: string }[] = [];
  let done = false;
  const cli = action().finally(() => (done = true));
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
    if (done && consecutive >= 20) break;
    if (t > 120_000) throw new Error(`after 120 s nginx still does not serve only ${version}`);
    await sleep(20);
  }
  const res = await cli;
  return {
    latencyMs: samples[samples.length - consecutive]!.t,
    cliMs: res.ms,
    samples: samples.length,
    failed: samples.filter((s) => s.v === 'error' || s.v.startsWith('status')).length,
  };
}

async function rollbackLatency(lab: Lab): Promise<RollbackRecord[]> {
  const cfg = configFor(lab, STORY_HOSTS, STORY_HOSTS);
  const out: RollbackRecord[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    await resetLab(lab);
    await runBluegreen(cfg, ['deploy', '--version', V1]);
    await runBluegreen(cfg, ['deploy', '--version', V2]);
    const cand = await timeUntilAll(lab, V1, () => runBluegreen(cfg, ['rollback']));
    out.push({ kind: 'candidate', rep, ...cand });
    await runBluegreen(cfg, ['deploy', '--version', V2, '--promote']);
    const prom = await timeUntilAll(lab, V1, () => runBluegreen(cfg, ['rollback']));
    out.push({ kind: 'promoted', rep, ...prom });
    log(
      `rollback rep ${rep + 1}/${REPS}: candidate ${sec(cand.latencyMs)}, after promote ${sec(prom.latencyMs)}`,
    );
  }
  return out;
}

// ------------------------------------------------------------------ overhead
function cliStartup(): number[] {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [CLI, '--help'], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${CLI} --help exited ${r.status}`);
    times.push(performance.now() - t);
  }
  return times;
}

function bundle(file: string) {
  const data = readFileSync(join(ROOT, file));
  return { file, bytes: statSync(join(ROOT, file)).size, gzipBytes: gzipSync(data).length };
}

const HOST_STEPS = ['connect', 'pull', 'start', 'check'];
function overheadOf(r: DeployRecord) {
  const hostWork = Math.max(...r.steps.map((s) => HOST_STEPS.reduce((a, k) => a + (s[k] ?? 0), 0)));
  return {
    hosts: r.hosts,
    cache: r.cache,
    wallMs: r.wallMs,
    durationMs: r.durationMs,
    /** the slowest host's connect + pull + start + check */
    hostWorkMs: hostWork,
    /** what the engine adds around the host work (lock, state, balancer switch + drain, verify) */
    beyondMs: r.durationMs - hostWork,
    /** process start, config load, printing */
    processMs: r.wallMs - r.durationMs,
  };
}

// ------------------------------------------------------------------ machine
async function machine(lab: Lab, ansible: string) {
  const first = async (file: string, args: string[]) => {
    const r = await exec(file, args);
    return (r.stdout + r.stderr).trim().split('\n')[0] ?? '';
  };
  const osRelease = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? '';
  return {
    os: osRelease,
    kernel: os.release(),
    cpu: os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    docker: (await dockerAt(lab.dockerhost, ['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
    nginx: (await first('nginx', ['-v'])).replace(/^nginx version: /, ''),
    openssh: await first('ssh', ['-V']),
    ansible,
    lab: `${lab.hosts.green.length} green + ${lab.hosts.blue.length} blue hosts + dockerhost (nginx), netns + sshd + dockerd each`,
  };
}

// ------------------------------------------------------------------ report
function report(results: Results): string {
  const lines: string[] = [];
  const m = results.machine;
  lines.push(
    `bluegreen benchmark — ${results.at}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, kernel ${m.kernel}`,
    `         node ${m.node}, dockerd ${m.docker}, nginx ${m.nginx}, ${m.openssh}, ${m.ansible}`,
    `lab: ${m.lab}; ${REPS} repetitions, medians`,
  );
  const fan = results.fanout;
  if (fan.length) {
    const rows: (string | number)[][] = [
      ['hosts', 'cold T(N)', 'T(N)/T(1)', 'warm T(N)', 'T(N)/T(1)', 'cold per extra host'],
    ];
    const med = (n: number, c: string) =>
      median(fan.filter((r) => r.hosts === n && r.cache === c).map((r) => r.wallMs));
    const c1 = med(SIZES[0]!, 'cold');
    const w1 = med(SIZES[0]!, 'warm');
    for (const n of SIZES) {
      const c = med(n, 'cold');
      const w = med(n, 'warm');
      rows.push([
        n,
        sec(c),
        (c / c1).toFixed(2),
        sec(w),
        (w / w1).toFixed(2),
        n > SIZES[0]! ? sec((c - c1) / (n - SIZES[0]!)) : '',
      ]);
    }
    lines.push(
      '',
      '1. Fan-out: `bluegreen deploy` wall time (pull + start + preflight + cutover), first deploy',
      table(rows),
    );
  }
  const cmp = results.compare;
  if (cmp.length) {
    const rows: (string | number)[][] = [
      ['hosts', 'bluegreen', 'bash script', 'ansible', 'bluegreen/script', 'bluegreen/ansible'],
    ];
    for (const n of COMPARE) {
      const times = (t: Tool) => cmp.filter((r) => r.hosts === n && r.tool === t);
      const paired = (t: Tool) =>
        median(
          times('bluegreen').map((b) => b.ms / (times(t).find((o) => o.rep === b.rep)?.ms ?? NaN)),
        ).toFixed(2);
      rows.push([
        n,
        sec(median(times('bluegreen').map((r) => r.ms))),
        sec(median(times('script').map((r) => r.ms))),
        sec(median(times('ansible').map((r) => r.ms))),
        paired('script'),
        paired('ansible'),
      ]);
    }
    lines.push(
      '',
      '2. Same deploy, three tools (cold image pull, same checks, same nginx change); ratios = median of per-repetition ratios',
      table(rows),
    );
  }
  const win = results.load;
  if (win.length) {
    const rows: (string | number)[][] = [
      ['story', 'window', 'time', 'requests', 'non-2xx', 'errors', 'ka resets', 'p50', 'p99', 'max'],
    ];
    for (const w of win)
      rows.push([
        w.story,
        w.phase,
        sec(w.ms),
        w.requests,
        w.non2xx,
        w.errors,
        w.keepAliveResets,
        `${w.p50}ms`,
        `${w.p99}ms`,
        `${w.max}ms`,
      ]);
    lines.push(
      '',
      `3. Under load through nginx (${LOAD.ratePerSecond} req/s, ${LOAD.workers} clients: half fresh connections, half keep-alive), ${STORY_HOSTS} hosts per pool`,
      table(rows),
    );
    for (const w of win.filter((x) => x.errorSamples.length))
      lines.push(`  ${w.story} / ${w.phase}: e.g. ${w.errorSamples.join(', ')}`);
  }
  const rb = results.rollback;
  if (rb.length) {
    const rows: (string | number)[][] = [
      ['rollback', 'until only the old version answers', 'command total', 'failed polls'],
    ];
    for (const kind of ['candidate', 'promoted'] as const) {
      const rs = rb.filter((r) => r.kind === kind);
      rows.push([
        kind === 'candidate' ? 'of a candidate (before promote)' : 'after promote (old version restarted)',
        sec(median(rs.map((r) => r.latencyMs))),
        sec(median(rs.map((r) => r.cliMs))),
        rs.reduce((a, r) => a + r.failed, 0),
      ]);
    }
    lines.push(
      '',
      `4. Rollback latency, ${STORY_HOSTS} hosts per pool (fresh-connection GET every 20 ms; first of ≥ 20 consecutive old-version answers)`,
      table(rows),
    );
  }
  const ov = results.overhead;
  if (ov) {
    const rows: (string | number)[][] = [
      [
        'hosts',
        'cache',
        'wall',
        'engine',
        'slowest host work',
        'engine beyond host work',
        'process start/exit',
      ],
    ];
    for (const n of SIZES)
      for (const cache of ['cold', 'warm'] as const) {
        const rs = ov.deploys.filter((r) => r.hosts === n && r.cache === cache);
        if (!rs.length) continue;
        rows.push([
          n,
          cache,
          sec(median(rs.map((r) => r.wallMs))),
          sec(median(rs.map((r) => r.durationMs))),
          sec(median(rs.map((r) => r.hostWorkMs))),
          n <= 10 ? sec(median(rs.map((r) => r.beyondMs))) : 'n/a (queued)',
          sec(median(rs.map((r) => r.processMs))),
        ]);
      }
    const steps: (string | number)[][] = [['per host (median over all hosts)', ...HOST_STEPS]];
    for (const cache of ['cold', 'warm'] as const) {
      const s = ov.perHostStepMs[cache];
      steps.push([cache, ...HOST_STEPS.map((k) => `${s[k] ?? NaN}ms`)]);
    }
    lines.push(
      '',
      '5. Overhead: where a deploy spends its time (engine = Outcome.durationMs; host work = connect + pull + start + check)',
      table(rows),
      '',
      table(steps),
      '',
      `  CLI start-up (node dist/cli.js --help): median ${ov.cliStartupMs}ms of 10`,
      ...ov.bundles.map(
        (b) =>
          `  ${b.file}: ${(b.bytes / 1024).toFixed(0)} KiB (${(b.gzipBytes / 1024).toFixed(0)} KiB gzipped)`,
      ),
    );
  }
  lines.push('', `wall time of the whole benchmark: ${sec(results.benchMs)}`);
  return lines.join('\n');
}

function chart(results: Results): string {
  const med = (xs: number[]) => median(xs) / 1000;
  const fan = results.fanout;
  const cold = (n: number) =>
    med(fan.filter((r) => r.hosts === n && r.cache === 'cold').map((r) => r.wallMs));
  const warm = (n: number) =>
    med(fan.filter((r) => r.hosts === n && r.cache === 'warm').map((r) => r.wallMs));
  const tool = (t: Tool, n: number) =>
    med(results.compare.filter((r) => r.tool === t && r.hosts === n).map((r) => r.ms));
  const c1 = cold(SIZES[0]!);
  const xs = [...new Set([...SIZES, ...(results.compare.length ? COMPARE : [])])].sort((a, b) => a - b);
  return lineChart({
    title: 'bluegreen deploy: wall time against hosts',
    subtitle: `median of ${REPS}; ${results.machine.cores} cores, lab of netns hosts; labels: T(N)/T(1) cold`,
    xLabel: 'hosts deployed to (log scale)',
    yLabel: 'seconds',
    xs,
    series: [
      {
        label: 'bluegreen, cold pull',
        color: '#1f6feb',
        points: SIZES.map((n) => ({ x: n, y: cold(n), note: `×${(cold(n) / c1).toFixed(2)}` })),
      },
      {
        label: 'bluegreen, image cached',
        color: '#1f6feb',
        dashed: true,
        points: SIZES.map((n) => ({ x: n, y: warm(n) })),
      },
      {
        label: 'bash script, cold',
        color: '#d29922',
        points: COMPARE.map((n) => ({ x: n, y: tool('script', n) })),
      },
      {
        label: 'Ansible, cold',
        color: '#cf222e',
        points: COMPARE.map((n) => ({ x: n, y: tool('ansible', n) })),
      },
    ].filter((s) => s.points.some((p) => Number.isFinite(p.y))),
  });
}

interface Results {
  at: string;
  benchMs: number;
  machine: Awaited<ReturnType<typeof machine>>;
  settings: Record<string, unknown>;
  fanout: DeployRecord[];
  compare: CompareRecord[];
  load: Window[];
  rollback: RollbackRecord[];
  overhead?: {
    deploys: ReturnType<typeof overheadOf>[];
    perHostStepMs: Record<'cold' | 'warm', Record<string, number>>;
    cliStartupMs: number;
    bundles: ReturnType<typeof bundle>[];
  };
}

// ------------------------------------------------------------------ main
const benchStarted = performance.now();
const unlock = await holdLabLock();
let labUp = false;
const teardown = () => {
  if (labUp && !values.keep) execFileSync('bash', ['test/lab/down.sh'], { cwd: ROOT, stdio: 'inherit' });
  labUp = false;
};
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    log(`${sig}: tearing the lab down`);
    try {
      teardown();
    } finally {
      unlock();
      process.exit(130);
    }
  });

let failed = false;
try {
  if (!values['no-build']) {
    log('building dist/ (npm run build)');
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  }
  const ansible = ONLY.has('compare') ? await ensureAnsible() : 'ansible: not used';
  const green = Math.max(...SIZES, ...COMPARE, STORY_HOSTS);
  log(`bringing the lab up: ${green} green + ${STORY_HOSTS} blue hosts`);
  labUp = true;
  execFileSync('bash', ['test/lab/up.sh', String(green), String(STORY_HOSTS)], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // Every tool works against the same balancer: nginx installed on lb2 with its upstream in
  // an included file (the scripts and the playbook rewrite that file whole).
  const full = loadLab();
  const lab = { ...full, balancer: full.balancers.nginxHost };
  const results: Results = {
    at: new Date().toISOString(),
    benchMs: 0,
    machine: await machine(lab, ansible),
    settings: {
      reps: REPS,
      sizes: SIZES,
      compare: COMPARE,
      load: LOAD,
      storyHosts: STORY_HOSTS,
      sshConcurrency: 10,
    },
    fanout: [],
    compare: [],
    load: [],
    rollback: [],
  };
  if (ONLY.has('fanout') || ONLY.has('overhead')) results.fanout = await fanout(lab);
  if (ONLY.has('compare')) results.compare = await compare(lab);
  if (ONLY.has('load')) results.load = await underLoad(lab);
  if (ONLY.has('rollback')) results.rollback = await rollbackLatency(lab);
  if (ONLY.has('overhead')) {
    const perHost = (cache: 'cold' | 'warm') =>
      Object.fromEntries(
        HOST_STEPS.map((k) => [
          k,
          Math.round(
            median(
              results.fanout.filter((r) => r.cache === cache).flatMap((r) => r.steps.map((s) => s[k] ?? NaN)),
            ),
          ),
        ]),
      );
    results.overhead = {
      deploys: results.fanout.map(overheadOf),
      perHostStepMs: { cold: perHost('cold'), warm: perHost('warm') },
      cliStartupMs: Math.round(median(cliStartup())),
      bundles: ['dist/cli.js', 'dist/index.js'].map(bundle),
    };
  }
  await resetLab(lab);
  results.benchMs = performance.now() - benchStarted;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, roundMs, 2)}\n`);
  if (results.fanout.length) writeFileSync(join(RESULTS, 'fanout.svg'), chart(results));
  console.log(`\n${report(results)}`);
  console.log(`\nwrote ${join(RESULTS, 'latest.json')}${results.fanout.length ? ' and fanout.svg' : ''}`);
} catch (err) {
  failed = true;
  console.error(`\nbench: ${(err as Error).stack ?? String(err)}`);
} finally {
  teardown();
  unlock();
}
// exit now: nothing of the run may keep the process (and with it the lab lock) alive
process.exit(failed ? 1 : 0);

/** JSON replacer: times to whole milliseconds. */
function roundMs(key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) && /ms$|Ms$|^[pt]\d*$|^max$/i.test(key)
    ? Math.round(value)
    : value;
}
