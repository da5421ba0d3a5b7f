import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { bluegreen, labConfig, startBluegreen, writeConfig } from '../harness/bluegreen.js';
import { errorOf, faultFixture } from '../harness/faults.js';
import { sh } from '../harness/lab.js';

// Faults: security and bad input: unknown and changed host keys, a registry password, hostile config values.
// Each runs under load through the lab's balancer (see test/harness/faults.ts for the
// invariants every scenario keeps); the rows become docs/faults.md via `npm run report`.

const skip = inject('labSkip');
const FAILED_DEPLOY = { expectExit: 1, balancerUnchanged: true };

describe.skipIf(skip)('faults: security', () => {
  const f = faultFixture('security');
  const { underLoad, cfg, leftovers, statePath, record } = f;

  it('an unknown or changed host key fails before any command runs', async () => {
    const known = readFileSync(f.lab.knownHosts, 'utf8');
    const withoutBlue0 = writeConfig(labConfig(f.lab, { green: 3, blue: 3 }));
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
      FAILED_DEPLOY,
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
      { expectExit: 1, balancerUnchanged: true },
    );
    expect(changed.res.stderr).toMatch(/host key of 10\.88\.0\.2 \(SHA256:.*\) does not match known_hosts/);
  });

  it('a registry password never appears in output, state, or remote process arguments', async () => {
    const secret = 'S3cr3t-Pa55-Do-Not-Log';
    const withLogin = cfg({
      registry: {
        server: '10.88.0.1:5000',
        insecure: true,
        username: 'ci',
        password_env: 'BG_REGISTRY_PASSWORD',
      },
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
    // The hosts logged in inside their pull (a throw-away DOCKER_CONFIG), the password on stdin.
    expect(res.stderr).toMatch(/bluehost0\d\s+pull\s+ok/);
    expect(res.stdout + res.stderr).not.toContain(secret);
    expect(readFileSync(statePath(), 'utf8')).not.toContain(secret);
    expect(seenInPs).toBe(false);
    record({
      fault: 'registry password during a deploy',
      exit: res.code,
      message: 'password absent from stdout, stderr, state record and `ps` (sampled every 50 ms)',
      leftovers: 0,
    });
    expect((await bluegreen(f.goodPath, ['rollback'])).code).toBe(0);
  });

  it('bad input is rejected before any host is touched, naming the field', async () => {
    const cases: [string, string | Record<string, unknown>, string[], RegExp][] = [
      ['malformed YAML', 'app: [unclosed', ['status'], /invalid YAML/],
      ['an unknown key', { ...f.good, pool: {} }, ['status'], /unknown key\(s\) "pool"/],
      [
        'a host with shell syntax',
        labConfig(f.lab, { overrides: { pools: { blue: ['bluehost00;reboot'] } } }),
        ['status'],
        /pools\.blue\.0: expected "host" or "host:port"/,
      ],
      [
        'a host with nginx syntax',
        labConfig(f.lab, {
          overrides: { pools: { blue: [{ ssh: '10.88.0.60', address: '10.88.0.60;}' }] } },
        }),
        ['status'],
        /pools\.blue\.0\.address/,
      ],
      [
        'a version with shell syntax',
        f.good,
        ['deploy', '--version', '2.0.0;id'],
        /--version: "2\.0\.0;id" is not a valid image tag/,
      ],
      ['a version with a newline', f.good, ['deploy', '--version', '2.0.0\nid'], /is not a valid image tag/],
      [
        'an image name with a space',
        { ...f.good, image: 'hubuser/app x' },
        ['status'],
        /image: a docker repository/,
      ],
      [
        'a container option with shell syntax',
        labConfig(f.lab, { overrides: { container: { options: ['--label=$(reboot)'] } } }),
        ['status'],
        /container\.options\.0: docker option words/,
      ],
      [
        'an env value with a newline',
        labConfig(f.lab, { overrides: { container: { env: { A: 'x\ny' } } } }),
        ['status'],
        /container\.env\.A: printable text without newlines/,
      ],
      [
        'an upstream name with nginx syntax',
        labConfig(f.lab, { overrides: { balancer: { upstream: 'app_server;}' } } }),
        ['status'],
        /balancer\.upstream: an nginx upstream \/ HAProxy backend \/ Apache balancer name/,
      ],
      [
        'a file path with ..',
        labConfig(f.lab, { overrides: { balancer: { file: '/var/lib/../../etc/shadow' } } }),
        ['status'],
        /balancer\.file: an absolute path without spaces, shell syntax or \.\. segments/,
      ],
      ['an unknown command', f.good, ['destroy'], /unknown command "destroy"/],
    ];
    const before = readFileSync(f.lab.balancer.localFile, 'utf8');
    for (const [what, config, args, pattern] of cases) {
      const res = await bluegreen(writeConfig(config), args);
      record({
        fault: `bad input: ${what}`,
        exit: res.code,
        message: errorOf(res),
        balancerUnchanged: readFileSync(f.lab.balancer.localFile, 'utf8') === before,
        leftovers: leftovers(),
      });
      expect(res.code, what).toBe(2);
      expect(res.stderr, what).toMatch(pattern);
    }
    // A config that is valid but names an upstream the file does not have: found on the balancer, before any pool host.
    const res = await bluegreen(
      writeConfig(labConfig(f.lab, { overrides: { balancer: { upstream: 'nope' } } })),
      ['deploy', '--version', '2.0.0'],
    );
    record({
      fault: 'bad input: an upstream the file does not have',
      exit: res.code,
      message: errorOf(res),
      balancerUnchanged: readFileSync(f.lab.balancer.localFile, 'utf8') === before,
      leftovers: leftovers(),
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /has no `upstream nope \{ … \}` block \(check balancer\.upstream and balancer\.file\)/,
    );
    expect(readFileSync(f.lab.balancer.localFile, 'utf8')).toBe(before);
    expect(leftovers()).toBe(0);
  });
});
