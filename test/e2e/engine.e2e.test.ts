import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bluegreen, labConfig, writeConfig } from '../harness/bluegreen.js';
import { dockerOn, httpGet, loadLab, resetLab, type Lab } from '../harness/lab.js';
import { expectZeroDowntime, mixedLoad, settle, V1, V2 } from '../harness/zero-downtime.js';

// The seed's story against real hosts, a real registry and a real nginx, through the real
// CLI: deploy, scale, blue-green under load, promote, rollback, and a failed deploy.

const skip = inject('labSkip');

async function sample(
  url: string,
  n: number,
): Promise<{ bodies: Map<string, number>; servers: Map<string, number> }> {
  const bodies = new Map<string, number>();
  const servers = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await httpGet(url);
    expect(r.status).toBe(200);
    bodies.set(r.body, (bodies.get(r.body) ?? 0) + 1);
    const s = String(r.headers['x-server']);
    servers.set(s, (servers.get(s) ?? 0) + 1);
  }
  return { bodies, servers };
}

function containersOn(lab: Lab, host: string): string[] {
  return dockerOn(lab, host, ['ps', '-a', '--format', '{{.Names}} {{.State}}'])
    .stdout.split('\n')
    .filter(Boolean);
}

describe.skipIf(skip)('the seed story, end to end', () => {
  let lab: Lab;
  let config3: string;
  let config5: string;
  let url: string;

  beforeAll(async () => {
    lab = loadLab();
    await resetLab(lab);
    url = lab.balancer.url;
    config3 = writeConfig(labConfig(lab, { green: 3, blue: 3 }));
    config5 = writeConfig(labConfig(lab, { green: 5, blue: 3 }));
  });

  afterAll(async () => {
    if (lab) await resetLab(lab);
  });

  it('1. deploys 1.0.0 to green: every host serves Hello World, round-robin through nginx', async () => {
    const res = await bluegreen(config3, ['deploy', '--version', '1.0.0']);
    expect(res.stderr + res.stdout).toContain('1.0.0 live on green (3 hosts)');
    expect(res.code).toBe(0);
    for (const h of lab.hosts.green.slice(0, 3)) {
      const direct = await httpGet(`http://${h.address}:8000/`);
      expect(direct.body).toBe('Hello World\n');
    }
    const { bodies, servers } = await sample(url, 60);
    expect([...bodies.keys()]).toEqual(['Hello World\n']);
    expect([...servers.keys()].sort()).toEqual(
      lab.hosts.green
        .slice(0, 3)
        .map((h) => h.address)
        .sort(),
    );
    // Round robin: each host gets its share (nginx workers keep separate positions, so not exactly 20).
    for (const n of servers.values()) expect(n).toBeGreaterThanOrEqual(10);
  });

  it('--dry-run prints the plan and the nginx diff and changes nothing', async () => {
    const before = readFileSync(lab.balancer.localFile, 'utf8');
    const res = await bluegreen(config3, ['deploy', '--version', '2.0.0', '--dry-run']);
    expect(res.code).toBe(0);
    // The tag resolved to its digest once: every host would pull and run exactly that.
    expect(res.stdout).toMatch(
      /bluehost00: docker pull --quiet 10\.88\.0\.1:5000\/hubuser\/app@sha256:[0-9a-f]{64}\n/,
    );
    expect(res.stdout).toMatch(/\+ {4}server 10\.88\.0\.60:8000/);
    expect(readFileSync(lab.balancer.localFile, 'utf8')).toBe(before);
    expect(containersOn(lab, 'bluehost00')).toEqual([]);
  });

  it('2. scales green from 3 to 5 hosts: five hosts serve through nginx', async () => {
    const res = await bluegreen(config5, ['scale']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('scaled green: +2 (greenhost03, greenhost04)');
    const { servers } = await sample(url, 80);
    expect([...servers.keys()].sort()).toEqual(
      lab.hosts.green
        .slice(0, 5)
        .map((h) => h.address)
        .sort(),
    );
  });

  it('4. a candidate that fails its check: exit 1, nginx untouched, live pool serving, blue cleaned up', async () => {
    const before = readFileSync(lab.balancer.localFile, 'utf8');
    const failing = writeConfig(
      labConfig(lab, {
        green: 5,
        overrides: { container: { env: { PORT: '8000', STATUS: '500' } }, checks: { retries: 4 } },
      }),
    );
    const load = mixedLoad(url, 200, { bodies: [V1], firstWindow: 'steady' });
    await settle(1500);
    load.mark('failed deploy');
    const res = await bluegreen(failing, ['deploy', '--version', '2.0.0']);
    load.mark('after');
    await settle(500);
    const report = await load.stop();
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /bluehost0\d: check GET http:\/\/10\.88\.0\.6\d:8000\/ failed after 4 attempts: status 500, expected 200/,
    );
    expect(res.stderr).toContain('Nothing reached users');
    expect(readFileSync(lab.balancer.localFile, 'utf8')).toBe(before);
    for (const h of lab.hosts.blue.slice(0, 3)) expect(containersOn(lab, h.name)).toEqual([]);
    expectZeroDowntime('engine', 'a failed deploy', report, {
      latency: { steady: 'steady', windows: ['failed deploy'], starting: ['failed deploy'] },
    });
  });

  it('3. blue-green under load: deploy 2.0.0, promote, roll back — zero failed requests', async () => {
    // 300 requests/s in all: fresh GETs, keep-alive GETs and fresh POSTs, sent on schedule.
    const load = mixedLoad(url, 300, { firstWindow: 'steady' });
    const phases: string[] = [];
    const phase = async (name: string, args: string[]) => {
      load.mark(name);
      const res = await bluegreen(config5, args);
      expect(res.code, `${name}: ${res.stderr}`).toBe(0);
      phases.push(`${name.padEnd(9)} ${(res.ms / 1000).toFixed(1)}s`);
      load.mark(`after ${name}`);
      return res;
    };
    await settle(1500);

    await phase('deploy', ['deploy', '--version', '2.0.0']);
    const mixed = await sample(url, 40);
    expect([...mixed.bodies.keys()].sort()).toEqual([V2, V1]);

    await phase('promote', ['promote']);
    const promoted = await sample(url, 30);
    expect([...promoted.bodies.keys()]).toEqual([V2]);
    // The old pool keeps running outside the balancer (promote.keep_old): the instant rollback.
    for (const h of lab.hosts.green.slice(0, 5))
      expect(containersOn(lab, h.name)).toEqual(['webapp-1.0.0 running']);

    const back = await phase('rollback', ['rollback']);
    // Warm: checked again and switched back, nothing pulled, run or started.
    expect(back.stdout + back.stderr).toContain('5 still running (switched back)');
    expect(back.stderr).not.toMatch(/greenhost0\d\s+(pull|start)\s/);
    const rolled = await sample(url, 30);
    expect([...rolled.bodies.keys()]).toEqual([V1]);
    await settle(1000);

    const report = await load.stop();
    console.log(`blue-green under load: ${phases.join('; ')}`);
    expect(report.total.sent).toBeGreaterThan(3000);
    expect(report.total.bodies[V1]).toBeGreaterThan(0);
    expect(report.total.bodies[V2]).toBeGreaterThan(0);
    // One reload per command: at most one idle keep-alive reset each, retried successfully.
    expectZeroDowntime('engine', 'deploy, promote, rollback', report, {
      maxIdleResets: 3,
      latency: { steady: 'steady', windows: ['deploy', 'promote', 'rollback'], starting: ['deploy'] },
    });
  });

  it('rejects a bad config before touching anything (exit 2, names the field)', async () => {
    const before = readFileSync(lab.balancer.localFile, 'utf8');
    const bad = writeConfig(labConfig(lab, { overrides: { pools: { blue: ['bluehost00;reboot'] } } }));
    const res = await bluegreen(bad, ['deploy', '--version', '3.0.0']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('pools.blue.0: expected "host" or "host:port"');
    const badTag = await bluegreen(config5, ['deploy', '--version', '3.0.0;id']);
    expect(badTag.code).toBe(2);
    expect(badTag.stderr).toContain('--version: "3.0.0;id" is not a valid image tag');
    expect(readFileSync(lab.balancer.localFile, 'utf8')).toBe(before);
  });

  it('status tells what is live and what runs where', async () => {
    const res = await bluegreen(config5, ['status', '--json']);
    expect(res.code).toBe(0);
    const outcome = JSON.parse(res.stdout) as {
      status: {
        live: string;
        previous: { version: string };
        hosts: { host: string; state: string; ok: boolean }[];
      };
    };
    expect(outcome.status.live).toBe('green');
    expect(outcome.status.previous.version).toBe('2.0.0');
    const green = outcome.status.hosts.filter((h) => h.host.startsWith('greenhost'));
    expect(green).toHaveLength(5);
    expect(green.every((h) => h.state === 'running' && h.ok)).toBe(true);
  });
});
