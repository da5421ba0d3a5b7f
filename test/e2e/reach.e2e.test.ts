import { spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bluegreen, labConfig, ROOT, writeConfig } from '../harness/bluegreen.js';
import { dockerOn, httpGet, loadLab, resetLab, sh, sshArgs, sshOn, type Lab } from '../harness/lab.js';
import { expectZeroDowntime, mixedLoad, settle, V1, V2 } from '../harness/zero-downtime.js';

// Reaching hosts as `ssh` does: through a bastion (ssh.proxy_jump), and from a laptop's shell
// with nothing but host names in the config (~/.ssh/config, ssh-agent, ~/.ssh/known_hosts).
//
// The lab's bastion mode (test/lab/bastion.sh) closes the sshd of the six pool hosts used here
// to everything but the bastion, for this file only: the hosts stay reachable by the
// balancer (their app port) and by the harness (their dockerd's unix socket), and every other
// suite finds them as usual (afterAll opens them again, whatever happened).

const skip = inject('labSkip');
const BASTION_SH = join(ROOT, 'test/lab/bastion.sh');

/** Lines of a sshd log saying someone logged in. */
function logins(log: string): number {
  return existsSync(log) ? (readFileSync(log, 'utf8').match(/Accepted publickey for /g) ?? []).length : 0;
}

describe.skipIf(skip)('reach: a bastion, and ~/.ssh as ssh uses it', () => {
  let lab: Lab;
  let hosts: string[];
  const hostLog = (name: string) => join(lab.dir, name, 'sshd.log');
  let agent: ChildProcess | undefined;

  beforeAll(async () => {
    lab = loadLab();
    await resetLab(lab);
    hosts = [...lab.hosts.green.slice(0, 3), ...lab.hosts.blue.slice(0, 3)].map((h) => h.name);
    sh(`bash ${BASTION_SH} close ${hosts.join(' ')}`);
  });

  afterAll(async () => {
    if (agent?.pid) agent.kill();
    if (!lab) return;
    try {
      sh(`bash ${BASTION_SH} open ${hosts.join(' ')}`);
    } finally {
      await resetLab(lab);
    }
  });

  it('the pool hosts answer ssh only from the bastion', () => {
    const direct = sshOn(lab, 'greenhost00', 'true', { check: false });
    expect(direct.status).not.toBe(0);
    expect(direct.stderr).toMatch(/Connection refused/);
    // Through the bastion, OpenSSH's own client gets in.
    const args = sshArgs(lab).join(' ');
    const jumped = sh(
      `ssh ${args} -o ProxyCommand="ssh ${args} -W %h:%p root@${lab.bastion.address}" root@${lab.hosts.green[0]!.address} 'echo $BLUEGREEN_LAB_HOST'`,
    );
    expect(jumped.stdout.trim()).toBe('greenhost00');
  });

  it('deploys, promotes and rolls back through the bastion under load: one bastion login per run, zero failed requests', async () => {
    const url = lab.balancer.url;
    const direct = writeConfig(labConfig(lab));
    const viaBastion = writeConfig(
      labConfig(lab, { overrides: { ssh: { proxy_jump: `root@${lab.bastion.address}` } } }),
    );

    // Without the bastion the hosts cannot be reached: the deploy fails naming them, nothing changed.
    const before = readFileSync(lab.balancer.localFile, 'utf8');
    const refused = await bluegreen(direct, ['deploy', '--version', '1.0.0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /greenhost0\d: cannot connect over SSH to root@10\.88\.0\.1\d:22: connection refused/,
    );
    expect(readFileSync(lab.balancer.localFile, 'utf8')).toBe(before);

    const run = async (args: string[]) => {
      const bastionBefore = logins(lab.bastion.sshLog);
      const res = await bluegreen(viaBastion, args);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
      // Every host (and the balancer) was a channel of one login on the bastion.
      expect(logins(lab.bastion.sshLog) - bastionBefore, args.join(' ')).toBe(1);
      return res;
    };
    const first = await run(['deploy', '--version', '1.0.0']);
    expect(first.stdout + first.stderr).toContain('1.0.0 live on green (3 hosts)');

    // The lab's hosts share one machine's disk and CPUs: the first, cold pull of 2.0.0 on blue
    // (download and extraction) slows green's answers (measured here: p99 178 ms against a
    // steady 28 ms, the load generator itself 0.58 s late), which hosts of their own never do.
    // The image is pulled before the load (the deploy still pulls it, through the bastion).
    for (const h of lab.hosts.blue.slice(0, 3)) dockerOn(lab, h.name, ['pull', '-q', lab.images.v2]);
    const load = mixedLoad(url, 200, { firstWindow: 'steady' });
    const phases: string[] = [];
    const phase = async (name: string, args: string[]) => {
      load.mark(name);
      const res = await run(args);
      phases.push(`${name} ${(res.ms / 1000).toFixed(1)}s`);
      load.mark(`after ${name}`);
    };
    await settle(1500);
    await phase('deploy', ['deploy', '--version', '2.0.0']);
    await phase('promote', ['promote']);
    expect((await httpGet(url)).body).toBe(V2);
    await phase('rollback', ['rollback']);
    expect((await httpGet(url)).body).toBe(V1);
    await settle(1000);
    const report = await load.stop();
    console.log(`through the bastion: ${phases.join('; ')}`);
    expect(report.total.bodies[V2]).toBeGreaterThan(0);
    expectZeroDowntime('reach', 'deploy, promote, rollback through a bastion', report, {
      maxIdleResets: 3,
      latency: { steady: 'steady', windows: ['deploy', 'promote', 'rollback'], starting: ['deploy'] },
    });
  });

  it('refuses an unknown bastion key before any host is touched, naming the bastion and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluegreen-reach-'));
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(
      knownHosts,
      readFileSync(lab.knownHosts, 'utf8')
        .split('\n')
        .filter((l) => !l.startsWith(`${lab.bastion.address} `))
        .join('\n'),
    );
    const config = writeConfig(
      labConfig(lab, {
        overrides: { ssh: { known_hosts: knownHosts, proxy_jump: `root@${lab.bastion.address}` } },
      }),
      dir,
    );
    const watched = [...hosts, 'dockerhost'];
    const before = watched.map((h) => logins(hostLog(h)));
    const bastionBefore = logins(lab.bastion.sshLog);
    const balancerBefore = readFileSync(lab.balancer.localFile, 'utf8');
    const res = await bluegreen(config, ['deploy', '--version', '2.0.0']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `jump host root@${lab.bastion.address}:22 (ssh.proxy_jump / ProxyJump): cannot connect over SSH: ${lab.bastion.address} is not in known_hosts (add its key, e.g. ssh-keyscan -p 22 ${lab.bastion.address}, after checking it)`,
    );
    expect(logins(lab.bastion.sshLog)).toBe(bastionBefore);
    expect(watched.map((h) => logins(hostLog(h)))).toEqual(before);
    expect(readFileSync(lab.balancer.localFile, 'utf8')).toBe(balancerBefore);
  });

  it('a config with only host names deploys from a shell with ~/.ssh/config, ssh-agent and a hashed ~/.ssh/known_hosts', async () => {
    await resetLab(lab);
    // A laptop's home: no key file at all (the key is only in the agent), ~/.ssh/config giving
    // each name its address, user and the bastion, known_hosts hashed by ssh-keygen -H.
    const home = mkdtempSync(join(tmpdir(), 'bluegreen-home-'));
    const ssh = join(home, '.ssh');
    mkdirSync(ssh, { mode: 0o700 });
    const all = [...lab.hosts.green.slice(0, 3), ...lab.hosts.blue.slice(0, 3)];
    writeFileSync(
      join(ssh, 'config'),
      [
        ...all.map((h) => `Host ${h.name}\n  HostName ${h.address}\n`),
        `Host dockerhost\n  HostName ${lab.dockerhost.address}\n  ProxyJump none\n`,
        `Host jump\n  HostName ${lab.bastion.address}\n`,
        'Host greenhost* bluehost*\n  ProxyJump jump\n',
        'Host *\n  User root\n',
      ].join('\n'),
      { mode: 0o600 },
    );
    copyFileSync(lab.knownHosts, join(ssh, 'known_hosts'));
    sh(`ssh-keygen -q -H -f ${join(ssh, 'known_hosts')}`);
    rmSync(join(ssh, 'known_hosts.old'), { force: true });
    expect(readFileSync(join(ssh, 'known_hosts'), 'utf8')).not.toContain('10.88.0.');

    const sock = join(home, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await settle(20);
    sh(`ssh-add -q ${lab.sshKey}`, { env: { SSH_AUTH_SOCK: sock } });

    const base = labConfig(lab);
    const config = writeConfig({
      ...base,
      ssh: undefined,
      pools: { green: all.slice(0, 3).map((h) => h.name), blue: all.slice(3).map((h) => h.name) },
      balancer: { ...(base.balancer as Record<string, unknown>), host: 'dockerhost' },
    });
    const text = readFileSync(config, 'utf8');
    expect(text).not.toMatch(/ssh:|10\.88\.0\.(1\d|6\d)|private_key|known_hosts/);

    const env = { HOME: home, SSH_AUTH_SOCK: sock, BLUEGREEN_SSH_KEY: '', BLUEGREEN_KNOWN_HOSTS: '' };
    const bastionBefore = logins(lab.bastion.sshLog);
    const res = await bluegreen(config, ['deploy', '--version', '1.0.0'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toContain('1.0.0 live on green (3 hosts)');
    // ~/.ssh/config's HostName is the address nginx uses.
    expect(readFileSync(lab.balancer.localFile, 'utf8')).toMatch(/server 10\.88\.0\.10:8000/);
    expect(logins(lab.bastion.sshLog) - bastionBefore).toBe(1);
    for (const h of all.slice(0, 3))
      expect(dockerOn(lab, h.name, ['ps', '--format', '{{.Names}}']).stdout.trim()).toBe('webapp-1.0.0');

    // Without the agent nothing offers a key: the CLI says what it looked for and what to do.
    const noAgent = await bluegreen(config, ['status'], { ...env, SSH_AUTH_SOCK: '' });
    expect(noAgent.code).toBe(2);
    expect(noAgent.stderr).toMatch(
      /ssh\.private_key: no SSH key for \S+: no ssh-agent \(SSH_AUTH_SOCK is not set\) and none of .*id_ed25519.* exists/,
    );
  });
});
