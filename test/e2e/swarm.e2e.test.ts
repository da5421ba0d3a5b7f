import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bluegreen, labConfig, ROOT, startBluegreen, writeConfig } from '../harness/bluegreen.js';
import { dockerOn, LAB_DIR, loadLab, resetLab, type Lab, servedVersions } from '../harness/lab.js';
import { saveResult } from '../harness/results.js';
import { expectZeroDowntime, mixedLoad, settle, V1 } from '../harness/zero-downtime.js';

// Swarm pools behind the same balancer: the lab's dockerhost is a Swarm manager, greenhost00-02
// and bluehost00-02 workers labelled pool=green / pool=blue (test/lab/swarm.sh, brought up here
// and taken down after, so the SSH-pool suites find the plain lab before and after). Under
// load (POSTs, no retries): deploy, deploy, promote, rollback; a version whose tasks exit; a
// worker whose dockerd stops (SIGSTOP) during a deploy.

const skip = inject('labSkip');
const SWARM_SH = resolve(ROOT, 'test/lab/swarm.sh');

describe.skipIf(skip)('Swarm pools behind the balancer', () => {
  let lab: Lab;
  let url: string;
  const cfg = (overrides: Record<string, unknown> = {}) => {
    const c = labConfig(lab, {
      overrides: {
        swarm: { manager: lab.dockerhost.address, start_timeout: '90s' },
        ...overrides,
      },
    });
    c.pools = { green: { swarm: { label: 'pool=green' } }, blue: { swarm: { label: 'pool=blue' } } };
    return writeConfig(c);
  };
  const manager = (args: string[]) => dockerOn(lab, 'dockerhost', args, { timeoutMs: 30_000 }).stdout;
  const served = (n = 20) => servedVersions(lab, n);
  const upstream = () => readFileSync(lab.balancer.localFile, 'utf8');
  const addresses = (pool: 'green' | 'blue') =>
    lab.hosts[pool]
      .slice(0, 3)
      .map((h) => h.address)
      .sort();
  const times: Record<string, number> = {};

  beforeAll(async () => {
    lab = loadLab();
    url = lab.balancer.url;
    await resetLab(lab);
    execFileSync('bash', [SWARM_SH, 'up', '3', '3'], { stdio: ['ignore', 'inherit', 'inherit'] });
    // The lab's hosts share one machine's disk and CPUs: a cold pull of a version on its pool's
    // nodes slows the live pool (p99 ~0.9 s in the deploy window), which nodes of their own
    // never do. Each pool's image is pulled before the load, as the SSH-pool suites do.
    for (const h of lab.hosts.green.slice(0, 3)) dockerOn(lab, h.name, ['pull', '-q', lab.images.v1]);
    for (const h of lab.hosts.blue.slice(0, 3)) dockerOn(lab, h.name, ['pull', '-q', lab.images.v2]);
  }, 240_000);
  afterAll(async () => {
    if (!lab) return;
    execFileSync('bash', [SWARM_SH, 'down'], { stdio: ['ignore', 'inherit', 'inherit'] });
    await resetLab(lab);
    if (Object.keys(times).length) saveResult('swarm', 'times', times);
  }, 240_000);

  it('deploy 1.0.0 to green, 2.0.0 to blue, promote, rollback: 0 failed requests', async () => {
    const c = cfg();
    const first = await bluegreen(c, ['deploy', '--version', '1.0.0']);
    expect(first.code, first.stderr).toBe(0);
    times['deploy (first, green)'] = first.ms;
    expect(manager(['service', 'ls', '--format', '{{.Name}} {{.Mode}} {{.Replicas}}'])).toContain(
      'webapp-green global 3/3',
    );
    // The balancer names the three green nodes' own addresses.
    for (const a of addresses('green')) expect(upstream()).toContain(`${a}:8000`);
    expect(await served()).toEqual([V1]);

    const load = mixedLoad(url, 200, { firstWindow: 'steady' });
    await settle(1500);
    load.mark('deploy');
    const dep = await bluegreen(c, ['deploy', '--version', '2.0.0']);
    load.mark('promote');
    const pro = await bluegreen(c, ['promote']);
    load.mark('rollback');
    const rb = await bluegreen(c, ['rollback']);
    load.mark('after');
    await settle(1000);
    const report = await load.stop();
    expect(dep.code, dep.stderr).toBe(0);
    expect(pro.code, pro.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    Object.assign(times, { deploy: dep.ms, promote: pro.ms, rollback: rb.ms });
    console.log(`swarm: deploy ${dep.ms} ms, promote ${pro.ms} ms, rollback ${rb.ms} ms`);
    // After the rollback green serves 1.0.0 again; blue is kept warm (promote.keep_old default).
    expect(await served()).toEqual([V1]);
    for (const a of addresses('green')) expect(upstream()).toContain(`${a}:8000`);
    for (const a of addresses('blue')) expect(upstream()).not.toContain(`${a}:8000`);
    const status = await bluegreen(c, ['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      /swarm: webapp-green \(green\): .*@sha256:[0-9a-f]{64} \(1\.0\.0\), 3 task\(s\) running/,
    );
    // nginx reloads three times (deploy, promote, rollback): at most one idle keep-alive
    // reset each (a reuse racing the old worker's close, retried).
    expectZeroDowntime('swarm', 'swarm deploy, promote, rollback', report, {
      maxIdleResets: 3,
      latency: { steady: 'steady', windows: ['deploy', 'promote', 'rollback'], starting: ['deploy'] },
    });
  });

  it('a version whose tasks exit fails with the task error; nothing reaches the balancer', async () => {
    const before = upstream();
    const c = cfg({ container: { env: { PORT: '8000', EXIT_AT_START: '1' } } });
    const load = mixedLoad(url, 200, { bodies: [V1], firstWindow: 'steady' });
    await settle(1500);
    load.mark('failed deploy');
    const res = await bluegreen(c, ['deploy', '--version', '2.0.0']);
    load.mark('after');
    await settle(500);
    const report = await load.stop();
    expect(res.code).toBe(1);
    // Swarm reports the task Failed, or the check finds the port closed first and quotes the
    // task's log: either way the node is named with why.
    expect(res.stderr).toMatch(
      /bluehost0\d: (task [0-9a-z]{12} failed: .*non-zero exit|check GET .* failed .*task log: EXIT_AT_START=1)/,
    );
    expect(res.stderr).toContain('Nothing reached users');
    expect(upstream()).toBe(before);
    // The idle service has no task on any node ("scaled to 0": its nodes unplaced).
    expect(manager(['service', 'ls', '--format', '{{.Name}} {{.Replicas}}'])).toContain('webapp-blue 0/0');
    expectZeroDowntime('swarm', 'a swarm deploy whose tasks exit', report, {
      latency: { steady: 'steady', windows: ['failed deploy'], starting: ['failed deploy'] },
    });
  });

  it('scale: a node labelled into the live pool joins after its preflight, a node whose label is removed leaves drained; 0 failed', async () => {
    // The user's acts: a fourth node joins the swarm labelled pool=green, later greenhost01
    // loses its label; `bluegreen scale` brings the service's placement and the balancer in line.
    const c = cfg();
    const added = lab.hosts.green[3]!;
    const leaving = lab.hosts.green[1]!;
    const nodeId = (host: string) =>
      dockerOn(lab, host, ['info', '--format', '{{.Swarm.NodeID}}']).stdout.trim();
    const greenTasks = (host: string) =>
      dockerOn(lab, host, [
        'ps',
        '-q',
        '--filter',
        'label=com.docker.swarm.service.name=webapp-green',
      ]).stdout.trim();
    dockerOn(lab, added.name, ['pull', '-q', lab.images.v1]);
    execFileSync('bash', [SWARM_SH, 'up', '4', '3'], { stdio: ['ignore', 'inherit', 'inherit'] });
    expect(upstream()).not.toContain(`${added.address}:8000`);

    const load = mixedLoad(url, 200, { bodies: [V1], firstWindow: 'steady' });
    await settle(1500);
    load.mark('scale out');
    const out = await bluegreen(c, ['scale']);
    load.mark('between');
    expect(out.code, out.stderr).toBe(0);
    expect(upstream()).toContain(`${added.address}:8000`);
    expect(greenTasks(added.name)).not.toBe('');
    manager(['node', 'update', '--label-rm', 'pool', nodeId(leaving.name)]);
    load.mark('scale in');
    const inn = await bluegreen(c, ['scale']);
    load.mark('after');
    await settle(500);
    const report = await load.stop();
    expect(inn.code, inn.stderr).toBe(0);
    expect(upstream()).not.toContain(`${leaving.address}:8000`);
    for (const h of [lab.hosts.green[0]!, lab.hosts.green[2]!, added])
      expect(upstream()).toContain(`${h.address}:8000`);
    expect(await served()).toEqual([V1]);
    // Swarm stops the leaving node's task once bluegreen unplaced it (after the drain).
    const deadline = Date.now() + 30_000;
    while (greenTasks(leaving.name) && Date.now() < deadline) await settle(500);
    expect(greenTasks(leaving.name)).toBe('');
    times['scale out (+1 node)'] = out.ms;
    times['scale in (-1 node)'] = inn.ms;
    console.log(`swarm: scale out ${out.ms} ms, scale in ${inn.ms} ms`);
    // two reloads: at most one idle keep-alive reset each (retried)
    expectZeroDowntime('swarm', 'swarm scale out and in', report, {
      maxIdleResets: 2,
      latency: { steady: 'steady', windows: ['scale out', 'scale in'], starting: ['scale out'] },
    });
  });

  it("a worker's dockerd stopped during a deploy: it fails naming the node, or goes on without it; no request fails", async () => {
    const c = cfg();
    const pidFile = `${LAB_DIR}/bluehost02/dockerd.pid`;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const load = mixedLoad(url, 200, { firstWindow: 'steady' });
    await settle(1500);
    load.mark('deploy, a node down');
    const run = startBluegreen(c, ['deploy', '--version', '2.0.0']);
    let res;
    try {
      await run.waitFor(/webapp-blue (created|updated|re-created)/, 60_000);
      process.kill(pid, 'SIGSTOP');
      res = await run.done;
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    load.mark('after');
    await settle(500);
    const report = await load.stop();
    console.log(
      `deploy with bluehost02's dockerd stopped: exit ${res.code} in ${res.ms} ms\n${res.stderr.slice(-1500)}`,
    );
    if (res.code === 0) {
      expect(res.stderr).toMatch(/bluehost02 went down during the start/);
      expect(upstream()).not.toContain(`${lab.hosts.blue[2]!.address}:8000`);
      for (const a of addresses('blue').filter((a) => a !== lab.hosts.blue[2]!.address))
        expect(upstream()).toContain(`${a}:8000`);
    } else {
      expect(res.stderr).toMatch(/bluehost02/);
    }
    // one reload: at most one idle keep-alive reset (retried)
    expectZeroDowntime('swarm', 'a swarm deploy with a worker down', report, {
      maxIdleResets: 1,
      latency: { steady: 'steady', windows: ['deploy, a node down'], starting: ['deploy, a node down'] },
    });
  });
});
