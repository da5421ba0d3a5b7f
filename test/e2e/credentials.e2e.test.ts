import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bluegreen, labConfig, ROOT, startBluegreen, writeConfig } from '../harness/bluegreen.js';
import { dockerOn, loadLab, resetLab, sh, type Lab } from '../harness/lab.js';

// Registry credentials leave nothing behind: against the lab's registry with htpasswd
// authentication, after a successful deploy (with a build and push), a failed one and one
// cancelled by SIGTERM, no credential file remains on any host or on the machine running
// bluegreen; the hosts log in with the pull-only user, never the CI's; every host runs the
// digest the state records.

const skip = inject('labSkip');

describe.skipIf(skip)('registry credentials leave nothing behind', () => {
  let lab: Lab;
  let env: Record<string, string>;
  let base: Record<string, unknown>;
  const state = () =>
    JSON.parse(readFileSync(`${lab.dir}/dockerhost/root/bluegreen-webapp.state.json`, 'utf8')) as {
      live: string;
      candidate: string | null;
      pools: Record<string, { digest: string; version: string } | null>;
    };

  /** Every place a docker login could have left a credential, on the hosts and here. */
  function leftovers(): string[] {
    const found: string[] = [];
    // The hosts share this machine's /tmp (namespaces of one kernel): the throw-away DOCKER_CONFIGs.
    for (const name of readdirSync('/tmp'))
      if (name.startsWith('bluegreen-docker')) found.push(`/tmp/${name}`);
    for (const name of readdirSync(tmpdir()))
      if (name.startsWith('bluegreen-docker')) found.push(join(tmpdir(), name));
    // The hosts' ssh sessions have HOME=$LAB_DIR/home; this process has its own.
    for (const home of [join(lab.dir, 'home'), homedir()]) {
      const cfg = join(home, '.docker', 'config.json');
      if (existsSync(cfg) && readFileSync(cfg, 'utf8').includes(lab.registryAuth.address)) found.push(cfg);
    }
    return found;
  }

  beforeAll(async () => {
    lab = loadLab();
    await resetLab(lab);
    expect(leftovers(), 'credential files before the tests').toEqual([]);
    env = {
      BG_PUSH_PASSWORD: readFileSync(lab.registryAuth.passwordFile, 'utf8').trim(),
      BG_PULL_PASSWORD: readFileSync(lab.registryAuth.pullPasswordFile, 'utf8').trim(),
      DOCKER_HOST: lab.buildDockerHost,
    };
    base = labConfig(lab, {
      green: 3,
      blue: 3,
      overrides: {
        image: 'hubuser/app',
        registry: {
          server: lab.registryAuth.address,
          insecure: true,
          username: lab.registryAuth.username,
          password_env: 'BG_PUSH_PASSWORD',
          pull_username: lab.registryAuth.pullUsername,
          pull_password_env: 'BG_PULL_PASSWORD',
        },
      },
    });
  });
  afterAll(async () => {
    if (lab) await resetLab(lab);
  });

  it('a deploy that builds, pushes and runs by digest: the hosts pulled with the pull-only user; nothing is left', async () => {
    const withBuild = writeConfig({
      ...base,
      build: {
        context: join(ROOT, 'examples/app'),
        args: { GREETING: 'Hello World', APP_VERSION: '1.0.0', BASE: lab.images.base },
      },
    });
    const run = startBluegreen(withBuild, ['deploy', '--version', '1.0.0'], env);
    // Which user logs in where: sampled from every process's arguments (the hosts share this PID space).
    const logins = new Set<string>();
    const sampler = setInterval(() => {
      for (const m of sh('ps -eo args', { check: false }).stdout.matchAll(/docker login --username (\S+)/g))
        logins.add(m[1]!);
    }, 50);
    const res = await run.done;
    clearInterval(sampler);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/docker push 10\.88\.0\.1:5002\/hubuser\/app:1\.0\.0/);
    expect(logins).toContain(lab.registryAuth.pullUsername);
    // The CI's user logs in once, locally, for the push; the hosts never use it.
    const digest = state().pools.green!.digest;
    for (const h of lab.hosts.green.slice(0, 3))
      expect(
        dockerOn(lab, h.name, ['inspect', '--format', '{{.Config.Image}}', 'webapp-1.0.0']).stdout.trim(),
      ).toBe(`${lab.registryAuth.address}/hubuser/app@${digest}`);
    expect(res.stdout + res.stderr).not.toContain(env.BG_PUSH_PASSWORD);
    expect(res.stdout + res.stderr).not.toContain(env.BG_PULL_PASSWORD);
    expect(leftovers()).toEqual([]);
  });

  it('a failed deploy (the candidate answers 500): nothing is left', async () => {
    const failing = writeConfig({
      ...base,
      container: { ...(base.container as object), env: { PORT: '8000', STATUS: '500' } },
      checks: { body: 'Hello', interval: '250ms', retries: 3 },
    });
    const res = await bluegreen(failing, ['deploy', '--version', '2.0.0'], env);
    expect(res.code).toBe(1);
    expect(leftovers()).toEqual([]);
  });

  it('a deploy cancelled by SIGTERM during the pull: nothing is left, the lock is released', async () => {
    for (const h of lab.hosts.blue.slice(0, 3))
      dockerOn(lab, h.name, ['rmi', '-f', `${lab.registryAuth.address}/hubuser/app:2.0.0`], { check: false });
    const run = startBluegreen(writeConfig(base), ['deploy', '--version', '2.0.0'], env);
    await run.waitFor(/bluehost0\d\s+connect\s+ok/);
    run.child.kill('SIGTERM');
    const res = await run.done;
    expect(res.code).toBe(143);
    expect(leftovers()).toEqual([]);
    expect(existsSync(`${lab.dir}/dockerhost/root/bluegreen-webapp.state.json.lock`)).toBe(false);
    expect(state()).toMatchObject({ live: 'green', candidate: null });
  });

  it('a wrong password is refused before any host is touched, naming the registry', async () => {
    const res = await bluegreen(writeConfig(base), ['deploy', '--version', '2.0.0'], {
      ...env,
      BG_PUSH_PASSWORD: 'wrong',
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /image 10\.88\.0\.1:5002\/hubuser\/app:2\.0\.0: the registry(?:'s token service .* answered 401| refused the credentials \(401\))/,
    );
    expect(res.stderr).not.toMatch(/bluehost0\d\s+connect/);
    expect(leftovers()).toEqual([]);
  });
});
