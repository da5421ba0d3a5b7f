// `npm run demo`: the seed's whole story on the lab, with the real CLI, under load.
// Brings the lab up, deploys 1.0.0 to green, scales green 3 → 5, builds and pushes 2.0.0,
// deploys it to blue under load, promotes, rolls back, and prints what users saw.
//   --keep   leave the lab up afterwards (default: tear it down)
//   --no-up  use the lab that is already up
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { bluegreen, labConfig, ROOT, writeConfig } from '../test/harness/bluegreen.js';
import { httpGet, loadLab, resetLab } from '../test/harness/lab.js';
import { holdLabLock } from '../test/harness/lab-lock.js';
import { startLoad, type LoadReport, type RunningLoad } from '../test/harness/closed-loop-load.js';

const { values } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    'no-up': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run demo [-- --keep] [-- --no-up]   (as root, on Debian)');
  process.exit(0);
}
if (process.getuid?.() !== 0) {
  console.error('the demo builds a lab of network namespaces, sshd and dockerd: run it as root');
  process.exit(2);
}

const unlock = await holdLabLock();
execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
if (!values['no-up']) execFileSync('bash', ['test/lab/up.sh', '5', '3'], { cwd: ROOT, stdio: 'inherit' });
const lab = loadLab();
await resetLab(lab);

const base = labConfig(lab, { green: 3, blue: 3 });
const three = writeConfig(base);
const five = writeConfig(labConfig(lab, { green: 5, blue: 3 }));
// 2.0.0 is built from examples/app and pushed by bluegreen itself (the seed's step 1).
const withBuild = writeConfig(
  labConfig(lab, {
    green: 5,
    blue: 3,
    overrides: {
      build: {
        context: `${ROOT}/examples/app`,
        args: { GREETING: 'Hello Webapps!', APP_VERSION: '2.0.0', BASE: lab.images.base },
      },
    },
  }),
);

interface Row {
  phase: string;
  seconds: string;
  requests: string;
  non2xx: string;
  errors: string;
  resets: string;
  versions: string;
}
const rows: Row[] = [];
// The load starts once something serves: before the first deploy nginx can only answer 502.
let load: RunningLoad | undefined;

async function phase(
  name: string,
  config: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<void> {
  const before = load?.snapshot();
  console.log(`\n$ bluegreen ${args.join(' ')}`);
  const res = await bluegreen(config, args, env);
  process.stdout.write(res.stdout);
  if (res.code !== 0) {
    process.stderr.write(res.stderr);
    throw new Error(`${name} failed with exit code ${res.code}`);
  }
  const after = load?.snapshot();
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) seen.add((await httpGet(lab.balancer.url)).body.trim());
  const delta = (f: (r: LoadReport) => number) => (before && after ? String(f(after) - f(before)) : '-');
  rows.push({
    phase: name,
    seconds: (res.ms / 1000).toFixed(1),
    requests: delta((r) => r.requests),
    non2xx: delta((r) => r.non2xx),
    errors: delta((r) => r.errors),
    resets: delta((r) => r.keepAliveResets),
    versions: [...seen].sort().join(' + '),
  });
}

let failed = false;
try {
  await phase('deploy 1.0.0 → green', three, ['deploy', '--version', '1.0.0']);
  load = startLoad({ url: lab.balancer.url, ratePerSecond: 200, workers: 8, maxDurationMs: 300_000 });
  await phase('scale green 3 → 5', five, ['scale']);
  await phase('build + deploy 2.0.0 → blue', withBuild, ['deploy', '--version', '2.0.0'], {
    DOCKER_HOST: lab.buildDockerHost,
  });
  await phase('promote blue', five, ['promote']);
  await phase('rollback → green', five, ['rollback']);
} catch (err) {
  failed = true;
  console.error(`\ndemo: ${(err as Error).message}`);
} finally {
  const total = await load?.stop();
  console.log('\nWhat users saw (load through nginx: half fresh connections, half keep-alive):\n');
  const header = ['phase', 'time', 'requests', 'non-2xx', 'errors', 'keep-alive resets', 'serving after'];
  const table = [
    header,
    ...rows.map((r) => [r.phase, `${r.seconds}s`, r.requests, r.non2xx, r.errors, r.resets, r.versions]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) console.log(`  ${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
  if (total) {
    console.log(
      `\n  under load (from the end of the first deploy): ${total.requests} requests, ${total.ok} 2xx, ${total.non2xx} non-2xx, ${total.errors} errors, ${total.keepAliveResets} keep-alive resets (an nginx reload closes idle keep-alive connections; see README)`,
    );
    if (total.non2xx + total.errors > 0) failed = true;
  }
  if (!values.keep) execFileSync('bash', ['test/lab/down.sh'], { cwd: ROOT, stdio: 'inherit' });
  else console.log('\nthe lab is still up: `bash test/lab/down.sh` tears it down');
}
unlock();
process.exitCode = failed ? 1 : 0;
