// The ways to do the same deploy on the lab: bluegreen (the real bundled CLI), a plain bash
// script over ssh (bench/baseline/deploy.sh) one host after the other or all hosts at once
// (`&` + `wait`), and an Ansible playbook (bench/baseline/deploy.yml) with forks ≥ the host
// count. Same image, same container options, same checks (GET / every 250 ms, up to 20
// times), same nginx change.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outcome } from '../../src/deploy/outcome.js';
import {
  bluegreen,
  CLI,
  LAB_CONTAINER_OPTIONS,
  labConfig,
  ROOT,
  writeConfig,
} from '../../test/harness/bluegreen.js';
import { httpGet, type Lab, type LabHost } from '../../test/harness/lab.js';
import { exec, execOk, type Exec } from './util.js';

export type Tool = 'bluegreen' | 'parallel' | 'sequential' | 'ansible';
export const TOOLS: readonly Tool[] = ['bluegreen', 'parallel', 'sequential', 'ansible'];
export const TOOL_NAMES: Record<Tool, string> = {
  bluegreen: 'bluegreen',
  parallel: 'parallel script',
  sequential: 'sequential script',
  ansible: 'Ansible',
};

/**
 * How a script replaces the old pool: `stop-first` the naive order (stop the old pool, then
 * switch nginx); `add-then-remove` the correct one (add the new pool, reload, remove the old
 * one, reload; the old pool keeps running, as bluegreen's warm old pool); `switch-then-stop`
 * (switch nginx, reload, check, then stop the old pool: the job of `deploy --promote` with
 * promote.keep_old 0).
 */
export type Order = 'stop-first' | 'add-then-remove' | 'switch-then-stop';

export const V1 = '1.0.0';
export const V2 = '2.0.0';

/** The checks of every tool: labConfig's (interval 250ms, retries 20). */
export const CHECKS = { intervalMs: 250, retries: 20 } as const;

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

/** Pulls both versions onto the hosts (untimed): the stories under load measure traffic, not pulls. */
export async function makeWarm(lab: Lab, hosts: LabHost[]): Promise<void> {
  await Promise.all(
    hosts.map(async (h) => {
      for (const v of [V1, V2]) await dockerAt(h, ['pull', '-q', `${image(lab)}:${v}`]);
    }),
  );
}

const configs = new Map<string, string>();
/** A config from labConfig() for `green` green hosts and `blue` blue hosts (written once per shape). */
export function configFor(
  lab: Lab,
  green: number,
  blue: number,
  overrides: Record<string, unknown> = {},
): string {
  const key = `${green}/${blue}/${JSON.stringify(overrides)}`;
  let path = configs.get(key);
  if (!path) {
    path = writeConfig(labConfig(lab, { green, blue, overrides }));
    configs.set(key, path);
  }
  return path;
}

/**
 * `bluegreen ARGS --json` with the config (today's dist/cli.js, or `cli`); throws unless it
 * exits 0. `env` adds to the process environment (e.g. DOCKER_HOST for registry: none).
 */
export async function runBluegreen(
  config: string,
  args: string[],
  cli = CLI,
  env: Record<string, string> = {},
): Promise<ToolRun> {
  const res =
    cli === CLI
      ? await bluegreen(config, [...args, '--json'], env)
      : await exec(process.execPath, [cli, ...args, '--json', '--config', config], { env });
  if (res.code !== 0)
    throw new Error(`bluegreen ${args.join(' ')} exited ${res.code}: ${res.stdout}${res.stderr}`);
  return { ms: res.ms, outcome: JSON.parse(res.stdout) as Outcome };
}

/** `bluegreen ARGS` without --json: its progress lines (where the time goes). */
export async function runBluegreenTimeline(config: string, args: string[]): Promise<string[]> {
  const res = await bluegreen(config, args);
  if (res.code !== 0)
    throw new Error(`bluegreen ${args.join(' ')} exited ${res.code}: ${res.stdout}${res.stderr}`);
  return [`$ bluegreen ${args.join(' ')}`, ...res.stderr.trimEnd().split('\n')];
}

export interface ScriptRun {
  hosts: LabHost[];
  version: string;
  /** all hosts at once (`&` + `wait`) instead of one after the other */
  parallel: boolean;
  /** the pool being replaced, and how (default: none, a first deploy) */
  oldHosts?: LabHost[];
  order?: Order;
}

export function scriptEnv(lab: Lab, run: ScriptRun): Record<string, string> {
  return {
    SSH_KEY: lab.sshKey,
    KNOWN_HOSTS: lab.knownHosts,
    SSH_USER: lab.sshUser,
    IMAGE: image(lab),
    VERSION: run.version,
    APP: 'webapp',
    PORT: '8000',
    RUN_OPTIONS: LAB_CONTAINER_OPTIONS.join(' '),
    HOSTS: run.hosts.map((h) => h.address).join(' '),
    OLD_HOSTS: (run.oldHosts ?? []).map((h) => h.address).join(' '),
    ORDER: run.order ?? 'stop-first',
    PARALLEL: run.parallel ? '1' : '0',
    BALANCER: lab.balancer.address,
    UPSTREAM_FILE: lab.balancer.file,
    NGINX_TEST: lab.balancer.test,
    NGINX_RELOAD: lab.balancer.reload,
    BALANCER_URL: lab.balancer.url,
    CHECK_BODY: 'Hello',
    CHECK_RETRIES: String(CHECKS.retries),
    CHECK_INTERVAL: String(CHECKS.intervalMs / 1000),
  };
}

/** bench/baseline/deploy.sh over plain ssh. */
export async function runScript(lab: Lab, run: ScriptRun): Promise<ToolRun> {
  const res = await execOk('bash', [join(ROOT, 'bench/baseline/deploy.sh')], { env: scriptEnv(lab, run) });
  return { ms: res.ms };
}

/** Ansible's forks for `hosts` app hosts: one per host and one for the balancer. */
export const ansibleForks = (hosts: number): number => hosts + 1;

/** bench/baseline/deploy.yml, forks ≥ the host count, pipelining on; inventory written from lab.json. */
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
        run_options: LAB_CONTAINER_OPTIONS.join(' '),
        upstream_file: lab.balancer.file,
        nginx_test: lab.balancer.test,
        nginx_reload: lab.balancer.reload,
        balancer_url: lab.balancer.url,
        check_retries: CHECKS.retries,
        check_interval: CHECKS.intervalMs / 1000,
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
          ANSIBLE_FORKS: String(ansibleForks(hosts.length)),
          ANSIBLE_PIPELINING: '1',
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

/**
 * ansible-playbook's version, installing Debian's package when it is missing (CI machines
 * are fresh); undefined with the reason when it cannot be had (the rendered tables say so).
 */
export async function ensureAnsible(): Promise<{ version?: string; missing?: string }> {
  if ((await exec('sh', ['-c', 'command -v ansible-playbook'])).code !== 0) {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    let r = await exec('apt-get', ['install', '-y', '-q', 'ansible-core'], { env, timeoutMs: 900_000 });
    if (r.code !== 0) {
      await exec('apt-get', ['update', '-q'], { env, timeoutMs: 600_000 });
      r = await exec('apt-get', ['install', '-y', '-q', 'ansible-core'], { env, timeoutMs: 900_000 });
    }
    if (r.code !== 0)
      return { missing: `Ansible not installed (apt-get install ansible-core exited ${r.code})` };
  }
  return { version: (await execOk('ansible-playbook', ['--version'])).stdout.split('\n')[0]!.trim() };
}

/** Throws unless nginx's upstream lists exactly `hosts` and nginx serves `version`. */
export async function verifyServing(lab: Lab, hosts: LabHost[], version: string): Promise<void> {
  const upstream = readFileSync(lab.balancer.localFile, 'utf8');
  const listed = [...upstream.matchAll(/^\s*server\s+([\d.]+):8000\b(?![^;]*\bdown\b)/gm)]
    .map((m) => m[1])
    .sort();
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
