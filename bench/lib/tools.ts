// The three ways to do the same deploy on the lab: bluegreen (the real bundled CLI), a plain
// sequential bash script (bench/baseline/deploy.sh) and an Ansible playbook
// (bench/baseline/deploy.yml). Same image, same hosts, same checks, same nginx change.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outcome } from '../../src/deploy/outcome.js';
import { bluegreen, labConfig, ROOT, writeConfig } from '../../test/harness/bluegreen.js';
import { httpGet, type Lab, type LabHost } from '../../test/harness/lab.js';
import { exec, execOk, type Exec } from './util.js';

export type Tool = 'bluegreen' | 'script' | 'ansible';
export const TOOLS: readonly Tool[] = ['bluegreen', 'script', 'ansible'];

export interface ToolRun {
  ms: number;
  outcome?: Outcome;
}

const image = (lab: Lab): string => lab.images.v1.replace(/:[^:/]+$/, '');

/** The lab's docker CLI against one host's own daemon (its socket, not ssh). */
export function dockerAt(host: LabHost, args: string[], timeoutMs = 120_000): Promise<Exec> {
  return execOk('docker', args, { env: { DOCKER_HOST: host.dockerHost, DOCKER_BUILDKIT: '0' }, timeoutMs });
}

/** Removes every image from the hosts (their containers must be gone): the next pull is cold. */
export async function makeCold(hosts: LabHost[]): Promise<void> {
  await Promise.all(hosts.map((h) => dockerAt(h, ['image', 'prune', '-a', '-f'])));
}

const configs = new Map<string, string>();
/** A config from labConfig() for `green` green hosts and `blue` blue hosts (written once). */
export function configFor(lab: Lab, green: number, blue: number): string {
  const key = `${green}/${blue}`;
  let path = configs.get(key);
  if (!path) {
    path = writeConfig(labConfig(lab, { green, blue }));
    configs.set(key, path);
  }
  return path;
}

/** `bluegreen ARGS --json` with the config; throws unless it exits 0. */
export async function runBluegreen(config: string, args: string[]): Promise<ToolRun> {
  const res = await bluegreen(config, [...args, '--json']);
  if (res.code !== 0)
    throw new Error(`bluegreen ${args.join(' ')} exited ${res.code}: ${res.stdout}${res.stderr}`);
  return { ms: res.ms, outcome: JSON.parse(res.stdout) as Outcome };
}

export function scriptEnv(lab: Lab, hosts: LabHost[], version: string, oldHosts: LabHost[] = []) {
  return {
    SSH_KEY: lab.sshKey,
    KNOWN_HOSTS: lab.knownHosts,
    SSH_USER: lab.sshUser,
    IMAGE: image(lab),
    VERSION: version,
    APP: 'webapp',
    PORT: '8000',
    HOSTS: hosts.map((h) => h.address).join(' '),
    OLD_HOSTS: oldHosts.map((h) => h.address).join(' '),
    BALANCER: lab.balancer.address,
    UPSTREAM_FILE: lab.balancer.file,
    NGINX_TEST: lab.balancer.test,
    NGINX_RELOAD: lab.balancer.reload,
    BALANCER_URL: lab.balancer.url,
    CHECK_BODY: 'Hello',
    CHECK_RETRIES: '20',
    CHECK_INTERVAL: '0.25',
  };
}

/** bench/baseline/deploy.sh: sequential, over plain ssh. */
export async function runScript(
  lab: Lab,
  hosts: LabHost[],
  version: string,
  oldHosts: LabHost[] = [],
): Promise<ToolRun> {
  const res = await execOk('bash', [join(ROOT, 'bench/baseline/deploy.sh')], {
    env: scriptEnv(lab, hosts, version, oldHosts),
  });
  return { ms: res.ms };
}

/** bench/baseline/deploy.yml with default settings (forks 5); inventory written from lab.json. */
export async function runAnsible(lab: Lab, hosts: LabHost[], version: string): Promise<ToolRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-bench-ansible-'));
  try {
    const sshArgs = [
      `-o UserKnownHostsFile=${lab.knownHosts}`,
      '-o StrictHostKeyChecking=yes',
      '-o BatchMode=yes',
      '-o ConnectTimeout=10',
    ].join(' ');
    const inventory = [
      '[app]',
      ...hosts.map((h) => `${h.name} ansible_host=${h.address}`),
      '',
      '[balancer]',
      `${lab.balancer.host} ansible_host=${lab.balancer.address}`,
      '',
      '[all:vars]',
      `ansible_user=${lab.sshUser}`,
      `ansible_ssh_private_key_file=${lab.sshKey}`,
      `ansible_ssh_common_args='${sshArgs}'`,
      'ansible_python_interpreter=/usr/bin/python3',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'inventory.ini'), inventory);
    writeFileSync(
      join(dir, 'vars.json'),
      JSON.stringify({
        image: image(lab),
        version,
        app: 'webapp',
        port: 8000,
        upstream_file: lab.balancer.file,
        nginx_test: lab.balancer.test,
        nginx_reload: lab.balancer.reload,
        balancer_url: lab.balancer.url,
      }),
    );
    const res = await exec(
      'ansible-playbook',
      [
        '-i',
        join(dir, 'inventory.ini'),
        '-e',
        `@${join(dir, 'vars.json')}`,
        join(ROOT, 'bench/baseline/deploy.yml'),
      ],
      {
        cwd: dir,
        env: {
          ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
          ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
          ANSIBLE_NOCOLOR: '1',
        },
      },
    );
    await closeControlMasters(join(dir, 'cp'));
    if (res.code !== 0)
      throw new Error(
        `ansible-playbook exited ${res.code}:\n${res.stdout.split('\n').slice(-30).join('\n')}`,
      );
    return { ms: res.ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ends the ssh ControlPersist masters Ansible left (so no run reuses another's connections). */
async function closeControlMasters(dir: string): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  await Promise.all(names.map((n) => exec('ssh', ['-o', `ControlPath=${join(dir, n)}`, '-O', 'exit', 'x'])));
}

/** Installs Debian's ansible package when ansible-playbook is missing (CI machines are fresh). */
export async function ensureAnsible(): Promise<string> {
  if ((await exec('sh', ['-c', 'command -v ansible-playbook'])).code !== 0) {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    let r = await exec('apt-get', ['install', '-y', '-q', 'ansible'], { env, timeoutMs: 900_000 });
    if (r.code !== 0) {
      await execOk('apt-get', ['update', '-q'], { env, timeoutMs: 600_000 });
      r = await execOk('apt-get', ['install', '-y', '-q', 'ansible'], { env, timeoutMs: 900_000 });
    }
  }
  return (await execOk('ansible-playbook', ['--version'])).stdout.split('\n')[0]!.trim();
}

/** Throws unless nginx's upstream lists exactly `hosts` and nginx serves `version`. */
export async function verifyServing(lab: Lab, hosts: LabHost[], version: string): Promise<void> {
  const upstream = readFileSync(lab.balancer.localFile, 'utf8');
  const listed = [...upstream.matchAll(/^\s*server\s+([\d.]+):8000\b/gm)].map((m) => m[1]).sort();
  const want = hosts.map((h) => h.address).sort();
  if (listed.join(' ') !== want.join(' '))
    throw new Error(`upstream lists ${listed.join(' ')}, expected ${want.join(' ')}`);
  for (let i = 0; i < 2 * hosts.length; i++) {
    const r = await httpGet(lab.balancer.url);
    if (r.status !== 200 || r.headers['x-version'] !== version)
      throw new Error(
        `through nginx: ${r.status} version ${String(r.headers['x-version'])}, expected ${version}`,
      );
  }
}
