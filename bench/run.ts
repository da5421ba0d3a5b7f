// `npm run bench`: how fast a bluegreen deploy is, how it scales with hosts, whether any
// request fails, how fast a rollback is and what the engine costs beyond the hosts' work —
// side by side with a sequential and a parallel bash script and an Ansible playbook doing
// the same job on the same lab. A measuring run writes bench/results/latest.json and then
// renders; `--render` only renders (bench/README.md's tables, README's bench section,
// bench/results/fanout.svg) from latest.json. See bench/README.md for the method.
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resetLab } from '../test/harness/lab.js';
import { MIX } from '../test/harness/zero-downtime.js';
import { withLab } from './lib/lab-session.js';
import {
  LATEST,
  readResults,
  RESULTS_DIR,
  SCHEMA,
  writeResults,
  type Results,
  type Settings,
} from './lib/results.js';
import { ansibleForks, CHECKS, ensureAnsible, TOOLS } from './lib/tools.js';
import { log } from './lib/util.js';
import { measureCompare } from './measure/compare.js';
import type { BenchContext } from './measure/context.js';
import { measureFanout } from './measure/fanout.js';
import { measureFloor } from './measure/floor.js';
import { measureLoad } from './measure/load.js';
import { cpuWaitUs, describeMachine } from './measure/machine.js';
import { measureOverhead } from './measure/overhead.js';
import { measureRetries } from './measure/retries.js';
import { measureRollback } from './measure/rollback.js';
import { measureTransfer } from './measure/transfer.js';
import { renderAll } from './render/index.js';

const SECTIONS = [
  'fanout',
  'compare',
  'transfer',
  'load',
  'retries',
  'rollback',
  'overhead',
  'floor',
] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `usage: npm run bench [-- OPTIONS]   (measuring: as root, on Debian; holds the lab lock)
  --render          render the documents from bench/results/latest.json; measure nothing
  --check           with --render: exit 1 when a rendered file would change (nothing is written)
  --reps N          repetitions of every timed run (default 3)
  --sizes LIST      fan-out host counts (default 1,2,4,8,16)
  --compare LIST    host counts of the tool comparison and of the registry-less transfer (default 4,16)
  --story-hosts N   hosts per pool in the load, retries, rollback and overhead sections (default 4)
  --floor-hosts N   hosts per pool in the floor section (default 8)
  --rate N          requests/s of the open-loop load (default 150)
  --only LIST       sections: ${SECTIONS.join(',')} (default all)
  --keep            leave the lab up afterwards
  --no-build        use dist/ as it is (default: npm run build first)`;

const { values } = parseArgs({
  options: {
    render: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    reps: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '1,2,4,8,16' },
    compare: { type: 'string', default: '4,16' },
    'story-hosts': { type: 'string', default: '4' },
    'floor-hosts': { type: 'string', default: '8' },
    rate: { type: 'string', default: '150' },
    only: { type: 'string', default: SECTIONS.join(',') },
    keep: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(msg: string): never {
  console.error(`bench: ${msg}\n\n${USAGE}`);
  process.exit(2);
}

const count = (name: string, s: string): number => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a whole number ≥ 1, not "${s}"`);
  return n;
};
const counts = (name: string, s: string): number[] => s.split(',').map((x) => count(name, x.trim()));

function render(results: Results): void {
  const changed = renderAll(results, { check: values.check });
  if (values.check && changed.length) {
    console.error(`bench --render --check: out of date: ${changed.join(', ')}`);
    process.exit(1);
  }
  log(changed.length ? `rendered ${changed.join(', ')}` : 'rendered files already up to date');
}

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.render) {
  render(readResults());
  process.exit(0);
}

const only = new Set(values.only.split(',').map((s) => s.trim()));
for (const s of only)
  if (!(SECTIONS as readonly string[]).includes(s))
    fail(`--only: unknown section "${s}" (${SECTIONS.join(', ')})`);
if (process.getuid?.() !== 0)
  fail('measuring builds the lab (network namespaces, sshd, dockerd): run it as root, or use --render');

const compare = counts('compare', values.compare);
const settings: Settings = {
  reps: count('reps', values.reps),
  sizes: counts('sizes', values.sizes),
  compare,
  storyHosts: count('story-hosts', values['story-hosts']),
  floorHosts: count('floor-hosts', values['floor-hosts']),
  loadRate: count('rate', values.rate),
  mix: { ...MIX },
  checks: { ...CHECKS },
  sshConcurrency: 10,
  ansible: {
    forks: `the host count + 1 (${compare.map((n) => ansibleForks(n)).join(', ')})`,
    pipelining: true,
    checkDelaySeconds: CHECKS.intervalMs / 1000,
  },
  rollbackPoll: { everyMs: 20, consecutive: 20 },
  targets: {
    warmRollbackMs: 500,
    stoppedRollbackMs: 1500,
    floorRatio: 1.15,
    engineOverheadMs: 300,
    processMs: 300,
  },
  beforeCommit: 'fc4af81',
};
const has = (s: Section) => only.has(s);
const green = Math.max(
  has('fanout') ? Math.max(...settings.sizes) : 1,
  has('compare') || has('transfer') ? Math.max(...settings.compare) : 1,
  has('floor') ? settings.floorHosts : 1,
  settings.storyHosts,
);
const blue = Math.max(has('floor') ? settings.floorHosts : 1, settings.storyHosts);

const benchStarted = performance.now();
let failed = false;
try {
  const ansible = has('compare') ? await ensureAnsible() : { missing: 'Ansible not used in this run' };
  if (ansible.missing) log(`${ansible.missing}: the comparison runs without it`);
  await withLab({ green, blue }, { build: !values['no-build'], keep: values.keep }, async (lab) => {
    const cpuBefore = cpuWaitUs();
    const t0 = performance.now();
    const results: Results = {
      schema: SCHEMA,
      at: new Date().toISOString(),
      benchMs: 0,
      machine: await describeMachine(lab, ansible.version ?? ansible.missing!),
      settings,
    };
    const ctx: BenchContext = { lab, settings };
    const tools = TOOLS.filter((t) => t !== 'ansible' || ansible.version);
    // A section that fails is reported as such and the others still run: one lab slot is
    // too dear to lose to one tool's error. latest.json is written after every section, and
    // the comparison goes first: a run stopped early still has the tools' ratios.
    const section = async (name: Section, fn: () => Promise<void>) => {
      if (!has(name)) return;
      try {
        await fn();
      } catch (err) {
        const msg = (err as Error).message ?? String(err);
        log(`section ${name} FAILED: ${msg}`);
        results.failed = { ...results.failed, [name]: msg.slice(0, 500) };
      }
      results.benchMs = performance.now() - benchStarted;
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeResults(results);
    };
    await section('compare', async () => void (results.compare = await measureCompare(ctx, tools)));
    await section('transfer', async () => void (results.transfer = await measureTransfer(ctx)));
    await section('load', async () => void (results.load = await measureLoad(ctx)));
    await section(
      'retries',
      async () =>
        void (results.retries = await measureRetries(
          ctx,
          results.load?.find((st) => st.tool === 'sequential' && st.order === 'stop-first'),
        )),
    );
    await section('rollback', async () => void (results.rollback = await measureRollback(ctx)));
    await section('overhead', async () => void (results.overhead = await measureOverhead(ctx)));
    await section('floor', async () => void (results.floor = await measureFloor(ctx)));
    await section('fanout', async () => void (results.fanout = await measureFanout(ctx)));
    await resetLab(lab);
    const cpuAfter = cpuWaitUs();
    if (cpuBefore !== undefined && cpuAfter !== undefined)
      results.machine.cpuPressure = (cpuAfter - cpuBefore) / 1000 / (performance.now() - t0);
    results.benchMs = performance.now() - benchStarted;
    writeResults(results);
    log(`wrote ${LATEST}`);
    if (results.failed) failed = true;
    render(results);
  });
} catch (err) {
  failed = true;
  console.error(`\nbench: ${(err as Error).stack ?? String(err)}`);
}
// exit now: nothing of the run may keep the process (and with it the lab lock) alive
process.exit(failed ? 1 : 0);
