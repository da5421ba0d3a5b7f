import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { bluegreen } from '../harness/bluegreen.js';
import { faultFixture } from '../harness/faults.js';
import { workerPids } from '../harness/lab.js';

// Faults: the balancer: its test rejecting the rendered file, the reload failing, a reload that exits 0 but changes nothing.
// Each runs under load through the lab's balancer (see test/harness/faults.ts for the
// invariants every scenario keeps); the rows become docs/faults.md via `npm run report`.

const skip = inject('labSkip');
const FAILED_DEPLOY = { expectExit: 1, balancerUnchanged: true };

describe.skipIf(skip)('faults: balancer', () => {
  const f = faultFixture('balancer');
  const { underLoad, cfg } = f;

  it('nginx -t rejecting the rendered file: previous file restored, no reload', async () => {
    // The file holds an error outside the upstream (a hand edit not yet reloaded: the running
    // nginx still serves the old config). bluegreen keeps everything outside its block, so the
    // file it renders carries the error, and the real `docker exec balancer nginx -t` rejects it.
    const file = f.lab.balancer.localFile;
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('http {\n', 'http {\n    bogus_directive on;\n'));
    const broken = readFileSync(file, 'utf8');
    const workers = workerPids(f.lab, f.lab.balancer).sort();
    try {
      const { res, left } = await underLoad(
        '`nginx -t` rejects the rendered file (an error elsewhere in it)',
        () => bluegreen(f.goodPath, ['deploy', '--version', '2.0.0']),
        FAILED_DEPLOY,
      );
      expect(res.stderr).toMatch(
        /`docker exec balancer nginx -t` rejected the new upstream, previous file restored: .*unknown directive "bogus_directive"/,
      );
      expect(readFileSync(file, 'utf8')).toBe(broken);
      expect(workerPids(f.lab, f.lab.balancer).sort()).toEqual(workers);
      expect(left).toBe(0);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('the reload command failing: previous file restored and reloaded', async () => {
    const { res, left } = await underLoad(
      'the reload command fails',
      () =>
        bluegreen(cfg({ balancer: { reload: 'docker kill -s HUP no-such-container' } }), [
          'deploy',
          '--version',
          '2.0.0',
        ]),
      FAILED_DEPLOY,
    );
    expect(res.stderr).toMatch(/`docker kill -s HUP no-such-container` failed, previous file restored/);
    expect(left).toBe(0);
  });

  it('the reload exiting 0 while nginx keeps its old config: no new worker, previous file restored', async () => {
    const workers = workerPids(f.lab, f.lab.balancer).sort();
    const { res, left } = await underLoad(
      'the reload exits 0 but nginx keeps the old config',
      () => bluegreen(cfg({ balancer: { reload: 'true' } }), ['deploy', '--version', '2.0.0']),
      FAILED_DEPLOY,
    );
    expect(res.stderr).toMatch(
      /nginx started no new worker within 10s after `true` .*previous file restored/,
    );
    expect(workerPids(f.lab, f.lab.balancer).sort()).toEqual(workers);
    expect(left).toBe(0);
  });
});
