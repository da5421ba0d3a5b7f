// Helpers for end-to-end tests against the lab of test/lab/up.sh: real hosts (network
// namespaces with their own sshd and dockerd) behind a real nginx. Only node: builtins.
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { canonicalJson } from '../../src/balancer/caddy-config.js';

export interface LabHost {
  name: string;
  address: string;
  /** unix:///…/<name>/docker.sock: that host's own daemon */
  dockerHost: string;
}

export type BalancerId =
  'nginx' | 'haproxy' | 'nginxHost' | 'nginxHost2' | 'haproxyHost' | 'apache' | 'caddy' | 'caddy2';

/**
 * One balancer of the lab. `nginx` and `haproxy` run as Docker containers on dockerhost (the
 * classic setup); `nginxHost` (lb2), `nginxHost2` (lb3), `haproxyHost` (haproxyhost) and
 * `apache` (apachehost) are installed on their hosts; so are `caddy` (caddyhost) and `caddy2`
 * (caddyhost2), which have no balancer file: bluegreen changes them through their admin API.
 */
export interface LabBalancer {
  id: BalancerId;
  kind: 'nginx' | 'haproxy' | 'apache' | 'caddy';
  /** The lab host (namespace) it runs on. */
  host: string;
  address: string;
  url: string;
  /** balancer.file as bluegreen names it on the balancer host. */
  file: string;
  /** The same file as this (root-namespace) process reads it. */
  localFile: string;
  /** The container it runs in (on dockerhost), and where the file is inside it. */
  container?: string;
  insideFile?: string;
  /** Host installs: the master's pid file. */
  pidFile?: string;
  /** Caddy: its admin API, on its host's loopback. */
  admin?: string;
  /** HAProxy: the runtime API socket, as this process reaches it. */
  adminSocket?: string;
  /** How the lab tests and reloads it, on its host. */
  test: string;
  reload: string;
  /** The balancer file as up.sh wrote it (Caddy: the reverse_proxy handler as bluegreen reads it). */
  initial: string;
  /** The `balancer:` section of a bluegreen.yml for this balancer. */
  config: Record<string, unknown>;
}

export interface Lab {
  dir: string;
  /** The lab registry (plain HTTP, no authentication): every image of the lab is in it. */
  registry: string;
  /** The same storage behind htpasswd authentication. */
  registryAuth: {
    address: string;
    username: string;
    passwordFile: string;
    /** A second user, for the hosts' pull-only credential. */
    pullUsername: string;
    pullPasswordFile: string;
  };
  sshUser: string;
  sshKey: string;
  knownHosts: string;
  buildDockerHost: string;
  dockerhost: LabHost;
  /** The classic balancer: nginx in the `balancer` container on dockerhost. */
  balancer: LabBalancer;
  balancers: Record<BalancerId, LabBalancer>;
  /** lb2 and lb3 show their own nginx files at these paths to ssh sessions. */
  sharedNginx: { file: string; test: string; reload: string };
  /** Where the apps' syslog driver sends (UDP), and the file the receiver appends to. */
  syslog: { address: string; port: number; file: string };
  hosts: { green: LabHost[]; blue: LabHost[] };
  /**
   * A jump host: sshd alone, no dockerd. `bash test/lab/bastion.sh close HOST…` lets only it
   * reach those hosts' sshd (`open HOST…` undoes it); `sshLog` is its sshd's log (one
   * "Accepted publickey" line per login).
   */
  bastion: { name: string; address: string; sshLog: string };
  images: { base: string; v1: string; v2: string; nginx: string; haproxy: string };
  upSeconds: number;
}

export const LAB_DIR = process.env.LAB_DIR ?? '/var/lib/bluegreen-lab';
export const LAB_JSON = join(LAB_DIR, 'lab.json');
const NOT_UP = 'lab is not up: run `sudo bash test/lab/up.sh`';

/** Why the lab tests cannot run here, or undefined when they can. */
export function labSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'the lab needs Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'the lab needs root';
  if (!existsSync(LAB_JSON)) return `${NOT_UP} (${LAB_JSON} is missing)`;
  return undefined;
}

export function loadLab(): Lab {
  let text: string;
  try {
    text = readFileSync(LAB_JSON, 'utf8');
  } catch {
    throw new Error(`${NOT_UP} (${LAB_JSON} is missing)`);
  }
  return JSON.parse(text) as Lab;
}

/** Every host of the lab with a docker daemon: green, blue, then dockerhost. */
export function allHosts(lab: Lab): LabHost[] {
  return [...lab.hosts.green, ...lab.hosts.blue, lab.dockerhost];
}

export function findHost(lab: Lab, name: string): Pick<LabHost, 'name' | 'address'> {
  const balancerHosts = Object.values(lab.balancers).map((b) => ({ name: b.host, address: b.address }));
  const host = [...allHosts(lab), ...balancerHosts].find((h) => h.name === name || h.address === name);
  if (!host) throw new Error(`no lab host named ${name}`);
  return host;
}

export interface ShResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface ShOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** throw when the exit status is not 0 (default true) */
  check?: boolean;
  cwd?: string;
}

function run(file: string, args: string[], opts: ShOptions = {}): ShResult {
  const spawnOpts: SpawnSyncOptions = {
    env: { ...process.env, ...opts.env },
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    cwd: opts.cwd,
  };
  const r = spawnSync(file, args, spawnOpts);
  const res: ShResult = {
    status: r.status ?? -1,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? '') + (r.error ? `\n${r.error.message}` : ''),
  };
  if ((opts.check ?? true) && res.status !== 0) {
    const shown = [file, ...args].join(' ');
    throw new Error(
      `command failed (${res.status}${r.signal ? `, ${r.signal}` : ''}): ${shown}\n${res.stderr}`,
    );
  }
  return res;
}

/** Like run, without blocking the event loop (for commands that should run in parallel). */
function runAsync(file: string, args: string[], opts: ShOptions = {}): Promise<ShResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res: ShResult = { status: code ?? -1, stdout, stderr };
      if ((opts.check ?? true) && res.status !== 0) {
        const shown = [file, ...args].join(' ');
        reject(
          new Error(`command failed (${res.status}${signal ? `, ${signal}` : ''}): ${shown}\n${stderr}`),
        );
      } else resolve(res);
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a shell command locally (bash -c). */
export function sh(cmd: string, opts: ShOptions = {}): ShResult {
  return run('bash', ['-c', cmd], opts);
}

/** The docker CLI against one host's daemon, through its socket (not ssh): for assertions. */
export function dockerOn(lab: Lab, hostName: string, args: string[], opts: ShOptions = {}): ShResult {
  const host = allHosts(lab).find((h) => h.name === hostName || h.address === hostName);
  if (!host) throw new Error(`no lab host with a docker daemon named ${hostName}`);
  return run('docker', args, {
    ...opts,
    env: { DOCKER_BUILDKIT: '0', ...opts.env, DOCKER_HOST: host.dockerHost },
  });
}

/** ssh options for the lab's hosts: the lab key, its known_hosts, strict checking. */
export function sshArgs(lab: Lab): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    lab.sshKey,
    '-o',
    `UserKnownHostsFile=${lab.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
  ];
}

/** Runs a command on a lab host over real ssh (its DOCKER_HOST is that host's daemon). */
export function sshOn(lab: Lab, hostName: string, command: string, opts: ShOptions = {}): ShResult {
  const host = findHost(lab, hostName);
  return run('ssh', [...sshArgs(lab), `${lab.sshUser}@${host.address}`, command], opts);
}

/** sshOn without blocking: several hosts at once. */
export function sshOnAsync(
  lab: Lab,
  hostName: string,
  command: string,
  opts: ShOptions = {},
): Promise<ShResult> {
  const host = findHost(lab, hostName);
  return runAsync('ssh', [...sshArgs(lab), `${lab.sshUser}@${host.address}`, command], opts);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The balancer's master process: from its pid file, or the container's main process. */
function masterPid(lab: Lab, b: LabBalancer): number | undefined {
  if (b.container) {
    const out = dockerOn(lab, b.host, ['inspect', '--format', '{{.State.Pid}}', b.container], {
      check: false,
    }).stdout.trim();
    return Number(out) > 0 ? Number(out) : undefined;
  }
  // HAProxy re-executes its master on a reload: for a moment the pid file can be missing or
  // empty. That is "not yet", not an error.
  try {
    const pid = Number(readFileSync(b.pidFile!, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** PIDs of the balancer's workers: the master's children (nginx: only its worker processes). */
export function workerPids(lab: Lab, b: LabBalancer): number[] {
  const master = masterPid(lab, b);
  if (master === undefined) return [];
  return run('ps', ['-o', 'pid=,args=', '--ppid', String(master)], { check: false })
    .stdout.split('\n')
    .filter((l) => l.trim() !== '' && (b.kind !== 'nginx' || l.includes('worker process')))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((n) => n > 0);
}

/** Runs one of the balancer's own commands (its test or reload) on its host. */
export function onBalancerHost(lab: Lab, b: LabBalancer, command: string, opts: ShOptions = {}): ShResult {
  return run('nsenter', [`--net=/run/netns/${b.host}`, '--', 'bash', '-c', command], {
    timeoutMs: 10_000,
    ...opts,
    env: { DOCKER_HOST: `unix://${lab.dir}/${b.host}/docker.sock`, ...opts.env },
  });
}

/**
 * Tests and reloads a balancer the way the lab runs it, and waits until the reload is done:
 * a new worker serves, and (nginx, Apache) the workers from before have exited. A reload
 * command returns at once and exits 0 even when the new config then fails at runtime.
 */
export async function reloadBalancer(lab: Lab, b: LabBalancer, timeoutMs = 15_000): Promise<void> {
  const before = workerPids(lab, b);
  onBalancerHost(lab, b, `${b.test} && ${b.reload}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = workerPids(lab, b);
    const renewed = now.some((p) => !before.includes(p));
    const oldGone = b.kind === 'haproxy' || !before.some(alive);
    if (renewed && oldGone) return;
    if (Date.now() > deadline) throw new Error(`${b.id}: reload not done after ${timeoutMs} ms`);
    await sleepMs(20);
  }
}

/**
 * What bluegreen reads as the balancer's servers' config: the file's text, or (Caddy) the
 * reverse_proxy handler fetched from the admin API on its host, canonical as bluegreen reads it.
 */
export function balancerText(lab: Lab, b: LabBalancer): string {
  if (b.kind !== 'caddy') return readFileSync(b.localFile, 'utf8');
  const res = onBalancerHost(lab, b, `curl -sf http://${b.admin}/id/app_server`);
  return canonicalJson(JSON.parse(res.stdout));
}

/** The balancer's file as up.sh wrote it (in place: a single-file bind mount keeps seeing it), bluegreen's files beside it removed, reloaded. */
export async function resetBalancer(lab: Lab, b: LabBalancer): Promise<void> {
  if (b.kind === 'caddy') {
    // Caddy: its state directory emptied, and the config it was started with loaded again.
    rmSync(join(dirname(b.localFile), '..', 'bluegreen'), { recursive: true, force: true });
    onBalancerHost(lab, b, b.reload);
    return;
  }
  const dir = dirname(b.localFile);
  for (const name of readdirSync(dir))
    if (name.startsWith('bluegreen') || name.includes('.bluegreen'))
      rmSync(join(dir, name), { recursive: true, force: true });
  writeFileSync(b.localFile, b.initial);
  // A test that replaced the file (a new inode) leaves a single-file bind mount reading the
  // old one: such a container is restarted, so it reads the file again.
  const pid = b.container ? masterPid(lab, b) : undefined;
  if (b.container && pid && readFileSync(`/proc/${pid}/root${b.insideFile}`, 'utf8') !== b.initial) {
    dockerOn(lab, b.host, ['restart', '--time', '1', b.container]);
    const deadline = Date.now() + 10_000;
    while (workerPids(lab, b).length === 0 && Date.now() < deadline) await sleepMs(50);
    return;
  }
  await reloadBalancer(lab, b);
}

/**
 * Puts the lab back as up.sh left it: every app container on every host removed (the lab's
 * own balancer containers stay), every balancer's file restored and bluegreen's state and
 * lock files beside it deleted, every balancer reloaded.
 */
export async function resetLab(lab: Lab): Promise<void> {
  await Promise.all(
    allHosts(lab).map(async (host) => {
      const ids = dockerOn(
        lab,
        host.name,
        ['ps', '-a', '--format', '{{.ID}} {{.Label "bluegreen-lab.role"}}'],
        {
          timeoutMs: 20_000,
        },
      )
        .stdout.split('\n')
        .map((l) => l.trim().split(' '))
        .filter(([id, role]) => id && !role)
        .map(([id]) => id!);
      if (ids.length > 0) dockerOn(lab, host.name, ['rm', '-f', ...ids], { timeoutMs: 60_000 });
    }),
  );
  for (const b of Object.values(lab.balancers)) await resetBalancer(lab, b);
}

export interface HttpResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** The distinct bodies (the versions) the balancer answers with over `n` sequential fresh GETs, sorted. */
export async function servedVersions(lab: Lab, n = 20): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await httpGet(lab.balancer.url)).body);
  return [...seen].sort();
}

/** One GET on a fresh connection (agent: false). Rejects on socket errors and timeouts. */
export function httpGet(url: string, opts: { timeoutMs?: number } = {}): Promise<HttpResult> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Convenience for tests: the upstream block bluegreen would write for these addresses. */
export function upstreamFor(addresses: string[], port = 8000): string {
  const servers = addresses.map((a) => `    server ${a}:${port};`).join('\n');
  return `# managed by bluegreen\nupstream app_server {\n${servers}\n}\n`;
}

/** True when every host's daemon answers on its socket. */
export function labIsUp(lab: Lab): boolean {
  return allHosts(lab).every(
    (h) =>
      run('docker', ['version', '--format', '{{.Server.Version}}'], {
        env: { DOCKER_HOST: h.dockerHost },
        check: false,
        timeoutMs: 10_000,
      }).status === 0,
  );
}
