import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bluegreen, syslogContainerOptions, writeConfig } from '../harness/bluegreen.js';
import { dockerOn, httpGet, loadLab, resetLab, workerPids, type Lab } from '../harness/lab.js';
import { expectZeroDowntime, mixedLoad, settle, V1, V2 } from '../harness/zero-downtime.js';

// The classic setup, exactly as users run it: nginx as a Docker container on the balancer
// host with its whole nginx.conf bind-mounted as one file,
//   docker run -d --name=balancer --volume=/root/nginx.conf:/etc/nginx/nginx.conf:ro nginx
// reloaded by `docker kill -s HUP balancer`; images named like `hubuser/app` and pulled from
// registry.server; the app logging to syslog with the tag `webapp`.

const skip = inject('labSkip');

describe.skipIf(skip)('the classic setup: nginx in a container, hubuser/app, syslog', () => {
  let lab: Lab;
  let config: Record<string, unknown>;
  let path: string;
  const seenByContainer = () => dockerOn(lab, 'dockerhost', ['exec', 'balancer', 'nginx', '-T']).stdout;
  const containerStart = () =>
    dockerOn(lab, 'dockerhost', ['inspect', '--format', '{{.Id}} {{.State.StartedAt}}', 'balancer']).stdout;

  beforeAll(async () => {
    lab = loadLab();
    await resetLab(lab);
    // 2.0.0 already in the blue hosts' image cache, as it is when this file runs after others:
    // the latency budget below judges the switches, and a cold unpack on three lab hosts that
    // share the machine's 2 cores with nginx and the load stalls every request for 0.3–1.1 s
    // (measured run alone), whoever deploys. Cold pulls under load: balancers.e2e, bench.
    for (const h of lab.hosts.blue.slice(0, 3)) dockerOn(lab, h.name, ['pull', '--quiet', lab.images.v2]);
    const host = (h: { name: string; address: string }) => ({ ssh: h.address, name: h.name });
    // The config a user of the classic setup writes (README's "nginx in a container").
    config = {
      app: 'webapp',
      image: 'hubuser/app',
      registry: { server: lab.registry, insecure: true },
      ssh: { user: lab.sshUser, private_key: lab.sshKey, known_hosts: lab.knownHosts },
      container: {
        port: 8000,
        env: { PORT: '8000' },
        options: syslogContainerOptions(lab),
        stop_timeout: '5s',
      },
      pools: {
        green: lab.hosts.green.slice(0, 3).map(host),
        blue: lab.hosts.blue.slice(0, 3).map(host),
      },
      balancer: {
        host: lab.dockerhost.address,
        container: 'balancer',
        file: '/root/nginx.conf',
        url: lab.balancer.url,
        drain_timeout: '30s',
      },
      checks: { body: 'Hello', interval: '250ms', retries: 20 },
    };
    path = writeConfig(config);
  });
  afterAll(async () => {
    if (lab) await resetLab(lab);
  });

  it('deploys hubuser/app 1.0.0 from registry.server: the container sees every green host', async () => {
    const inode = statSync(lab.balancer.localFile).ino;
    const res = await bluegreen(path, ['deploy', '--version', '1.0.0']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/greenhost00\s+pull\s+ok/);
    // Every host runs the image by the digest the state records (hubuser/app from registry.server).
    const state = JSON.parse(
      readFileSync(`${dirname(lab.balancer.localFile)}/bluegreen-webapp.state.json`, 'utf8'),
    ) as {
      pools: { green: { digest: string } };
    };
    expect(state.pools.green.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const h of lab.hosts.green.slice(0, 3)) {
      const image = dockerOn(lab, h.name, [
        'inspect',
        '--format',
        '{{.Config.Image}}',
        'webapp-1.0.0',
      ]).stdout.trim();
      expect(image).toBe(`${lab.registry}/hubuser/app@${state.pools.green.digest}`);
    }
    const seen = seenByContainer();
    for (const h of lab.hosts.green.slice(0, 3)) expect(seen).toContain(`server ${h.address}:8000`);
    // written in place: the bind mount of the single file still holds the same inode
    expect(statSync(lab.balancer.localFile).ino).toBe(inode);
    expect((await httpGet(lab.balancer.url)).body).toBe(V1);
  });

  it("logs every host's start-up line to syslog, tagged webapp", async () => {
    const deadline = Date.now() + 10_000;
    const lines = () =>
      readFileSync(lab.syslog.file, 'utf8')
        .split('\n')
        .filter((l) => / webapp\[\d+\]: app 1\.0\.0 listening/.test(l));
    // The receiver writes where each datagram came from: one line per green host.
    const byAddress = new Map(lab.hosts.green.map((h) => [h.address, h.name]));
    const hosts = () => new Set(lines().map((l) => byAddress.get(l.split(' ')[0]!)));
    while (hosts().size < 3 && Date.now() < deadline) await settle(100);
    console.log(`syslog: ${lines().slice(0, 3).join('\n        ')}`);
    expect([...hosts()].sort()).toEqual(['greenhost00', 'greenhost01', 'greenhost02']);
  });

  it('deploy 2.0.0, promote, roll back under load with POSTs and retries off: zero failed requests', async () => {
    // Docker's sec.nanosec form: this test's events only (the one before ran `docker exec … nginx -T`).
    const now = Date.now();
    const since = `${Math.floor(now / 1000)}.${String((now % 1000) * 1e6).padStart(9, '0')}`;
    const load = mixedLoad(lab.balancer.url, 300, { firstWindow: 'steady' });
    const step = async (name: string, args: string[], bodies: string[]) => {
      load.mark(name);
      const res = await bluegreen(path, args);
      expect(res.code, `${name}: ${res.stderr}`).toBe(0);
      load.mark(`after ${name}`);
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add((await httpGet(lab.balancer.url)).body);
      expect([...seen].sort(), name).toEqual(bodies.sort());
    };
    await settle(1500);
    await step('deploy', ['deploy', '--version', '2.0.0'], [V1, V2]);
    await step('promote', ['promote'], [V2]);
    await step('rollback', ['rollback'], [V1]);
    const report = await load.stop();
    // Three tests and reloads (the bodies above changed each time), none of them through
    // dockerd: the default test runs in the container's namespaces, the default reload signals
    // its main process.
    const viaDocker = dockerOn(lab, 'dockerhost', [
      'events',
      '--since',
      since,
      '--until',
      String(Math.ceil(Date.now() / 1000)),
      '--filter',
      'container=balancer',
      '--filter',
      'event=kill',
      '--filter',
      'event=exec_create',
      '--format',
      '{{.Action}}',
    ]).stdout.trim();
    expect(viaDocker).toBe('');
    expectZeroDowntime('classic', 'nginx in a container: deploy, promote, rollback', report, {
      maxIdleResets: 3,
      latency: { steady: 'steady', windows: ['deploy', 'promote', 'rollback'], starting: ['deploy'] },
    });
  });

  it('a failed deploy leaves the file byte-identical and the container untouched', async () => {
    const before = readFileSync(lab.balancer.localFile, 'utf8');
    const started = containerStart();
    const workers = workerPids(lab, lab.balancer);
    const failing = writeConfig({
      ...config,
      container: { ...(config.container as object), env: { PORT: '8000', STATUS: '500' } },
      checks: { body: 'Hello', interval: '250ms', retries: 3 },
    });
    const load = mixedLoad(lab.balancer.url, 150, { bodies: [V1] });
    const res = await bluegreen(failing, ['deploy', '--version', '2.0.0']);
    const report = await load.stop();
    expect(res.code).toBe(1);
    expect(readFileSync(lab.balancer.localFile, 'utf8')).toBe(before);
    expect(containerStart()).toBe(started);
    expect(workerPids(lab, lab.balancer)).toEqual(workers);
    expectZeroDowntime('classic', 'nginx in a container: a failed deploy', report);
  });

  it('refuses to switch when the container reads another file than the host has (a replaced file)', async () => {
    // An editor that saves by writing a new file and renaming it over the old one leaves the
    // container with the old inode: a reload would load the old config while all looks fine.
    const file = lab.balancer.localFile;
    const text = readFileSync(file, 'utf8');
    writeFileSync(`${file}.new`, text.replace('access_log off;', 'access_log off; # edited'));
    renameSync(`${file}.new`, file);
    try {
      const res = await bluegreen(path, ['deploy', '--version', '2.0.0']);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(
        'container balancer does not see /root/nginx.conf as it is on the host before the change',
      );
      expect(res.stderr).toContain('docker restart balancer');
      const status = await bluegreen(path, ['status']);
      expect(status.stdout).toMatch(/container balancer: running.*DIFFERENT/);
      // The remedy the message names: the container reads the file again.
      dockerOn(lab, 'dockerhost', ['restart', '--time', '1', 'balancer']);
      const again = await bluegreen(path, ['deploy', '--version', '2.0.0']);
      expect(again.code, again.stderr).toBe(0);
      expect((await bluegreen(path, ['rollback'])).code).toBe(0);
    } finally {
      writeFileSync(file, text);
    }
  });

  it('the README config without balancer.container gets told to set it', async () => {
    const bare = writeConfig({
      ...config,
      balancer: {
        host: lab.dockerhost.address,
        file: '/root/nginx.conf',
        test: 'docker exec balancer nginx -t',
        reload: 'docker kill -s HUP balancer',
        url: lab.balancer.url,
      },
    });
    const before = readFileSync(lab.balancer.localFile, 'utf8');
    const res = await bluegreen(bare, ['deploy', '--version', '2.0.0']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/nginx runs in a container .*set balancer\.container: balancer/);
    expect(readFileSync(lab.balancer.localFile, 'utf8')).toBe(before);
  });
});
