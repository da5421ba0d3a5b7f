// Swarm pools vs SSH pools on the same lab: the same job (deploy 1.0.0, deploy 2.0.0, promote,
// rollback) on N SSH hosts per pool, then on N Swarm nodes per pool (the same namespaces made
// workers by test/lab/swarm.sh). Prints the CLI's wall time per command, side by side.
//   node scripts/run-ts.mjs bench/swarm.ts [N=4] [ROUNDS=3]   (as root; holds the lab lock,
//   brings the lab up with N green + N blue hosts and takes it down after)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { bluegreen, labConfig, ROOT, writeConfig } from '../test/harness/bluegreen.js';
import { holdLabLock } from '../test/harness/lab-lock.js';
import { dockerOn, loadLab, resetLab, type Lab } from '../test/harness/lab.js';

const N = Number(process.argv[2] ?? 4);
const ROUNDS = Number(process.argv[3] ?? 3);
const STEPS = ['deploy 1.0.0 (first)', 'deploy 2.0.0', 'promote', 'rollback'] as const;
type Times = Record<(typeof STEPS)[number], number[]>;

const sh = (script: string, ...args: string[]) =>
  execFileSync('bash', [join(ROOT, 'test/lab', script), ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });

async function job(lab: Lab, config: string, times: Times): Promise<void> {
  const run = async (step: (typeof STEPS)[number], args: string[]) => {
    const r = await bluegreen(config, args);
    if (r.code !== 0) throw new Error(`${step}: exit ${r.code}\n${r.stderr.slice(-2000)}`);
    times[step].push(r.ms);
  };
  await run('deploy 1.0.0 (first)', ['deploy', '--version', '1.0.0']);
  await run('deploy 2.0.0', ['deploy', '--version', '2.0.0']);
  await run('promote', ['promote']);
  await run('rollback', ['rollback']);
  void lab;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const unlock = await holdLabLock();
try {
  sh('up.sh', String(N), String(N));
  const lab = loadLab();
  // Both images on every host first: neither job pulls (else the first job pays the pulls).
  for (const h of [...lab.hosts.green, ...lab.hosts.blue])
    for (const image of [lab.images.v1, lab.images.v2]) dockerOn(lab, h.name, ['pull', '-q', image]);
  const empty = (): Times => ({ 'deploy 1.0.0 (first)': [], 'deploy 2.0.0': [], promote: [], rollback: [] });
  const ssh = empty();
  const swarm = empty();
  for (let i = 0; i < ROUNDS; i++) {
    await resetLab(lab);
    await job(lab, writeConfig(labConfig(lab, { green: N, blue: N })), ssh);
    await resetLab(lab);
    sh('swarm.sh', 'up', String(N), String(N));
    const c = labConfig(lab, { overrides: { swarm: { manager: lab.dockerhost.address } } });
    c.pools = { green: { swarm: { label: 'pool=green' } }, blue: { swarm: { label: 'pool=blue' } } };
    try {
      await job(lab, writeConfig(c), swarm);
    } finally {
      sh('swarm.sh', 'down');
    }
  }
  console.log(`\n${N} hosts per pool, ${ROUNDS} round(s), median CLI wall time (s)`);
  console.log(`${'step'.padEnd(22)} ${'SSH pools'.padStart(10)} ${'Swarm pools'.padStart(12)}`);
  for (const s of STEPS)
    console.log(
      `${s.padEnd(22)} ${(median(ssh[s]) / 1000).toFixed(2).padStart(10)} ${(median(swarm[s]) / 1000).toFixed(2).padStart(12)}`,
    );
} finally {
  try {
    sh('down.sh');
  } finally {
    unlock();
  }
}
