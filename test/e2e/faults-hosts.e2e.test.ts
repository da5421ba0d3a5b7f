import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { bluegreen, startBluegreen } from '../harness/bluegreen.js';
import { faultFixture } from '../harness/faults.js';
import { dockerOn, sh } from '../harness/lab.js';

// Faults: hosts and images: unreachable and hanging hosts, a missing image, the registry down, candidates that crash, fail or answer slowly, one host of three failing, SSH dropping during the pull.
// Each runs under load through the lab's balancer (see test/harness/faults.ts for the
// invariants every scenario keeps); the rows become docs/faults.md via `npm run report`.

const skip = inject('labSkip');
const FAILED_DEPLOY = { expectExit: 1, balancerUnchanged: true };

describe.skipIf(skip)('faults: hosts', () => {
  const f = faultFixture('hosts');
  const { underLoad, cfg, containers } = f;

  it('a blue host unreachable (its link down): names the host, no cutover, others cleaned up', async () => {
    sh(`ip -n bluehost01 link set eth0 down`);
    try {
      const { res, left } = await underLoad(
        'blue host unreachable (link down)',
        () => bluegreen(cfg({ ssh: { connect_timeout: '3s' } }), ['deploy', '--version', '2.0.0']),
        FAILED_DEPLOY,
      );
      expect(res.stderr).toMatch(
        /bluehost01: cannot connect over SSH to root@10\.88\.0\.61:22: (no SSH handshake within 3000ms|host unreachable)/,
      );
      expect(left).toBe(0);
    } finally {
      sh(`ip -n bluehost01 link set eth0 up`);
    }
  });

  it('a blue host whose SSH handshake hangs (sshd stopped): times out instead of hanging', async () => {
    const pid = readFileSync(`${f.lab.dir}/bluehost02/sshd.pid`, 'utf8').trim();
    sh(`kill -STOP ${pid}`);
    try {
      const { res } = await underLoad(
        'SSH handshake hangs (sshd SIGSTOP)',
        () => bluegreen(cfg({ ssh: { connect_timeout: '2s' } }), ['deploy', '--version', '2.0.0']),
        FAILED_DEPLOY,
      );
      expect(res.stderr).toMatch(
        /bluehost02: cannot connect over SSH to root@10\.88\.0\.62:22: no SSH handshake within 2000ms/,
      );
      expect(res.ms).toBeLessThan(30_000);
    } finally {
      sh(`kill -CONT ${pid}`);
    }
  });

  it('the image missing from the registry: refused when the tag is resolved, before any host is touched', async () => {
    const { res } = await underLoad(
      'image tag missing from the registry',
      () => bluegreen(f.goodPath, ['deploy', '--version', '9.9.9']),
      FAILED_DEPLOY,
    );
    expect(res.stderr).toMatch(/image 10\.88\.0\.1:5000\/hubuser\/app:9\.9\.9: the registry has no such tag/);
    expect(res.stderr).not.toMatch(/bluehost0\d\s+(pull|start)/);
  });

  it('the registry down: refused when the tag is resolved, before any host is touched', async () => {
    const { res } = await underLoad(
      'registry down (nothing listening)',
      () =>
        bluegreen(cfg({ image: '10.88.0.1:5001/hubuser/app', registry: { server: '10.88.0.1:5001' } }), [
          'deploy',
          '--version',
          '2.0.0',
        ]),
      FAILED_DEPLOY,
    );
    expect(res.stderr).toMatch(
      /image 10\.88\.0\.1:5001\/hubuser\/app:2\.0\.0: cannot reach the registry at http:\/\/10\.88\.0\.1:5001: ECONNREFUSED/,
    );
  });

  it('the registry unreachable from the hosts during their pull: named per host, all cleaned up', async () => {
    // The tag resolves (bluegreen reaches the registry); the blue hosts cannot (a firewall in
    // their namespaces refuses the registry's port), so their pulls fail.
    const rule = `OUTPUT -d 10.88.0.1 -p tcp --dport 5000 -j REJECT`;
    for (const h of f.blue()) sh(`ip netns exec ${h.name} iptables -w -I ${rule}`);
    for (const h of f.blue()) dockerOn(f.lab, h.name, ['rmi', '-f', f.lab.images.v2], { check: false });
    try {
      const { res, left } = await underLoad(
        'registry unreachable from the hosts during the pull',
        () => bluegreen(f.goodPath, ['deploy', '--version', '2.0.0']),
        FAILED_DEPLOY,
      );
      expect(res.stderr).toMatch(
        /bluehost0\d: `docker pull --quiet 10\.88\.0\.1:5000\/hubuser\/app@sha256:[0-9a-f]{64}` exited 1: .*(connection refused|connect)/,
      );
      expect(left).toBe(0);
    } finally {
      for (const h of f.blue()) sh(`ip netns exec ${h.name} iptables -w -D ${rule}`, { check: false });
    }
  });

  // Candidates that misbehave in the ways apps do: the same deploy, the app's own knobs.
  it.each([
    [
      'container exits at start',
      { EXIT_AT_START: '1' },
      { retries: 4, interval: '250ms' },
      /bluehost0\d: check GET http:\/\/10\.88\.0\.6\d:8000\/ failed after 4 attempts: .*ECONNREFUSED.*container log: EXIT_AT_START=1: exiting with status 1/,
    ],
    [
      'container answers 500',
      { STATUS: '500' },
      { retries: 3 },
      /check GET .* failed after 3 attempts: status 500, expected 200/,
    ],
    [
      'container answers after 3 s (timeout 1 s)',
      { RESPONSE_DELAY_MS: '3000' },
      { retries: 4, timeout: '1s' },
      /failed after 4 attempts: no response within 1000ms/,
    ],
  ])('a candidate whose %s fails its check', async (fault, env, checks, pattern) => {
    const misbehaving = cfg({ container: { env: { PORT: '8000', ...env } }, checks });
    const { res } = await underLoad(
      fault,
      () => bluegreen(misbehaving, ['deploy', '--version', '2.0.0']),
      FAILED_DEPLOY,
    );
    expect(res.stderr).toMatch(pattern);
  });

  it('one of three blue hosts failing: all or nothing, the other two cleaned up', async () => {
    // Something else holds port 8000 on bluehost01 and answers 500.
    dockerOn(f.lab, 'bluehost01', [
      'run',
      '-d',
      '--name',
      'squatter',
      '--network',
      'host',
      '--init',
      '-e',
      'PORT=8000',
      '-e',
      'STATUS=500',
      f.lab.images.v1,
    ]);
    try {
      const { res, left } = await underLoad(
        '1 of 3 blue hosts fails its check',
        () => bluegreen(cfg({ checks: { retries: 4 } }), ['deploy', '--version', '2.0.0']),
        FAILED_DEPLOY,
      );
      expect(res.stderr).toMatch(
        /bluehost01: check GET http:\/\/10\.88\.0\.61:8000\/ failed after 4 attempts: status 500/,
      );
      expect(res.stderr).not.toMatch(/bluehost0[02]: check/);
      expect(left).toBe(0);
      expect(containers('bluehost01')).toEqual(['squatter']);
    } finally {
      dockerOn(f.lab, 'bluehost01', ['rm', '-f', 'squatter']);
    }
  });

  it('the SSH connection to a host dropping mid-deploy, during its pull', async () => {
    // A cold pull (the image removed first), and the drop only once that host's `docker pull`
    // runs: a process below bluehost00's sshd.
    dockerOn(f.lab, 'bluehost00', ['rmi', '-f', f.lab.images.v2], { check: false });
    // hosts pull by digest: repository@sha256:…
    const pinned = `${f.lab.images.v2.replace(/:2\.0\.0$/, '')}@sha256:`;
    const master = readFileSync(`${f.lab.dir}/bluehost00/sshd.pid`, 'utf8').trim();
    const pullOnHost = () =>
      sh(
        `for p in $(pgrep -f 'docker pull --quiet ${pinned}'); do a=$p; ` +
          `while [ "$a" -gt 1 ]; do a=$(ps -o ppid= -p "$a" | tr -d ' '); [ -n "$a" ] || break; ` +
          `if [ "$a" = ${master} ]; then echo "$p"; break; fi; done; done`,
        { check: false },
      ).stdout.trim();
    let pullPid = '';
    const { res, left } = await underLoad(
      'SSH connection drops during the pull',
      async () => {
        const run = startBluegreen(f.goodPath, ['deploy', '--version', '2.0.0']);
        const deadline = Date.now() + 30_000;
        while (!(pullPid = pullOnHost()) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        // the per-connection sshd processes, not the listener
        sh(`pkill -KILL -P ${master}`, { check: false });
        return run.done;
      },
      FAILED_DEPLOY,
    );
    expect(pullPid, 'bluehost00 never ran its docker pull').not.toBe('');
    expect(res.stderr).toMatch(
      /bluehost00: SSH connection lost or command killed.* while running `docker pull --quiet 10\.88\.0\.1:5000\/hubuser\/app@sha256:[0-9a-f]{64}`/,
    );
    expect(left).toBe(0);
  });
});
