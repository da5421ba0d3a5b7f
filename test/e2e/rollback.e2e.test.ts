import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bluegreen, labConfig, writeConfig } from '../harness/bluegreen.js';
import { dockerOn, loadLab, resetLab, sshOn, type Lab, servedVersions } from '../harness/lab.js';
import { saveResult } from '../harness/results.js';
import { expectZeroDowntime, mixedLoad, settle, V1, V2 } from '../harness/zero-downtime.js';

// Rollback in a blink: the old pool kept warm after a promote is the instant rollback (only a
// switch back); one stopped by promote.keep_old comes back by `docker start`, no pull; a deploy
// to the idle pool stops its warm containers and still leaves a rollback target; retention
// keeps exactly `retain` containers per host and never the live or previous version.

const skip = inject('labSkip');

interface HostSteps {
  host: string;
  steps: { step: string; detail?: string }[];
}

describe.skipIf(skip)('rollback to a kept old pool, and retention', () => {
  let lab: Lab;
  const cfg = (overrides: Record<string, unknown> = {}) =>
    writeConfig(labConfig(lab, { green: 3, blue: 3, overrides }));
  const containers = (host: string) =>
    dockerOn(lab, host, ['ps', '-a', '--format', '{{.Names}} {{.State}}'])
      .stdout.split('\n')
      .filter(Boolean)
      .sort();
  const steps = (stdout: string) =>
    (JSON.parse(stdout) as { hosts: HostSteps[] }).hosts.map(
      (h) => `${h.host}: ${h.steps.map((s) => s.step).join(' ')}`,
    );
  const served = (n = 20) => servedVersions(lab, n);

  beforeAll(async () => {
    lab = loadLab();
    await resetLab(lab);
    // More versions for retention: the 2.0.0 image under other tags.
    const image = lab.images.v2.replace(/:[^:/]+$/, '');
    const docker = (args: string[]) =>
      execFileSync('docker', args, {
        env: { ...process.env, DOCKER_HOST: lab.buildDockerHost },
        stdio: 'pipe',
      });
    docker(['pull', '-q', lab.images.v2]);
    for (const v of ['2.1.0', '2.2.0', '2.3.0']) {
      docker(['tag', lab.images.v2, `${image}:${v}`]);
      docker(['push', '-q', `${image}:${v}`]);
    }
  });
  afterAll(async () => {
    if (lab) await resetLab(lab);
  });

  it('rollback while the old pool is warm: a switch back under load, no docker run, pull or start', async () => {
    const c = cfg();
    expect((await bluegreen(c, ['deploy', '--version', '1.0.0'])).code).toBe(0);
    expect((await bluegreen(c, ['deploy', '--version', '2.0.0', '--promote'])).code).toBe(0);
    for (const h of lab.hosts.green.slice(0, 3)) expect(containers(h.name)).toEqual(['webapp-1.0.0 running']);
    const status = await bluegreen(c, ['status']);
    expect(status.stdout).toContain(
      'previous: 1.0.0 on green: old pool warm (1.0.0, still running outside the balancer)',
    );

    const load = mixedLoad(lab.balancer.url, 300, { firstWindow: 'steady' });
    await settle(1500);
    load.mark('rollback');
    const res = await bluegreen(c, ['rollback', '--json']);
    load.mark('after');
    await settle(500);
    const report = await load.stop();
    expect(res.code, res.stderr).toBe(0);
    expect(await served()).toEqual([V1]);
    // The outcome's per-host steps: only a look and a check on the pool that comes back.
    expect(
      steps(res.stdout)
        .filter((l) => l.startsWith('greenhost'))
        .sort(),
    ).toEqual([
      'greenhost00: connect warm check',
      'greenhost01: connect warm check',
      'greenhost02: connect warm check',
    ]);
    expect(res.stderr).not.toMatch(/docker (run|pull|start)/);
    console.log(`rollback while warm: ${res.ms} ms (CLI start to exit)`);
    saveResult('rollback', 'warm rollback', { ms: res.ms });
    expectZeroDowntime('rollback', 'a rollback to the warm old pool', report, {
      maxIdleResets: 1,
      latency: { steady: 'steady', windows: ['rollback'] },
    });
  });

  it('keep_old 5s: the old pool is stopped (not removed) by a timer on its hosts after bluegreen ended; rollback docker-starts it, no pull', async () => {
    const c = cfg({ promote: { keep_old: '5s' } });
    // 1.0.0 live on green, 2.0.0 warm on blue: promote 2.0.0 again from a fresh deploy.
    expect((await bluegreen(c, ['deploy', '--version', '2.0.0', '--promote'])).code).toBe(0);
    // The timer is a detached process on each old host, marked so a later run can see it.
    expect(sshOn(lab, 'greenhost00', 'pgrep -af bluegreen-keep-old').stdout).toContain(
      ': bluegreen-keep-old webapp webapp-1.0.0; sleep 5;',
    );
    await settle(7000);
    for (const h of lab.hosts.green.slice(0, 3)) expect(containers(h.name)).toEqual(['webapp-1.0.0 exited']);
    expect((await bluegreen(c, ['status'])).stdout).toMatch(/previous: 1\.0\.0 on green: .*stopped at/);

    const load = mixedLoad(lab.balancer.url, 200);
    // (rolled back with the default keep_old: blue stays warm for the next test)
    const res = await bluegreen(cfg(), ['rollback', '--json']);
    const report = await load.stop();
    expect(res.code, res.stderr).toBe(0);
    expect(
      steps(res.stdout)
        .filter((l) => l.startsWith('greenhost'))
        .sort(),
    ).toEqual([
      'greenhost00: connect start check',
      'greenhost01: connect start check',
      'greenhost02: connect start check',
    ]);
    const started = (JSON.parse(res.stdout) as { hosts: HostSteps[] }).hosts
      .filter((h) => h.host.startsWith('greenhost'))
      .map((h) => h.steps.find((st) => st.step === 'start')?.detail);
    expect(started).toEqual(Array(3).fill('docker start webapp-1.0.0 (no pull)'));
    expect(await served()).toEqual([V1]);
    console.log(`rollback to stopped containers: ${res.ms} ms`);
    saveResult('rollback', 'stopped rollback', { ms: res.ms });
    expectZeroDowntime('rollback', 'a rollback to the stopped old pool', report, { maxIdleResets: 1 });
  });

  it('a deploy to the idle pool stops its warm containers (kept) and still leaves a rollback target', async () => {
    const c = cfg();
    // green 1.0.0 live; blue holds 2.0.0 warm (kept by the rollback above).
    expect(containers('bluehost00')).toEqual(['webapp-2.0.0 running']);
    const res = await bluegreen(c, ['deploy', '--version', '2.1.0']);
    expect(res.code, res.stderr).toBe(0);
    expect(containers('bluehost00')).toEqual(['webapp-2.0.0 exited', 'webapp-2.1.0 running']);
    // The candidate can be rolled back (green alone again), and promoted later.
    expect((await bluegreen(c, ['rollback'])).code).toBe(0);
    expect(await served()).toEqual([V1]);
    expect(containers('bluehost00')).toEqual(['webapp-2.0.0 exited']);
  });

  it('retention keeps exactly `retain` containers per host, never the live or previous version', async () => {
    const c = cfg({ retain: 3 });
    for (const v of ['2.1.0', '2.2.0', '2.3.0', '1.0.0', '2.0.0']) {
      const r = await bluegreen(c, ['deploy', '--version', v, '--promote']);
      expect(r.code, `${v}: ${r.stderr}`).toBe(0);
    }
    // live 2.0.0 on one pool, previous 1.0.0 warm on the other; each host at most 3.
    for (const h of [...lab.hosts.green.slice(0, 3), ...lab.hosts.blue.slice(0, 3)]) {
      const mine = containers(h.name);
      expect(mine.length, `${h.name}: ${mine.join(', ')}`).toBeLessThanOrEqual(3);
    }
    const all = [...lab.hosts.green.slice(0, 3), ...lab.hosts.blue.slice(0, 3)].flatMap((h) =>
      containers(h.name),
    );
    expect(all.filter((x) => x === 'webapp-2.0.0 running')).toHaveLength(3);
    expect(all.filter((x) => x === 'webapp-1.0.0 running')).toHaveLength(3);
    const dry = await bluegreen(c, ['prune', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/nothing to prune|would prune/);
    expect(await served()).toEqual([V2]);
  });
});
