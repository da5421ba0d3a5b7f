import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { holdLabLock } from '../harness/lab-lock.js';

// Brings the lab of real hosts up once for the whole e2e run, and down afterwards.
// Where the lab cannot run (not Linux, not root) the e2e files skip with the reason;
// .ci/run sets BLUEGREEN_REQUIRE_LAB=1 so that a skip there is a failure instead.
// BLUEGREEN_LAB_KEEP=1 reuses a lab that is up and leaves it up (for iterating).

const ROOT = resolve(import.meta.dirname, '../..');
const GREEN = Number(process.env.LAB_GREEN ?? 5);
const BLUE = Number(process.env.LAB_BLUE ?? 3);

export function labUnavailableReason(): string | undefined {
  if (process.platform !== 'linux')
    return `the lab needs Linux network namespaces (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces, dockerd, sshd)';
  if (!existsSync('/usr/bin/apt-get') && !existsSync('/usr/sbin/dockerd')) {
    return 'the lab needs Debian packages (apt-get) or dockerd installed';
  }
  return undefined;
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const reason = labUnavailableReason();
  project.provide('labSkip', reason ?? '');
  if (reason) {
    if (process.env.BLUEGREEN_REQUIRE_LAB === '1')
      throw new Error(`e2e lab required but unavailable: ${reason}`);
    console.warn(`\n[e2e] SKIPPING the end-to-end suite: ${reason}\n`);
    return undefined;
  }
  const unlock = await holdLabLock();
  // The e2e tests drive the bundled CLI and action: bundle the source under test first.
  execFileSync(process.execPath, [resolve(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  const keep = process.env.BLUEGREEN_LAB_KEEP === '1';
  if (!keep || !existsSync('/run/netns/dockerhost')) {
    const t0 = Date.now();
    execFileSync('bash', [resolve(ROOT, 'test/lab/up.sh'), String(GREEN), String(BLUE)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    console.log(`[e2e] lab up (${GREEN} green + ${BLUE} blue) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  return () => {
    try {
      if (!keep)
        execFileSync('bash', [resolve(ROOT, 'test/lab/down.sh')], {
          stdio: ['ignore', 'inherit', 'inherit'],
        });
    } finally {
      unlock();
    }
  };
}
