// `npm run demo`: the seed's whole story on the lab, with the real CLI, under load.
// Brings the lab up, deploys 1.0.0 to green, scales green 3 → 5, builds and pushes 2.0.0,
// deploys it to blue under load, promotes, rolls back, and prints what users saw.
// The topology is the classic one: nginx runs as the Docker container `balancer` on
// dockerhost with its whole nginx.conf bind-mounted (reloaded by docker kill -s HUP
// balancer), retries off; the app logs to syslog with the tag `webapp`.
//   --keep   leave the lab up afterwards (default: tear it down)
//   --no-up  use the lab that is already up
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import {
  bluegreen,
  labConfig,
  ROOT,
  syslogContainerOptions,
  writeConfig,
} from '../test/harness/bluegreen.js';
import { readFileSync } from 'node:fs';
import { httpGet, loadLab, resetLab } from '../test/harness/lab.js';
import { holdLabLock } from '../test/harness/lab-lock.js';
import { assertZeroDowntime, formatWindows } from '../test/harness/load.js';
import type { LoadProcess } from '../test/harness/load-process.js';
import { mixedLoad } from '../test/harness/zero-downtime.js';

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

// The app logs to the lab's syslog receiver, tagged webapp (docker's syslog driver).
const logging = { options: syslogContainerOptions(lab) };
const three = writeConfig(labConfig(lab, { green: 3, blue: 3, overrides: { container: logging } }));
const five = writeConfig(labConfig(lab, { green: 5, blue: 3, overrides: { container: logging } }));
// 2.0.0 is built from examples/app and pushed by bluegreen itself (the seed's step 1).
const withBuild = writeConfig(
  labConfig(lab, {
    green: 5,
    blue: 3,
    overrides: {
      container: logging,
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
  versions: string;
}
const rows: Row[] = [];
// The load starts once something serves: before the first deploy nginx can only answer 502.
let load: LoadProcess | undefined;

async function phase(
  name: string,
  config: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<void> {
  load?.mark(name);
  console.log(`\n$ bluegreen ${args.join(' ')}`);
  const res = await bluegreen(config, args, env);
  process.stdout.write(res.stdout);
  if (res.code !== 0) {
    process.stderr.write(res.stderr);
    throw new Error(`${name} failed with exit code ${res.code}`);
  }
  load?.mark(`after ${name.split(' ')[0]}`);
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) seen.add((await httpGet(lab.balancer.url)).body.trim());
  rows.push({ phase: name, seconds: (res.ms / 1000).toFixed(1), versions: [...seen].sort().join(' + ') });
}

let failed = false;
try {
  await phase('deploy 1.0.0 → green', three, ['deploy', '--version', '1.0.0']);
  load = mixedLoad(lab.balancer.url, 200, { maxDurationMs: 300_000, firstWindow: 'serving 1.0.0' });
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
  const report = await load?.stop();
  console.log('\nThe commands (each under load from the end of the first deploy):\n');
  const header = ['phase', 'time', 'serving after'];
  const table = [header, ...rows.map((r) => [r.phase, `${r.seconds}s`, r.versions])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) console.log(`  ${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
  if (report) {
    console.log(
      `\nWhat users saw through nginx in the container \`balancer\` (retries off), open-loop at 200 requests/s:\n` +
        '40 % fresh-connection GETs, 40 % keep-alive GETs, 20 % POSTs; one row per window:\n',
    );
    console.log(formatWindows(report).replace(/^/gm, '  '));
    const violations = assertZeroDowntime(report, { maxIdleResets: 5 });
    console.log(
      violations.length === 0
        ? `\n  zero downtime: ${report.total.sent} requests, ${report.total.failures + report.total.non2xx} failed, ${report.total.idleResets} idle keep-alive resets (retried, as browsers do)`
        : `\n  NOT zero downtime:\n    ${violations.join('\n    ')}`,
    );
    if (violations.length) failed = true;
  }
  try {
    const lines = readFileSync(lab.syslog.file, 'utf8')
      .split('\n')
      .filter((l) => / webapp\[/.test(l));
    console.log(
      `\nThe app's log, as the syslog server at udp://${lab.syslog.address}:${lab.syslog.port} received it (${lines.length} lines tagged webapp); a few:\n`,
    );
    for (const l of lines.filter((x) => x.includes('listening')).slice(0, 4)) console.log(`  ${l}`);
    for (const l of lines.filter((x) => x.includes('SIGTERM')).slice(0, 2)) console.log(`  ${l}`);
  } catch (err) {
    console.log(`\nno syslog lines: ${(err as Error).message}`);
  }
  if (!values.keep) execFileSync('bash', ['test/lab/down.sh'], { cwd: ROOT, stdio: 'inherit' });
  else console.log('\nthe lab is still up: `bash test/lab/down.sh` tears it down');
}
unlock();
process.exitCode = failed ? 1 : 0;
