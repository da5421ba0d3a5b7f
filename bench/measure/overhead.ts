// Overhead: per command (deploy, promote, rollback, status) the engine's own time beyond
// the hosts' work — Outcome.durationMs minus the slowest host's connect + pull + start +
// check — and the process's start and exit (wall time minus durationMs; `--help` and
// `validate` alone), for the CLI as it was at settings.beforeCommit ("before") and today's
// dist/cli.js ("after"), on the same lab, against the same nginx, images cached.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, labConfig, ROOT, writeConfig } from '../../test/harness/bluegreen.js';
import { resetLab, type Lab } from '../../test/harness/lab.js';
import {
  stepsOf,
  type CliVersion,
  type OverheadCommand,
  type OverheadRecord,
  type ProcessRecord,
  type Results,
} from '../lib/results.js';
import { CHECKS, configFor, makeWarm, runBluegreen, runBluegreenTimeline, V1, V2 } from '../lib/tools.js';
import { exec, execOk, log, median, sec } from '../lib/util.js';
import { poolsOf, type BenchContext } from './context.js';

const PROBES = 10;

/** The bundled CLI of `commit`, in a temporary directory (it is one self-contained file). */
async function cliAt(commit: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-bench-cli-'));
  const file = join(dir, 'cli.js');
  writeFileSync(file, (await execOk('git', ['show', `${commit}:dist/cli.js`], { cwd: ROOT })).stdout);
  return file;
}

/**
 * A config the CLI of the "before" commit accepts: no registry (it resolves no digest; the
 * image names the lab registry), no promote or retain keys, and nginx's pid file named (it
 * did not read it from `nginx -T` yet).
 */
function beforeConfig(lab: Lab, n: number): string {
  const cfg = labConfig(lab, {
    green: n,
    blue: n,
    overrides: { checks: { interval: `${CHECKS.intervalMs}ms`, retries: CHECKS.retries } },
  });
  delete cfg.registry;
  cfg.balancer = { ...(cfg.balancer as Record<string, unknown>), pid_file: lab.balancer.pidFile };
  return writeConfig(cfg);
}

async function probe(cli: string, args: string[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const r = await exec(process.execPath, [cli, ...args]);
    if (r.code !== 0) throw new Error(`${cli} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    times.push(Math.round(r.ms));
  }
  return times;
}

export async function measureOverhead(ctx: BenchContext): Promise<NonNullable<Results['overhead']>> {
  const { lab, settings } = ctx;
  const n = settings.storyHosts;
  const { green, blue } = poolsOf(lab, n);
  const clis: Record<CliVersion, { file: string; config: string }> = {
    before: { file: await cliAt(settings.beforeCommit), config: beforeConfig(lab, n) },
    after: { file: CLI, config: configFor(lab, n, n) },
  };
  await resetLab(lab);
  await makeWarm(lab, [...green, ...blue]);

  const probes: ProcessRecord[] = [];
  for (const cli of ['before', 'after'] as const) {
    probes.push({ cli, probe: 'help', ms: await probe(clis[cli].file, ['--help']) });
    // validate came later than the "before" commit
    probes.push(
      cli === 'after'
        ? {
            cli,
            probe: 'validate',
            ms: await probe(clis[cli].file, ['validate', '--config', clis[cli].config]),
          }
        : { cli, probe: 'validate' },
    );
  }

  const records: OverheadRecord[] = [];
  const commands: [OverheadCommand, string[]][] = [
    ['deploy', ['deploy', '--version', V2]],
    ['promote', ['promote']],
    ['rollback', ['rollback']],
    ['status', ['status']],
  ];
  for (let rep = 0; rep < settings.reps; rep++) {
    for (const cli of rep % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
      const { file, config } = clis[cli];
      await resetLab(lab);
      await runBluegreen(config, ['deploy', '--version', V1], file);
      const line: string[] = [];
      for (const [command, args] of commands) {
        const run = await runBluegreen(config, args, file);
        records.push({
          cli,
          rep,
          command,
          wallMs: run.ms,
          durationMs: run.outcome!.durationMs,
          steps: stepsOf(run.outcome!.hosts),
        });
        line.push(`${command} ${sec(run.ms)}`);
      }
      log(`overhead ${rep + 1}/${settings.reps}, ${cli}: ${line.join(', ')}`);
    }
  }
  // Today's CLI once more without --json: its own progress lines show where the time goes.
  await resetLab(lab);
  await runBluegreen(clis.after.config, ['deploy', '--version', V1]);
  const timelines: string[][] = [];
  for (const [, args] of commands) timelines.push(await runBluegreenTimeline(clis.after.config, args));

  const help = (cli: CliVersion) => median(probes.find((p) => p.cli === cli && p.probe === 'help')!.ms!);
  log(`overhead: --help before ${sec(help('before'))}, after ${sec(help('after'))}`);
  return { records, process: probes, timelines };
}
