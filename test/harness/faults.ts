import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { bluegreen, labConfig, writeConfig, type CliResult } from './bluegreen.js';
import { dockerOn, loadLab, resetLab, type Lab } from './lab.js';
import { saveResult } from './results.js';
import { expectZeroDowntime, mixedLoad, settle, V1 } from './zero-downtime.js';
import type { ZeroDowntimeRules } from './load.js';

// The fixture every fault suite shares: green 1.0.0 live on 3 hosts behind the lab's classic
// balancer (nginx in a container), blue empty; each fault runs under an open-loop load of
// fresh GETs, keep-alive GETs and POSTs with the balancer's retries off, and must keep the
// invariants: zero downtime, the error names host and cause, nothing half-started is left.
// Each scenario's row goes to .results/faults.json; `npm run report` renders docs/faults.md.

export const FAULTS_SUITE = 'faults';

export interface FaultRow {
  family: string;
  fault: string;
  exit: number | string;
  message: string;
  /** undefined: the scenario does not claim the file stays as it was */
  balancerUnchanged?: boolean;
  /** app containers left on blue hosts after a failed run (undefined when it succeeded) */
  leftovers?: number;
  /** undefined: the scenario ran without load (bad input, a refusal before anything ran) */
  load?: {
    sent: number;
    answered: number;
    failed: number;
    non2xx: number;
    idleResets: number;
    p99Ms: number;
  };
}

export interface UnderLoadOptions {
  expectExit?: number;
  /** the balancer's file must be byte-identical afterwards */
  balancerUnchanged?: boolean;
  /** bodies users may see (default: only the live 1.0.0) */
  bodies?: string[];
  rules?: ZeroDowntimeRules;
}

export interface FaultFixture {
  readonly lab: Lab;
  /** the config of the baseline (green 1.0.0 live): quick checks, a 3 s connect timeout */
  readonly good: Record<string, unknown>;
  readonly goodPath: string;
  blue(): Lab['hosts']['blue'];
  cfg(overrides: Record<string, unknown>): string;
  containers(host: string): string[];
  leftovers(): number;
  statePath(): string;
  state(): { live: string; candidate: string | null };
  underLoad(
    fault: string,
    run: () => Promise<CliResult>,
    opts?: UnderLoadOptions,
  ): Promise<{ res: CliResult; left: number }>;
  /** a row for a scenario that ran without load */
  record(row: Omit<FaultRow, 'family'>): void;
}

/** Sets up the baseline for a describe block of fault scenarios (call it inside the describe). */
export function faultFixture(family: string): FaultFixture {
  let lab!: Lab;
  let good!: Record<string, unknown>;
  let goodPath!: string;
  const blue = () => lab.hosts.blue.slice(0, 3);
  const containers = (host: string) =>
    dockerOn(lab, host, ['ps', '-a', '--format', '{{.Names}}']).stdout.split('\n').filter(Boolean);
  const leftovers = () =>
    blue().reduce((n, h) => n + containers(h.name).filter((c) => c.startsWith('webapp')).length, 0);
  const statePath = () => `${dirname(lab.balancer.localFile)}/bluegreen-webapp.state.json`;
  const state = () =>
    JSON.parse(readFileSync(statePath(), 'utf8')) as { live: string; candidate: string | null };
  const record = (row: Omit<FaultRow, 'family'>) =>
    saveResult<FaultRow>(FAULTS_SUITE, `${family}: ${row.fault}`, { family, ...row });

  beforeAll(async () => {
    lab = loadLab();
    await resetLab(lab);
    good = labConfig(lab, {
      green: 3,
      blue: 3,
      overrides: { checks: { retries: 8, interval: '250ms', timeout: '1s' }, ssh: { connect_timeout: '3s' } },
    });
    goodPath = writeConfig(good);
    const res = await bluegreen(goodPath, ['deploy', '--version', '1.0.0']);
    expect(res.code, res.stderr).toBe(0);
  });

  beforeEach(() => {
    // Every scenario starts from: green 1.0.0 live alone, blue empty, no lock.
    expect(state()).toMatchObject({ live: 'green', candidate: null });
    expect(leftovers()).toBe(0);
    expect(existsSync(`${statePath()}.lock`)).toBe(false);
  });

  afterEach(async () => {
    // Back to the baseline whatever the scenario left (so one failure does not cascade).
    rmSync(`${statePath()}.lock`, { force: true });
    if (state().candidate) {
      const res = await bluegreen(goodPath, ['rollback']);
      expect(res.code, res.stderr).toBe(0);
    }
    for (const h of blue()) {
      const ids = dockerOn(lab, h.name, ['ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (ids.length) dockerOn(lab, h.name, ['rm', '-f', ...ids]);
    }
  });

  afterAll(async () => {
    if (lab) await resetLab(lab);
  });

  return {
    get lab() {
      return lab;
    },
    get good() {
      return good;
    },
    get goodPath() {
      return goodPath;
    },
    blue,
    cfg: (overrides) => writeConfig(labConfig(lab, { green: 3, blue: 3, overrides })),
    containers,
    leftovers,
    statePath,
    state,
    record,
    async underLoad(fault, run, opts = {}) {
      const before = readFileSync(lab.balancer.localFile, 'utf8');
      const load = mixedLoad(lab.balancer.url, 150, { bodies: opts.bodies ?? [V1], firstWindow: 'steady' });
      await settle(300);
      load.mark('fault');
      let res: CliResult;
      try {
        res = await run();
      } finally {
        load.mark('after');
        await settle(300);
      }
      const report = await load.stop();
      const unchanged = readFileSync(lab.balancer.localFile, 'utf8') === before;
      const left = leftovers();
      const t = report.total;
      record({
        fault,
        exit: res.signal ?? res.code,
        message: errorOf(res),
        ...(opts.balancerUnchanged !== undefined ? { balancerUnchanged: unchanged } : {}),
        ...(res.code !== 0 ? { leftovers: left } : {}),
        load: {
          sent: t.sent,
          answered: t.answered,
          failed: t.failures,
          non2xx: t.non2xx,
          idleResets: t.idleResets,
          p99Ms: t.latencyMs.p99,
        },
      });
      if (opts.expectExit !== undefined) expect(res.code, res.stderr).toBe(opts.expectExit);
      if (opts.balancerUnchanged) expect(unchanged, `the balancer file changed during ${fault}`).toBe(true);
      // A failed run reloads at most twice (the change and its undo).
      expectZeroDowntime(`${FAULTS_SUITE}-load`, `${family}: ${fault} (load)`, report, {
        maxIdleResets: 2,
        ...opts.rules,
      });
      expect(t.bodies[V1], 'the live version kept serving').toBeGreaterThan(0);
      return { res, left };
    },
  };
}

/** The error the CLI printed (all its lines, joined), or "completed" for a run that succeeded. */
export function errorOf(res: CliResult): string {
  const lines = res.stderr.split('\n');
  const start = lines.findIndex((l) => /^bluegreen( \w+)?: /.test(l));
  if (start < 0) return res.code === 0 ? 'completed' : (lines.filter(Boolean).at(-1) ?? '');
  return lines
    .slice(start)
    .join(' ')
    .replace(/^bluegreen( \w+)?: /, '')
    .replace(/\/tmp\/bluegreen-\w+\//g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
