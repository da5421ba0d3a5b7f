// The shape of bench/results/latest.json: what a measuring run writes and the render step
// reads. Every figure the benchmark's documents show comes from a file of this shape.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostReport } from '../../src/deploy/outcome.js';
import { ROOT } from '../../test/harness/bluegreen.js';
import type { LoadReport, StreamName, ZeroDowntimeRules } from '../../test/harness/load.js';
import type { Order, Tool } from './tools.js';

/** Bumped when the shape changes: --render refuses a file of another shape. */
export const SCHEMA = 2;
export const RESULTS_DIR = join(ROOT, 'bench/results');
export const LATEST = join(RESULTS_DIR, 'latest.json');

export interface Machine {
  os: string;
  kernel: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  docker: string;
  nginx: string;
  openssh: string;
  ansible: string;
  /** the commit measured (with "+changes" when the work tree differed from it) */
  commit: string;
  /** the 1-minute load average when the lab lock was taken (others' work on the machine) */
  loadBefore: number;
  /** share of the run's time in which some task waited for a CPU (Linux PSI; the lab's own work included) */
  cpuPressure?: number;
  lab: { green: number; blue: number; balancer: string };
}

export interface Settings {
  reps: number;
  sizes: number[];
  compare: number[];
  /** hosts per pool in the load, retries and rollback sections */
  storyHosts: number;
  /** hosts per pool in the floor section */
  floorHosts: number;
  /** requests per second through the balancer, and each stream's share */
  loadRate: number;
  mix: Record<StreamName, number>;
  checks: { intervalMs: number; retries: number };
  sshConcurrency: number;
  ansible: { forks: string; pipelining: boolean; checkDelaySeconds: number };
  rollbackPoll: { everyMs: number; consecutive: number };
  /** issue #14's targets */
  targets: {
    warmRollbackMs: number;
    stoppedRollbackMs: number;
    floorRatio: number;
    engineOverheadMs: number;
    processMs: number;
  };
  /** the commit of the "before" CLI in the overhead section */
  beforeCommit: string;
}

/** Per host: step name → ms (a step recorded twice on a host is summed). */
export type HostSteps = Record<string, number>;

export function stepsOf(hosts: readonly HostReport[]): HostSteps[] {
  return hosts.map((h) => {
    const out: HostSteps = {};
    for (const s of h.steps) out[s.step] = (out[s.step] ?? 0) + s.ms;
    return out;
  });
}

export interface FanoutRecord {
  hosts: number;
  rep: number;
  cache: 'cold' | 'warm';
  wallMs: number;
  durationMs: number;
  steps: HostSteps[];
}

/** A cold deploy of `hosts` hosts: the image pulled from the registry, or streamed over SSH (registry: none). */
export interface TransferRecord {
  hosts: number;
  rep: number;
  via: 'registry' | 'ssh';
  wallMs: number;
  durationMs: number;
  /** per host: its pull (registry) or transfer (ssh) step */
  stepMs: number[];
  /** the transfer step's detail, e.g. "42.7 MB streamed from this machine" */
  detail?: string;
}

export interface CompareRecord {
  tool: Tool;
  hosts: number;
  rep: number;
  ms: number;
}

/** One story under load: the report with its windows, the rules it was judged by, the verdict. */
export interface LoadStory {
  story: string;
  tool: 'bluegreen' | 'sequential' | 'parallel';
  order?: Order;
  /** the windows in which the tool works (the others are steady) */
  actions: string[];
  report: LoadReport;
  rules: ZeroDowntimeRules;
  violations: string[];
}

export interface RetriesRun {
  /** nginx's proxy_next_upstream: its default (error timeout) or off, as the lab runs it */
  retries: 'default' | 'off';
  story: LoadStory;
}

/** A load's figures in one line of a table, and its verdict. */
export interface LoadSummary {
  sent: number;
  non2xx: number;
  failures: number;
  idleResets: number;
  p99Ms: number;
  violations: string[];
}

export function summarize(report: LoadReport, violations: string[]): LoadSummary {
  const t = report.total;
  return {
    sent: t.sent,
    non2xx: t.non2xx,
    failures: t.failures,
    idleResets: t.idleResets,
    p99Ms: t.latencyMs.p99,
    violations,
  };
}

export type RollbackKind = 'candidate' | 'warm' | 'stopped';

export interface RollbackRecord {
  kind: RollbackKind;
  rep: number;
  /** from the command's start until the first of ≥ N consecutive old-version answers */
  latencyMs: number;
  /** the command's own wall time */
  cliMs: number;
  polls: number;
  failedPolls: number;
  /** per host the command worked on: its steps, e.g. "greenhost00: connect warm check" */
  steps: string[];
  /** absent: the rollback ran without load */
  load?: LoadSummary;
}

export type OverheadCommand = 'deploy' | 'promote' | 'rollback' | 'status';
export type CliVersion = 'before' | 'after';

export interface OverheadRecord {
  cli: CliVersion;
  rep: number;
  command: OverheadCommand;
  wallMs: number;
  durationMs: number;
  steps: HostSteps[];
}

export interface ProcessRecord {
  cli: CliVersion;
  probe: 'help' | 'validate';
  /** absent: that CLI has no such command */
  ms?: number[];
}

export type FloorTool = 'floor' | 'bluegreen-stop' | 'bluegreen-warm';

export interface FloorRecord {
  tool: FloorTool;
  rep: number;
  ms: number;
  durationMs?: number;
  steps?: HostSteps[];
}

export interface Results {
  schema: typeof SCHEMA;
  at: string;
  benchMs: number;
  machine: Machine;
  /** sections that failed in this run: section → the error (their figures are absent) */
  failed?: Record<string, string>;
  settings: Settings;
  fanout?: FanoutRecord[];
  compare?: CompareRecord[];
  transfer?: TransferRecord[];
  load?: LoadStory[];
  retries?: RetriesRun[];
  rollback?: RollbackRecord[];
  overhead?: {
    records: OverheadRecord[];
    process: ProcessRecord[];
    /** today's CLI, each command once more without --json: its progress lines */
    timelines: string[][];
  };
  floor?: {
    records: FloorRecord[];
    /** bluegreen's progress lines of one extra run of the same job: where its time goes */
    timeline: string[];
  };
}

export function readResults(path = LATEST): Results {
  let results: Results;
  try {
    results = JSON.parse(readFileSync(path, 'utf8')) as Results;
  } catch (err) {
    throw new Error(`cannot read ${path} (${(err as Error).message}): run \`npm run bench\` first`);
  }
  if (results.schema !== SCHEMA)
    throw new Error(
      `${path} has results of shape ${String(results.schema)}, this renderer reads shape ${SCHEMA}: run \`npm run bench\` to measure again`,
    );
  return results;
}

export function writeResults(results: Results, path = LATEST): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(results, roundMs, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** JSON replacer: times to whole milliseconds. */
function roundMs(key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) && /ms$|Ms$|^p\d+$|^max$/i.test(key)
    ? Math.round(value)
    : value;
}
