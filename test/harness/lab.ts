// Helpers for end-to-end tests against the lab of test/lab/up.sh: real hosts (network
// namespaces with their own sshd and dockerd) behind a real nginx. Only node: builtins.
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';

export interface LabHost {
  name: string;
  address: string;
  /** unix:///…/<name>/docker.sock: that host's own daemon */
  dockerHost: string;
}

export interface LabBalancer extends LabHost {
  /** http://10.88.0.2/ */
  url: string;
  /** the upstream file nginx includes (bluegreen manages it) */
  file: string;
  conf: string;
  pidFile: string;
  /** shell command that tests the nginx config on the balancer host */
  test: string;
  /** shell command that reloads nginx on the balancer host */
  reload: string;
}

/** A balancer host without dockerd (HAProxy in haproxyhost, a second nginx in lb2). */
export interface LabExtraBalancer {
  name: string;
  address: string;
  url: string;
  file: string;
  pidFile: string;
  test: string;
  reload: string;
  /** The balancer file as up.sh wrote it. */
  initial: string;
  /** nginx: the main config */
  conf?: string;
  /** haproxy: the runtime API socket */
  adminSocket?: string;
}

export interface Lab {
  dir: string;
  registry: string;
  sshUser: string;
  sshKey: string;
  knownHosts: string;
  buildDockerHost: string;
  balancer: LabBalancer;
  /** Absent in a lab.json written before they existed. */
  balancers?: {
    haproxy: LabExtraBalancer;
    nginx2: LabExtraBalancer;
    /** Paths that name each nginx balancer's own files over ssh (dockerhost and lb2). */
    shared: { file: string; pidFile: string; test: string; reload: string };
  };
  hosts: { green: LabHost[]; blue: LabHost[] };
  images: { base: string; v1: string; v2: string };
  initialUpstream: string;
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

/** Every host of the lab: green, blue, then the balancer host. */
export function allHosts(lab: Lab): LabHost[] {
  return [...lab.hosts.green, ...lab.hosts.blue, lab.balancer];
}

export function findHost(lab: Lab, name: string): Pick<LabHost, 'name' | 'address'> {
  const extra = lab.balancers ? [lab.balancers.haproxy, lab.balancers.nginx2] : [];
  const host = [...allHosts(lab), ...extra].find((h) => h.name === name || h.address === name);
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

/** Pids of the nginx workers of the balancer (children of its master). */
export function nginxWorkerPids(lab: Lab): number[] {
  const master = readFileSync(lab.balancer.pidFile, 'utf8').trim();
  const out = run('ps', ['-o', 'pid=', '--ppid', master], { check: false }).stdout;
  return out
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker process');
      } catch {
        return false;
      }
    });
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

/**
 * Reloads the balancer's nginx and waits until the reload is done (pitfall 11: `-s reload`
 * returns at once and exits 0 even when the new config fails at runtime; the reload is done
 * when the workers from before it have exited — a rejected config leaves them running).
 */
export async function reloadNginx(lab: Lab, timeoutMs = 15_000): Promise<void> {
  const before = nginxWorkerPids(lab);
  const ns = `--net=/run/netns/${lab.balancer.name}`;
  run('nsenter', [ns, '--', 'bash', '-c', lab.balancer.test], { timeoutMs: 10_000 });
  run('nsenter', [ns, '--', 'bash', '-c', lab.balancer.reload], { timeoutMs: 10_000 });
  const deadline = Date.now() + timeoutMs;
  while (before.some(alive)) {
    if (Date.now() > deadline)
      throw new Error(`nginx reload not done after ${timeoutMs} ms (old workers alive)`);
    await sleepMs(20);
  }
  // and new workers are serving
  while (nginxWorkerPids(lab).length === 0) {
    if (Date.now() > deadline) throw new Error('nginx has no workers after reload');
    await sleepMs(20);
  }
}

/**
 * Puts the lab back as up.sh left it: every container on every host killed and removed,
 * the upstream file restored, bluegreen state/lock files next to it deleted, nginx reloaded.
 */
export async function resetLab(lab: Lab): Promise<void> {
  await Promise.all(
    allHosts(lab).map(async (host) => {
      const ids = dockerOn(lab, host.name, ['ps', '-aq'], { timeoutMs: 20_000 })
        .stdout.split(/\s+/)
        .filter(Boolean);
      if (ids.length > 0) dockerOn(lab, host.name, ['rm', '-f', ...ids], { timeoutMs: 60_000 });
    }),
  );
  const dir = dirname(lab.balancer.file);
  for (const name of readdirSync(dir)) {
    if (name.startsWith('bluegreen') && join(dir, name) !== lab.balancer.file) {
      rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
  writeFileSync(lab.balancer.file, lab.initialUpstream);
  await reloadNginx(lab);
  if (lab.balancers) for (const b of [lab.balancers.haproxy, lab.balancers.nginx2]) await resetBalancer(b);
}

/** Children of a master process (nginx: its workers; HAProxy in master-worker mode: its workers). */
function childPids(pidFile: string, filter = ''): number[] {
  const master = readFileSync(pidFile, 'utf8').trim();
  return run('ps', ['-o', 'pid=,args=', '--ppid', master], { check: false })
    .stdout.split('\n')
    .filter((l) => l.includes(filter))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((n) => n > 0);
}

/**
 * Tests and reloads an extra balancer in its namespace and waits until a new worker serves
 * (nginx: also until the old workers are gone).
 */
export async function reloadBalancer(b: LabExtraBalancer, timeoutMs = 15_000): Promise<void> {
  const nginxLike = b.conf !== undefined;
  const filter = nginxLike ? 'worker process' : '';
  const before = childPids(b.pidFile, filter);
  const ns = `--net=/run/netns/${b.name}`;
  run('nsenter', [ns, '--', 'bash', '-c', `${b.test} && ${b.reload}`], { timeoutMs: 10_000 });
  const deadline = Date.now() + timeoutMs;
  while (
    !childPids(b.pidFile, filter).some((p) => !before.includes(p)) ||
    (nginxLike && before.some(alive))
  ) {
    if (Date.now() > deadline) throw new Error(`${b.name}: reload not done after ${timeoutMs} ms`);
    await sleepMs(20);
  }
}

/** The extra balancer's file as up.sh wrote it, bluegreen's files beside it removed, reloaded. */
export async function resetBalancer(b: LabExtraBalancer): Promise<void> {
  const dir = dirname(b.file);
  for (const name of readdirSync(dir))
    if (name.startsWith('bluegreen') || name.includes('.bluegreen'))
      rmSync(join(dir, name), { recursive: true, force: true });
  writeFileSync(b.file, b.initial);
  await reloadBalancer(b);
}

export interface HttpResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
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
