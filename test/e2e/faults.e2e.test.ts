import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  bluegreen,
  labConfig,
  ROOT,
  startBluegreen,
  writeConfig,
  type CliResult,
} from '../harness/bluegreen.js';
import { dockerOn, loadLab, resetLab, sh, workerPids, type Lab } from '../harness/lab.js';
import { startLoad, type LoadReport, type RunningLoad } from '../harness/closed-loop-load.js';

// Faults and attacks against a live pool, each under load through nginx: the live pool
// must keep answering with zero errors, the error must name the host and the cause, and
// nothing may be left half-started. The rows this suite records become docs/faults.md.

const skip = inject('labSkip');

interface Row {
  fault: string;
  exit: number | string;
  message: string;
  nginxUnchanged: boolean | '-';
  leftovers: number | '-';
  requests: number;
  failed: number;
}
const rows: Row[] = [];
const BOTH = ['Hello World\n', 'Hello Webapps!\n'];

describe.skipIf(skip)('faults, bad input and attacks', () => {
  let lab: Lab;
  let good: Record<string, unknown>;
  let goodPath: string;
  let load: RunningLoad;
  const blue = () => lab.hosts.blue.slice(0, 3);

  const cfg = (overrides: Record<string, unknown>) =>
    writeConfig(labConfig(lab, { green: 3, blue: 3, overrides }));
  const containers = (host: string) =>
    dockerOn(lab, host, ['ps', '-a', '--format', '{{.Names}}']).stdout.split('\n').filter(Boolean);
  const leftovers = () =>
    blue().reduce((n, h) => n + containers(h.name).filter((c) => c.startsWith('webapp')).length, 0);
  const statePath = () => `${dirname(lab.balancer.localFile)}/bluegreen-webapp.state.json`;
  const state = () =>
    JSON.parse(readFileSync(statePath(), 'utf8')) as { live: string; candidate: string | null };

  /** Runs a fault scenario under load and checks the invariants every fault must keep. */
  async function underLoad(
    fault: string,
    run: () => Promise<CliResult>,
    opts: { expectExit?: number; nginxUnchanged?: boolean; bodies?: string[] } = {},
  ) {
    const before = readFileSync(lab.balancer.localFile, 'utf8');
    load = startLoad({ url: lab.balancer.url, ratePerSecond: 150, workers: 6, maxDurationMs: 120_000 });
    let res: CliResult;
    let report: LoadReport;
    try {
      res = await run();
    } finally {
      report = await load.stop();
    }
    const unchanged = readFileSync(lab.balancer.localFile, 'utf8') === before;
    const left = leftovers();
    rows.push({
      fault,
      exit: res.signal ?? res.code,
      message: errorOf(res),
      nginxUnchanged: opts.nginxUnchanged === undefined ? '-' : unchanged,
      leftovers: res.code === 0 ? '-' : left,
      requests: report.requests,
      failed: report.non2xx + report.errors,
    });
    if (opts.expectExit !== undefined) expect(res.code, res.stderr).toBe(opts.expectExit);
    if (opts.nginxUnchanged) expect(unchanged).toBe(true);
    expect(report.non2xx, `non-2xx during ${fault}`).toBe(0);
    expect(report.errors, `errors during ${fault}: ${report.errorSamples.join(', ')}`).toBe(0);
    // Users only ever see the live version, or the candidate once it passed preflight.
    const allowed = opts.bodies ?? ['Hello World\n'];
    expect(Object.keys(report.bodies).filter((b) => !allowed.includes(b))).toEqual([]);
    expect(report.bodies['Hello World\n']).toBeGreaterThan(0);
    return { res, left };
  }

  beforeAll(async () => {
    lab = loadLab();
    await resetLab(lab);
    good = labConfig(lab, {
      green: 3,
      blue: 3,
      overrides: { checks: { retries: 8, interval: '250ms', timeout: '1s' }, ssh: { connect_timeout: '3s' } },
    });
    goodPath = writeConfig(good);
    const res = await bluegreen(goodPath, ['deploy', '--version', '1.0.0']);
    expect(res.code, res.stderr).toBe(0);
  });

  beforeEach(() => {
    // Every scenario starts from: green 1.0.0 live alone, blue empty, no lock.
    expect(state()).toMatchObject({ live: 'green', candidate: null });
    expect(leftovers()).toBe(0);
    expect(existsSync(`${statePath()}.lock`)).toBe(false);
  });

  afterEach(async () => {
    // Back to the baseline whatever the scenario left (so one failure does not cascade).
    rmSync(`${statePath()}.lock`, { force: true });
    if (state().candidate) {
      const res = await bluegreen(goodPath, ['rollback']);
      expect(res.code, res.stderr).toBe(0);
    }
    for (const h of blue()) {
      const ids = dockerOn(lab, h.name, ['ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (ids.length) dockerOn(lab, h.name, ['rm', '-f', ...ids]);
    }
  });

  afterAll(async () => {
    if (rows.length) writeReport(rows);
    if (lab) await resetLab(lab);
  });

  const failedDeploy = { expectExit: 1, nginxUnchanged: true };

  it('a blue host unreachable (its link down): names the host, no cutover, others cleaned up', async () => {
    sh(`ip -n bluehost01 link set eth0 down`);
    try {
      const { res, left } = await underLoad(
        'blue host unreachable (link down)',
        () => bluegreen(cfg({ ssh: { connect_timeout: '3s' } }), ['deploy', '--version', '2.0.0']),
        failedDeploy,
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
    const pid = readFileSync(`${lab.dir}/bluehost02/sshd.pid`, 'utf8').trim();
    sh(`kill -STOP ${pid}`);
    try {
      const { res } = await underLoad(
        'SSH handshake hangs (sshd SIGSTOP)',
        () => bluegreen(cfg({ ssh: { connect_timeout: '2s' } }), ['deploy', '--version', '2.0.0']),
        failedDeploy,
      );
      expect(res.stderr).toMatch(
        /bluehost02: cannot connect over SSH to root@10\.88\.0\.62:22: no SSH handshake within 2000ms/,
      );
      expect(res.ms).toBeLessThan(30_000);
    } finally {
      sh(`kill -CONT ${pid}`);
    }
  });

  it('the image missing from the registry', async () => {
    const { res } = await underLoad(
      'image tag missing from the registry',
      () => bluegreen(goodPath, ['deploy', '--version', '9.9.9']),
      failedDeploy,
    );
    expect(res.stderr).toMatch(
      /bluehost0\d: `docker pull --quiet 10\.88\.0\.1:5000\/hubuser\/app:9\.9\.9` exited 1: .*(not found|manifest unknown)/,
    );
  });

  it('the registry down during pull', async () => {
    const { res } = await underLoad(
      'registry down (nothing listening)',
      () => bluegreen(cfg({ image: '10.88.0.1:5001/hubuser/app' }), ['deploy', '--version', '2.0.0']),
      failedDeploy,
    );
    expect(res.stderr).toMatch(
      /bluehost0\d: `docker pull .*10\.88\.0\.1:5001\/hubuser\/app:2\.0\.0` exited 1: .*(connection refused|connect)/,
    );
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
      { retries: 2, timeout: '1s' },
      /failed after 2 attempts: no response within 1000ms/,
    ],
  ])('a candidate whose %s fails its check', async (fault, env, checks, pattern) => {
    const misbehaving = cfg({ container: { env: { PORT: '8000', ...env } }, checks });
    const { res } = await underLoad(
      fault,
      () => bluegreen(misbehaving, ['deploy', '--version', '2.0.0']),
      failedDeploy,
    );
    expect(res.stderr).toMatch(pattern);
  });

  it('one of three blue hosts failing: all or nothing, the other two cleaned up', async () => {
    // Something else holds port 8000 on bluehost01 and answers 500.
    dockerOn(lab, 'bluehost01', [
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
      lab.images.v1,
    ]);
    try {
      const { res, left } = await underLoad(
        '1 of 3 blue hosts fails its check',
        () => bluegreen(cfg({ checks: { retries: 4 } }), ['deploy', '--version', '2.0.0']),
        failedDeploy,
      );
      expect(res.stderr).toMatch(
        /bluehost01: check GET http:\/\/10\.88\.0\.61:8000\/ failed after 4 attempts: status 500/,
      );
      expect(res.stderr).not.toMatch(/bluehost0[02]: check/);
      expect(left).toBe(0);
      expect(containers('bluehost01')).toEqual(['squatter']);
    } finally {
      dockerOn(lab, 'bluehost01', ['rm', '-f', 'squatter']);
    }
  });

  it('nginx -t rejecting the rendered file: previous file restored, no reload', async () => {
    // The file holds an error outside the upstream (a hand edit not yet reloaded: the running
    // nginx still serves the old config). bluegreen keeps everything outside its block, so the
    // file it renders carries the error, and the real `docker exec balancer nginx -t` rejects it.
    const file = lab.balancer.localFile;
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('http {\n', 'http {\n    bogus_directive on;\n'));
    const broken = readFileSync(file, 'utf8');
    const workers = workerPids(lab, lab.balancer).sort();
    try {
      const { res, left } = await underLoad(
        '`nginx -t` rejects the rendered file (an error elsewhere in it)',
        () => bluegreen(goodPath, ['deploy', '--version', '2.0.0']),
        failedDeploy,
      );
      expect(res.stderr).toMatch(
        /`docker exec balancer nginx -t` rejected the new upstream, previous file restored: .*unknown directive "bogus_directive"/,
      );
      expect(readFileSync(file, 'utf8')).toBe(broken);
      expect(workerPids(lab, lab.balancer).sort()).toEqual(workers);
      expect(left).toBe(0);
    } finally {
      writeFileSync(file, good);
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
      failedDeploy,
    );
    expect(res.stderr).toMatch(/`docker kill -s HUP no-such-container` failed, previous file restored/);
    expect(left).toBe(0);
  });

  it('the reload exiting 0 while nginx keeps its old config: no new worker, previous file restored', async () => {
    const workers = workerPids(lab, lab.balancer).sort();
    const { res, left } = await underLoad(
      'the reload exits 0 but nginx keeps the old config',
      () => bluegreen(cfg({ balancer: { reload: 'true' } }), ['deploy', '--version', '2.0.0']),
      failedDeploy,
    );
    expect(res.stderr).toMatch(
      /nginx started no new worker within 10s after `true` .*previous file restored/,
    );
    expect(workerPids(lab, lab.balancer).sort()).toEqual(workers);
    expect(left).toBe(0);
  });

  it('the SSH connection to a host dropping mid-deploy (during the pull)', async () => {
    dockerOn(lab, 'bluehost00', ['rmi', '-f', lab.images.v2], { check: false });
    const { res, left } = await underLoad(
      'SSH connection drops during pull',
      async () => {
        const run = startBluegreen(goodPath, ['deploy', '--version', '2.0.0']);
        await run.waitFor(/bluehost00\s+connect\s+ok/);
        const master = readFileSync(`${lab.dir}/bluehost00/sshd.pid`, 'utf8').trim();
        sh(`pkill -KILL -P ${master}`); // the per-connection sshd processes, not the listener
        return run.done;
      },
      failedDeploy,
    );
    expect(res.stderr).toMatch(
      /bluehost00: (SSH connection lost|SSH command failed|`docker pull .*` exited)/,
    );
    expect(left).toBe(0);
  });

  it('two deploys at once: the second waits lock.wait, then fails naming the holder', async () => {
    const slow = cfg({ container: { env: { PORT: '8000', STARTUP_DELAY_MS: '2500' } } });
    const { res } = await underLoad(
      'a second deploy while one runs',
      async () => {
        const first = startBluegreen(slow, ['deploy', '--version', '2.0.0']);
        await first.waitFor(/== start 2\.0\.0 on blue/);
        const second = await bluegreen(cfg({ lock: { wait: '1s' } }), ['deploy', '--version', '2.0.0']);
        const firstRes = await first.done;
        expect(firstRes.code, firstRes.stderr).toBe(0);
        return second;
      },
      { bodies: BOTH },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      new RegExp(
        `another bluegreen run holds the lock .*\\.lock: \\S+@${hostname()} pid ${'\\d+'} \\(deploy, since`,
      ),
    );
    expect((await bluegreen(goodPath, ['rollback'])).code).toBe(0);
  });

  it('a lock whose holder died (kill -9) is taken over; a foreign one only after its TTL', async () => {
    const { res } = await underLoad(
      'deploy after the lock holder was killed -9',
      async () => {
        const first = startBluegreen(
          cfg({ container: { env: { PORT: '8000', STARTUP_DELAY_MS: '3000' } } }),
          ['deploy', '--version', '2.0.0'],
        );
        await first.waitFor(/bluehost0\d\s+start\s+ok/);
        first.child.kill('SIGKILL');
        await first.done;
        expect(existsSync(`${statePath()}.lock`)).toBe(true);
        return bluegreen(goodPath, ['deploy', '--version', '2.0.0']);
      },
      { bodies: BOTH },
    );
    expect(res.code, res.stderr).toBe(0);
    expect((await bluegreen(goodPath, ['rollback'])).code).toBe(0);

    const lockFile = `${statePath()}.lock`;
    const foreign = (expires: number) =>
      JSON.stringify({
        owner: 'ci@runner-7 pid 4242',
        host: 'runner-7',
        pid: 4242,
        command: 'deploy',
        token: 'feedface',
        since: '2026-01-01T00:00:00Z',
        expires,
      });
    writeFileSync(lockFile, foreign(Date.now() + 600_000));
    const refused = await bluegreen(goodPath, ['deploy', '--version', '2.0.0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('another bluegreen run holds the lock');
    expect(refused.stderr).toContain('ci@runner-7 pid 4242 (deploy');
    writeFileSync(lockFile, foreign(Date.now() - 1000));
    const taken = await bluegreen(goodPath, ['promote']);
    expect(taken.stderr).toContain('nothing to promote');
    expect(existsSync(lockFile)).toBe(false);
  });

  it('SIGTERM (a cancelled job) cleans up what was started and releases the lock', async () => {
    const { res, left } = await underLoad(
      'SIGTERM during the checks',
      async () => {
        const run = startBluegreen(cfg({ container: { env: { PORT: '8000', STARTUP_DELAY_MS: '4000' } } }), [
          'deploy',
          '--version',
          '2.0.0',
        ]);
        await run.waitFor(/bluehost0\d\s+start\s+ok/);
        run.child.kill('SIGTERM');
        return run.done;
      },
      { nginxUnchanged: true },
    );
    expect(res.code).toBe(143);
    expect(res.stderr).toMatch(/SIGTERM received/);
    expect(left).toBe(0);
    expect(existsSync(`${statePath()}.lock`)).toBe(false);
  });

  it('promote while a host of the new pool has died since deploy: refused, naming the host', async () => {
    expect((await bluegreen(goodPath, ['deploy', '--version', '2.0.0'])).code).toBe(0);
    dockerOn(lab, 'bluehost02', ['kill', 'webapp-2.0.0']);
    const res = await bluegreen(goodPath, ['promote']);
    rows.push({
      fault: 'promote with a dead candidate host',
      exit: res.code,
      message: errorOf(res),
      nginxUnchanged: '-',
      leftovers: 0,
      requests: 0,
      failed: 0,
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /refusing to promote blue: bluehost02 \(.*ECONNREFUSED.*\) no longer pass the check/,
    );
    expect((await bluegreen(goodPath, ['rollback'])).code).toBe(0);
  });

  it('an unknown or changed host key fails before any command runs', async () => {
    const known = readFileSync(lab.knownHosts, 'utf8');
    const withoutBlue0 = writeConfig(labConfig(lab, { green: 3, blue: 3 }));
    const khMissing = `${dirname(withoutBlue0)}/known_hosts`;
    writeFileSync(
      khMissing,
      known
        .split('\n')
        .filter((l) => !l.startsWith('10.88.0.60 '))
        .join('\n'),
    );
    const missing = cfg({ ssh: { known_hosts: khMissing } });
    const { res } = await underLoad(
      'a host missing from known_hosts',
      () => bluegreen(missing, ['deploy', '--version', '2.0.0']),
      failedDeploy,
    );
    expect(res.stderr).toMatch(
      /bluehost00: cannot connect over SSH to root@10\.88\.0\.60:22: 10\.88\.0\.60 is not in known_hosts/,
    );

    // The balancer presents another host's key: a man in the middle, as far as we can tell.
    const green0Key = known
      .split('\n')
      .find((l) => l.startsWith('10.88.0.10 '))!
      .split(' ')
      .slice(1)
      .join(' ');
    const khChanged = `${dirname(withoutBlue0)}/known_hosts_changed`;
    writeFileSync(
      khChanged,
      known
        .split('\n')
        .map((l) => (l.startsWith('10.88.0.2 ') ? `10.88.0.2 ${green0Key}` : l))
        .join('\n'),
    );
    const changed = await underLoad(
      "the balancer's host key changed",
      () => bluegreen(cfg({ ssh: { known_hosts: khChanged } }), ['status']),
      { expectExit: 1, nginxUnchanged: true },
    );
    expect(changed.res.stderr).toMatch(/host key of 10\.88\.0\.2 \(SHA256:.*\) does not match known_hosts/);
  });

  it('a registry password never appears in output, state, or remote process arguments', async () => {
    const secret = 'S3cr3t-Pa55-Do-Not-Log';
    const withLogin = cfg({
      registry: { server: '10.88.0.1:5000', username: 'ci', password_env: 'BG_REGISTRY_PASSWORD' },
    });
    const run = startBluegreen(withLogin, ['deploy', '--version', '2.0.0'], { BG_REGISTRY_PASSWORD: secret });
    // Sample every process's arguments on this machine (the hosts share its PID space) while it runs.
    let seenInPs = false;
    const sampler = setInterval(() => {
      if (sh('ps -eo args', { check: false }).stdout.includes(secret)) seenInPs = true;
    }, 50);
    const res = await run.done;
    clearInterval(sampler);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/bluehost0\d\s+login\s+ok/);
    expect(res.stdout + res.stderr).not.toContain(secret);
    expect(readFileSync(statePath(), 'utf8')).not.toContain(secret);
    expect(seenInPs).toBe(false);
    rows.push({
      fault: 'registry password during a deploy',
      exit: res.code,
      message: 'password absent from stdout, stderr, state record and `ps` (sampled every 50 ms)',
      nginxUnchanged: '-',
      leftovers: 0,
      requests: 0,
      failed: 0,
    });
    expect((await bluegreen(goodPath, ['rollback'])).code).toBe(0);
  });

  it('kill -9 of bluegreen at several points: status tells the truth and the next run recovers', async () => {
    const points: [string, RegExp][] = [
      ['during the checks', /bluehost0\d\s+start\s+ok/],
      ['as the balancer switch starts', /== switch the balancer/],
      ['after the reload, before the state is written', /reloaded in \d+ms/],
    ];
    for (const [when, pattern] of points) {
      const { res } = await underLoad(
        `kill -9 ${when}, then deploy again`,
        async () => {
          const run = startBluegreen(goodPath, ['deploy', '--version', '2.0.0']);
          await run.waitFor(pattern);
          run.child.kill('SIGKILL');
          await run.done;
          const status = await bluegreen(goodPath, ['status', '--json']);
          expect(status.code, status.stderr).toBe(0);
          const report = JSON.parse(status.stdout) as {
            status: { live: string; upstream: unknown[]; hosts: { host: string; state: string }[] };
          };
          expect(report.status.live).toBe('green');
          return bluegreen(goodPath, ['deploy', '--version', '2.0.0']);
        },
        { bodies: BOTH },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(state()).toMatchObject({ live: 'green', candidate: 'blue' });
      const back = await bluegreen(goodPath, ['rollback']);
      expect(back.code, back.stderr).toBe(0);
    }
  });

  it('bad input is rejected before any host is touched, naming the field', async () => {
    const cases: [string, string | Record<string, unknown>, string[], RegExp][] = [
      ['malformed YAML', 'app: [unclosed', ['status'], /invalid YAML/],
      ['an unknown key', { ...good, pool: {} }, ['status'], /unknown key\(s\) "pool"/],
      [
        'a host with shell syntax',
        labConfig(lab, { overrides: { pools: { blue: ['bluehost00;reboot'] } } }),
        ['status'],
        /pools\.blue\.0: expected "host" or "host:port"/,
      ],
      [
        'a host with nginx syntax',
        labConfig(lab, { overrides: { pools: { blue: [{ ssh: '10.88.0.60', address: '10.88.0.60;}' }] } } }),
        ['status'],
        /pools\.blue\.0\.address/,
      ],
      [
        'a version with shell syntax',
        good,
        ['deploy', '--version', '2.0.0;id'],
        /--version: "2\.0\.0;id" is not a valid image tag/,
      ],
      ['a version with a newline', good, ['deploy', '--version', '2.0.0\nid'], /is not a valid image tag/],
      [
        'an image name with a space',
        { ...good, image: 'hubuser/app x' },
        ['status'],
        /image: a docker repository/,
      ],
      [
        'a container option with shell syntax',
        labConfig(lab, { overrides: { container: { options: ['--label=$(reboot)'] } } }),
        ['status'],
        /container\.options\.0: docker option words/,
      ],
      [
        'an env value with a newline',
        labConfig(lab, { overrides: { container: { env: { A: 'x\ny' } } } }),
        ['status'],
        /container\.env\.A: printable text without newlines/,
      ],
      [
        'an upstream name with nginx syntax',
        labConfig(lab, { overrides: { balancer: { upstream: 'app_server;}' } } }),
        ['status'],
        /balancer\.upstream: an nginx upstream \/ HAProxy backend name/,
      ],
      [
        'a file path with ..',
        labConfig(lab, { overrides: { balancer: { file: '/var/lib/../../etc/shadow' } } }),
        ['status'],
        /balancer\.file: an absolute path without spaces, shell syntax or \.\. segments/,
      ],
      ['an unknown command', good, ['destroy'], /unknown command "destroy"/],
    ];
    const before = readFileSync(lab.balancer.localFile, 'utf8');
    for (const [what, config, args, pattern] of cases) {
      const res = await bluegreen(writeConfig(config), args);
      rows.push({
        fault: `bad input: ${what}`,
        exit: res.code,
        message: errorOf(res),
        nginxUnchanged: readFileSync(lab.balancer.localFile, 'utf8') === before,
        leftovers: leftovers(),
        requests: 0,
        failed: 0,
      });
      expect(res.code, what).toBe(2);
      expect(res.stderr, what).toMatch(pattern);
    }
    // A config that is valid but names an upstream the file does not have: found on the balancer, before any pool host.
    const res = await bluegreen(
      writeConfig(labConfig(lab, { overrides: { balancer: { upstream: 'nope' } } })),
      ['deploy', '--version', '2.0.0'],
    );
    rows.push({
      fault: 'bad input: an upstream the file does not have',
      exit: res.code,
      message: errorOf(res),
      nginxUnchanged: readFileSync(lab.balancer.localFile, 'utf8') === before,
      leftovers: leftovers(),
      requests: 0,
      failed: 0,
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /has no `upstream nope \{ … \}` block \(check balancer\.upstream and balancer\.file\)/,
    );
    expect(readFileSync(lab.balancer.localFile, 'utf8')).toBe(before);
    expect(leftovers()).toBe(0);
  });
});

/** The error the CLI printed (all its lines, joined), or "completed" for a run that succeeded. */
function errorOf(res: CliResult): string {
  const lines = res.stderr.split('\n');
  const start = lines.findIndex((l) => /^bluegreen( \w+)?: /.test(l));
  if (start < 0) return res.code === 0 ? 'completed' : (lines.filter(Boolean).at(-1) ?? '');
  return lines
    .slice(start)
    .join(' ')
    .replace(/^bluegreen( \w+)?: /, '')
    .replace(/\/tmp\/bluegreen-\w+\//g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

function writeReport(all: Row[]): void {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    '# Faults and bad input: what the test run observed',
    '',
    `Written by \`test/e2e/faults.e2e.test.ts\` on its last run (${new Date().toISOString().slice(0, 10)}); every figure comes from that run.`,
    'Each fault ran against the lab with green 1.0.0 live on 3 hosts and, where "requests" is not 0, a load of 150 req/s through nginx',
    '(half fresh connections, half keep-alive). "failed" counts non-2xx responses and socket errors; "left" counts app containers left on blue hosts.',
    '',
    '| fault | exit | nginx file unchanged | left | requests | failed | message |',
    '|---|---|---|---|---|---|---|',
    ...all.map(
      (r) =>
        `| ${esc(r.fault)} | ${r.exit} | ${r.nginxUnchanged === '-' ? '-' : r.nginxUnchanged ? 'yes' : 'NO'} | ${r.leftovers} | ${r.requests} | ${r.failed} | ${esc(r.message)} |`,
    ),
    '',
  ];
  mkdirSync(`${ROOT}/docs`, { recursive: true });
  writeFileSync(`${ROOT}/docs/faults.md`, lines.join('\n'));
}
