// The first end-to-end test: proves the lab itself. Over real ssh it runs the v1 app on two
// green hosts, points lb2's nginx upstream at them, reloads it over ssh and checks that
// requests through it reach both hosts; then that every balancer of the lab answers (the
// classic nginx and HAProxy containers on dockerhost among them) and that the syslog
// receiver hears the hosts.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dockerOn,
  httpGet,
  labSkipReason,
  loadLab,
  resetLab,
  sshOn,
  sshOnAsync,
  upstreamFor,
} from '../harness/lab.js';

const skip = labSkipReason();

describe.skipIf(skip !== undefined)('lab', () => {
  const lab = skip === undefined ? loadLab() : undefined;

  afterAll(async () => {
    if (lab) await resetLab(lab);
  });

  it('serves v1 from two green hosts through nginx, driven over ssh', async () => {
    if (!lab) throw new Error(skip);
    const hosts = lab.hosts.green.slice(0, 2);
    expect(hosts).toHaveLength(2);

    // every ssh session talks to its own host's daemon
    await Promise.all(
      hosts.map(async (h) => {
        const out = (await sshOnAsync(lab, h.name, 'echo "$DOCKER_HOST"; hostname')).stdout
          .trim()
          .split('\n');
        expect(out).toEqual([h.dockerHost, h.name]);
        await sshOnAsync(
          lab,
          h.name,
          `docker run -d --name labtest --network host --init -e PORT=8000 ${lab.images.v1}`,
          {
            timeoutMs: 120_000,
          },
        );
      }),
    );
    for (const h of hosts) {
      const ps = dockerOn(lab, h.name, [
        'ps',
        '--filter',
        'name=labtest',
        '--format',
        '{{.Image}} {{.Status}}',
      ]);
      expect(ps.stdout).toMatch(new RegExp(`^${lab.images.v1.replace(/[.]/g, '\\.')} Up`));
      // wait until the app listens (preflight, pitfall 12)
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          const r = await httpGet(`http://${h.address}:8000/`, { timeoutMs: 2_000 });
          expect(r.status).toBe(200);
          expect(r.headers['x-server']).toBe(h.address);
          break;
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }

    // write the upstream on lb2 and reload its nginx there, over ssh
    const b = lab.balancers.nginxHost;
    const upstream = upstreamFor(hosts.map((h) => h.address));
    sshOn(lab, b.host, `cat > ${b.file}`, { input: upstream });
    expect(sshOn(lab, b.host, `cat ${b.file}`).stdout).toBe(upstream);
    const workers = sshOn(lab, b.host, `pgrep -P "$(cat ${b.pidFile})"`).stdout.trim();
    sshOn(lab, b.host, `${b.test} && ${b.reload}`);
    // the reload is done when the old workers are gone (a reload command returns at once)
    sshOn(
      lab,
      b.host,
      `for i in $(seq 300); do alive=0; for p in ${workers.split(/\s+/).join(' ')}; do ` +
        `[ -d /proc/$p ] && alive=1; done; [ $alive = 0 ] && exit 0; sleep 0.05; done; exit 1`,
    );

    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await httpGet(b.url, { timeoutMs: 5_000 });
      expect(r.status).toBe(200);
      expect(r.body).toBe('Hello World\n');
      expect(r.headers['x-version']).toBe('1.0.0');
      seen.add(String(r.headers['x-server']));
    }
    expect([...seen].sort()).toEqual(hosts.map((h) => h.address).sort());
  });

  it('resetLab puts the lab back to its initial state: every balancer answers, none has a server', async () => {
    if (!lab) throw new Error(skip);
    await resetLab(lab);
    for (const h of [...lab.hosts.green, ...lab.hosts.blue]) {
      expect(dockerOn(lab, h.name, ['ps', '-aq']).stdout.trim()).toBe('');
    }
    for (const b of Object.values(lab.balancers)) {
      const r = await httpGet(b.url, { timeoutMs: 5_000 });
      // nginx: its only server is `down` (502); Caddy: 127.0.0.1:9 refuses (502); HAProxy and
      // Apache: `disabled` (503).
      expect([b.id, r.status]).toEqual([b.id, b.kind === 'nginx' || b.kind === 'caddy' ? 502 : 503]);
    }
  });

  it('runs the classic balancers as containers on dockerhost, each reading its bind-mounted file', () => {
    if (!lab) throw new Error(skip);
    const ps = dockerOn(lab, 'dockerhost', [
      'ps',
      '--no-trunc',
      '--format',
      '{{.Names}} {{.Image}} {{.Mounts}}',
    ]).stdout;
    expect(ps).toContain('balancer nginx /root/nginx.conf');
    expect(ps).toMatch(/haproxy haproxy /);
    // what the container reads is the file on the host, as a user sees it at /root/nginx.conf
    const seen = dockerOn(lab, 'dockerhost', ['exec', 'balancer', 'nginx', '-T']).stdout;
    expect(seen).toContain('upstream app_server {');
    expect(sshOn(lab, 'dockerhost', 'cat /root/nginx.conf').stdout).toBe(lab.balancer.initial);
  });

  it('hears the hosts on its syslog receiver (UDP, the bridge address)', async () => {
    if (!lab) throw new Error(skip);
    const marker = `labtest-${Date.now()}`;
    sshOn(
      lab,
      lab.hosts.green[0]!.name,
      `printf '<14>%s: hello' ${marker} > /dev/udp/${lab.syslog.address}/${lab.syslog.port}`,
    );
    const deadline = Date.now() + 5_000;
    while (!(existsSync(lab.syslog.file) && readFileSync(lab.syslog.file, 'utf8').includes(marker))) {
      if (Date.now() > deadline) throw new Error(`${marker} did not reach ${lab.syslog.file}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
