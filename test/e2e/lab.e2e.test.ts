// The first end-to-end test: proves the lab itself. Over real ssh it runs the v1 app on two
// green hosts, points the balancer's upstream at them, reloads nginx over ssh and checks
// that requests through http://10.88.0.2/ reach both hosts.
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
} from '../support/lab.js';

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

    // write the upstream on the balancer host and reload nginx there, over ssh
    const upstream = upstreamFor(hosts.map((h) => h.address));
    sshOn(lab, lab.balancer.name, `cat > ${lab.balancer.file}`, { input: upstream });
    expect(sshOn(lab, lab.balancer.name, `cat ${lab.balancer.file}`).stdout).toBe(upstream);
    const workers = sshOn(lab, lab.balancer.name, `pgrep -P "$(cat ${lab.balancer.pidFile})"`).stdout.trim();
    sshOn(lab, lab.balancer.name, `${lab.balancer.test} && ${lab.balancer.reload}`);
    // the reload is done when the old workers are gone (pitfall 11)
    sshOn(
      lab,
      lab.balancer.name,
      `for i in $(seq 300); do alive=0; for p in ${workers.split(/\s+/).join(' ')}; do ` +
        `[ -d /proc/$p ] && alive=1; done; [ $alive = 0 ] && exit 0; sleep 0.05; done; exit 1`,
    );

    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await httpGet(lab.balancer.url, { timeoutMs: 5_000 });
      expect(r.status).toBe(200);
      expect(r.body).toBe('Hello World\n');
      expect(r.headers['x-version']).toBe('1.0.0');
      seen.add(String(r.headers['x-server']));
    }
    expect([...seen].sort()).toEqual(hosts.map((h) => h.address).sort());
  });

  it('resetLab puts the lab back to its initial state', async () => {
    if (!lab) throw new Error(skip);
    await resetLab(lab);
    for (const h of [...lab.hosts.green, ...lab.hosts.blue]) {
      expect(dockerOn(lab, h.name, ['ps', '-aq']).stdout.trim()).toBe('');
    }
    const r = await httpGet(lab.balancer.url, { timeoutMs: 5_000 });
    expect(r.status).toBe(502);
  });
});
