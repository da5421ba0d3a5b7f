import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  bluegreen,
  labConfig,
  startBluegreen,
  syslogContainerOptions,
  writeConfig,
} from '../harness/bluegreen.js';
import { dockerOn, loadLab, resetLab, type Lab, servedVersions } from '../harness/lab.js';
import { startRegistry, stopRegistry } from '../harness/registry.js';
import { V1, V2 } from '../harness/zero-downtime.js';

// What users of deploy tools ask for, against the lab: a deploy without a registry (the image
// built on this machine's Docker, streamed to the hosts over SSH, run by image ID) with the
// lab registry stopped; the release phase (once, before any traffic; its failure fails the
// deploy and changes nothing users see); hooks around the commands; `logs` from every host.

const skip = inject('labSkip');

interface OutcomeJson {
  digest?: string;
  hosts: { host: string; steps: { step: string; ms: number; detail?: string }[] }[];
}

describe.skipIf(skip)('registry: none, release phase, hooks, logs', () => {
  let lab: Lab;
  const LOCAL_IMAGE = 'e2e-local/app';
  const buildEnv = () => ({ DOCKER_HOST: lab.buildDockerHost });
  const localDocker = (args: string[]) =>
    execFileSync('docker', args, {
      env: { ...process.env, ...buildEnv(), DOCKER_BUILDKIT: '0' },
      stdio: 'pipe',
    })
      .toString()
      .trim();
  const running = (host: string) =>
    dockerOn(lab, host, ['ps', '--no-trunc', '--format', '{{.Names}} {{.Image}}'])
      .stdout.split('\n')
      .filter(Boolean)
      .sort();
  const served = (n = 10) => servedVersions(lab, n);

  beforeAll(async () => {
    lab = loadLab();
    await resetLab(lab);
  });
  afterAll(async () => {
    if (!lab) return;
    await startRegistry(lab);
    await resetLab(lab);
    // The streamed images leave the hosts and the build daemon (the lab's own images stay).
    for (const h of [...lab.hosts.green, ...lab.hosts.blue])
      dockerOn(lab, h.name, ['image', 'rm', '--force', `${LOCAL_IMAGE}:1.0.0`, `${LOCAL_IMAGE}:2.0.0`]);
    try {
      localDocker(['image', 'rm', '--force', `${LOCAL_IMAGE}:1.0.0`, `${LOCAL_IMAGE}:2.0.0`]);
    } catch {
      // Not built.
    }
  });

  it('registry: none: built here, streamed to the hosts that lack it (with the registry stopped), run by image ID', async () => {
    // The build's base comes from the lab registry while it still runs; the build context
    // makes an image no host has (a label of this run), from the v1 app.
    localDocker(['pull', '-q', lab.images.v1]);
    localDocker(['pull', '-q', lab.images.v2]);
    const dir = mkdtempSync(join(tmpdir(), 'bluegreen-ops-'));
    writeFileSync(
      join(dir, 'Dockerfile'),
      `ARG FROM\nFROM \${FROM}\nLABEL bluegreen.e2e.run="${Date.now()}"\n`,
    );
    // 4 hosts; a measurement of more: LAB_GREEN=16 BLUEGREEN_OPS_HOSTS=16 (the report line below).
    const count = Math.min(lab.hosts.green.length, Number(process.env.BLUEGREEN_OPS_HOSTS ?? 4));
    const green = lab.hosts.green.slice(0, count);
    const config = (from: string) =>
      writeConfig(
        labConfig(lab, {
          green: count,
          blue: 3,
          overrides: {
            image: LOCAL_IMAGE,
            registry: 'none',
            build: { context: dir, args: { FROM: from } },
          },
        }),
        mkdtempSync(join(tmpdir(), 'bluegreen-ops-')),
      );

    await stopRegistry(lab);
    try {
      const t0 = Date.now();
      const first = await bluegreen(
        config(lab.images.v1),
        ['deploy', '--version', '1.0.0', '--json'],
        buildEnv(),
      );
      const firstMs = Date.now() - t0;
      expect(first.code, first.stderr).toBe(0);
      const out = JSON.parse(first.stdout) as OutcomeJson;
      const id = localDocker(['image', 'inspect', '--format', '{{.Id}}', `${LOCAL_IMAGE}:1.0.0`]);
      expect(out.digest).toBe(id);
      const transfer = (o: OutcomeJson, host: string) =>
        o.hosts.find((h) => h.host === host)?.steps.find((s) => s.step === 'transfer');
      for (const h of green) {
        expect(transfer(out, h.name)?.detail).toMatch(/^\d+\.\d MB streamed from this machine$/);
        // By image ID: the container's image is the ID itself, no repository.
        expect(running(h.name)).toEqual([`webapp-1.0.0 ${id}`]);
      }
      expect(await served()).toEqual([V1]);
      const ms = green.map((h) => transfer(out, h.name)!.ms);
      console.log(
        `[ops e2e] registry: none, ${green.length} hosts in parallel: transfer ${Math.min(...ms)}–${Math.max(...ms)} ms per host (${transfer(out, green[0]!.name)!.detail}), whole deploy ${firstMs} ms`,
      );

      // 2.0.0 to blue and promoted; then 1.0.0 again goes to green, whose hosts have that image ID.
      const second = await bluegreen(
        config(lab.images.v2),
        ['deploy', '--version', '2.0.0', '--promote', '--json'],
        buildEnv(),
      );
      expect(second.code, second.stderr).toBe(0);
      expect(await served()).toEqual([V2]);
      const third = await bluegreen(
        config(lab.images.v1),
        ['deploy', '--version', '1.0.0', '--json'],
        buildEnv(),
      );
      expect(third.code, third.stderr).toBe(0);
      const again = JSON.parse(third.stdout) as OutcomeJson;
      for (const h of green) expect(transfer(again, h.name)?.detail).toBe('already there');
      const status = await bluegreen(config(lab.images.v1), ['status'], buildEnv());
      expect(status.stdout).toContain(`candidate: green 1.0.0 (image ID ${id}, streamed over SSH)`);
    } finally {
      await startRegistry(lab);
    }
  });

  it('release: runs once on the first host of the new pool before any traffic reaches it; a failing one fails the deploy and users see nothing of it', async () => {
    await resetLab(lab);
    const seeBalancer = `const u=${JSON.stringify(lab.balancer.url)};let n=0;const seen=new Set();const next=()=>require('http').get(u,(r)=>{let b='';r.on('data',(d)=>(b+=d));r.on('end',()=>{seen.add(b.trim());if(++n<10)next();else console.log('release sees: '+[...seen].join(','));});});next();`;
    const cfg = (release: unknown) =>
      writeConfig(labConfig(lab, { green: 3, blue: 3, overrides: { release } }));
    expect((await bluegreen(cfg(undefined), ['deploy', '--version', '1.0.0'])).code).toBe(0);

    // The release of 2.0.0 asks the balancer ten times: only 1.0.0 answers (blue gets no traffic yet).
    const ok = await bluegreen(cfg({ command: ['node', '-e', seeBalancer] }), [
      'deploy',
      '--version',
      '2.0.0',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const log = ok.stdout + ok.stderr;
    expect(log).toContain(`release ${lab.hosts.blue[0]!.name}: release sees: ${V1.trim()}`);
    expect(log).not.toMatch(/release bluehost0[12]/);
    // The one-off container is gone.
    for (const h of lab.hosts.blue.slice(0, 3)) expect(running(h.name).join()).not.toContain('-release');
    expect((await bluegreen(cfg(undefined), ['rollback'])).code).toBe(0);

    const failing = await bluegreen(
      cfg({ command: ['node', '-e', 'console.error("relation users already exists"); process.exit(3)'] }),
      ['deploy', '--version', '2.0.0'],
    );
    expect(failing.code).not.toBe(0);
    expect(failing.stdout + failing.stderr).toMatch(
      /release `node -e .*` of 2\.0\.0 exited 3; its output:\n\s+relation users already exists/,
    );
    expect(failing.stdout + failing.stderr).toContain(
      "blue's containers were removed; nothing reached users",
    );
    for (const h of lab.hosts.blue.slice(0, 3)) expect(running(h.name)).toEqual([]);
    expect(await served()).toEqual([V1]);
  });

  it('hooks: a failing pre_deploy changes nothing; post_deploy gets the BLUEGREEN_* variables; a failing post_promote is reported and undoes nothing', async () => {
    await resetLab(lab);
    const path = writeConfig(
      labConfig(lab, {
        green: 3,
        blue: 3,
        overrides: {
          hooks: {
            pre_deploy: 'test "$BLUEGREEN_VERSION" != 9.9.9 || { echo "9.9.9 is withdrawn"; exit 1; }',
            post_deploy: 'env | grep ^BLUEGREEN_ | sort > hooks.out',
            post_promote: 'echo "chat is down" >&2; exit 7',
          },
        },
      }),
    );
    const refused = await bluegreen(path, ['deploy', '--version', '9.9.9']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(
      /hooks\.pre_deploy failed: .* exited 1: 9\.9\.9 is withdrawn/,
    );
    for (const h of lab.hosts.green.slice(0, 3)) expect(running(h.name)).toEqual([]);

    expect((await bluegreen(path, ['deploy', '--version', '1.0.0'])).code).toBe(0);
    const vars = readFileSync(join(dirname(path), 'hooks.out'), 'utf8');
    expect(vars).toContain('BLUEGREEN_HOOK=post_deploy\n');
    expect(vars).toContain('BLUEGREEN_VERSION=1.0.0\n');
    expect(vars).toContain('BLUEGREEN_POOL=green\n');
    expect(vars).toContain(
      `BLUEGREEN_HOSTS=${lab.hosts.green
        .slice(0, 3)
        .map((h) => h.name)
        .join(',')}\n`,
    );
    expect(vars).toContain('BLUEGREEN_RESULT=success\n');
    expect(vars).toMatch(/BLUEGREEN_DIGEST=sha256:[0-9a-f]{64}\n/);

    expect((await bluegreen(path, ['deploy', '--version', '2.0.0'])).code).toBe(0);
    const promoted = await bluegreen(path, ['promote']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout + promoted.stderr).toMatch(
      /hooks\.post_promote failed \(nothing was undone\): .* exited 7: chat is down/,
    );
    expect(await served()).toEqual([V2]);
  });

  it('logs: every host of the live pool, prefixed; -f follows until interrupted and leaves no docker logs behind', async () => {
    await resetLab(lab);
    const path = writeConfig(labConfig(lab, { green: 3, blue: 3 }));
    expect((await bluegreen(path, ['deploy', '--version', '1.0.0'])).code).toBe(0);
    const hosts = lab.hosts.green.slice(0, 3).map((h) => h.name);

    const all = await bluegreen(path, ['logs', '--tail', '20']);
    expect(all.code, all.stderr).toBe(0);
    for (const h of hosts)
      expect(all.stdout).toMatch(new RegExp(`^${h} \\| app 1\\.0\\.0 listening on `, 'm'));
    const none = await bluegreen(path, ['logs', '--pool', 'candidate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      '--pool candidate: there is no candidate pool now (live: green, candidate: none)',
    );

    const following = startBluegreen(path, ['logs', '-f', '--since', '1s']);
    let out = '';
    following.child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const until = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(re);
    };
    await new Promise((r) => setTimeout(r, 2000));
    // A stop on one host: its line arrives while the sessions are open (`docker logs -f` on
    // that host then ends, as it does when its container stops; the others keep following).
    dockerOn(lab, hosts[2]!, ['restart', '--time', '5', 'webapp-1.0.0']);
    await until(new RegExp(`^${hosts[2]} \\| SIGTERM: closing server`, 'm'));
    following.child.kill('SIGINT');
    const res = await following.done;
    expect(res.code, res.stderr).toBe(0);
    // Each host's `docker logs -f` ended with its session (the lab's hosts share this PID namespace).
    let left = '';
    for (let i = 0; i < 30; i++) {
      try {
        left = execFileSync('pgrep', ['-af', 'docker logs --follow webapp-1.0.0']).toString();
      } catch {
        left = '';
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe('');

    const syslog = writeConfig(
      labConfig(lab, {
        overrides: {
          container: { options: syslogContainerOptions(lab) },
        },
      }),
    );
    const elsewhere = await bluegreen(syslog, ['logs']);
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stdout).toContain(
      `the syslog log driver at udp://${lab.syslog.address}:${lab.syslog.port}: read them there`,
    );
  });
});
