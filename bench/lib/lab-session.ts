// The benchmark's own lab: it takes the lab lock (waiting while an e2e run or the demo holds
// it), builds dist/, brings a lab of the size it needs up, and tears it down at the end —
// also after a failure or Ctrl-C. Every tool then works against nginx installed on lb2, its
// upstream in an included file (the scripts and the playbook rewrite that file whole).
import { execFileSync } from 'node:child_process';
import { ROOT } from '../../test/harness/bluegreen.js';
import { loadLab, type Lab } from '../../test/harness/lab.js';
import { holdLabLock } from '../../test/harness/lab-lock.js';
import { log } from './util.js';

export interface LabSize {
  green: number;
  blue: number;
}

/** The lab as up.sh described it, with lb2's nginx as the balancer every tool uses. */
export function benchLab(): Lab {
  const full = loadLab();
  return { ...full, balancer: full.balancers.nginxHost };
}

export async function withLab<T>(
  size: LabSize,
  opts: { build: boolean; keep: boolean },
  fn: (lab: Lab) => Promise<T>,
): Promise<T> {
  const unlock = await holdLabLock();
  let up = false;
  const teardown = () => {
    if (up && !opts.keep) execFileSync('bash', ['test/lab/down.sh'], { cwd: ROOT, stdio: 'inherit' });
    up = false;
  };
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: tearing the lab down`);
    try {
      teardown();
    } finally {
      unlock();
      process.exit(130);
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (opts.build) {
      log('building dist/ (npm run build)');
      execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    }
    log(`bringing the lab up: ${size.green} green + ${size.blue} blue hosts`);
    up = true;
    execFileSync('bash', ['test/lab/up.sh', String(size.green), String(size.blue)], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    return await fn(benchLab());
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    teardown();
    unlock();
  }
}
