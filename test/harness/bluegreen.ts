import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { Lab } from './lab.js';

// Drives the real, bundled CLI (dist/cli.js) against the lab, as a user would.

/** The repository root: the nearest folder above this file (or its bundled copy) holding bluegreen's package.json. */
export const ROOT = findRoot(import.meta.dirname);

function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'bluegreen')
      return dir;
  }
  return process.cwd();
}
export const CLI = join(ROOT, 'dist/cli.js');

export interface LabConfigOptions {
  app?: string;
  green?: number;
  blue?: number;
  /** Deep-merged over the generated config. */
  overrides?: Record<string, unknown>;
}

/**
 * How the lab runs the app: on the host's network (the lab has no docker bridge), with an
 * init (node ignores SIGTERM as PID 1), and with half a CPU: all hosts share this machine's
 * two cores, and a container starting on the idle pool must not take the live pool's CPU, as
 * it could not on machines of their own.
 */
export const LAB_CONTAINER_OPTIONS = ['--network', 'host', '--init', '--cpus', '0.5'];

/** The lab's container options with the app logging to the lab's syslog receiver, tagged webapp. */
export function syslogContainerOptions(lab: Lab): string[] {
  return [
    ...LAB_CONTAINER_OPTIONS,
    '--log-driver',
    'syslog',
    '--log-opt',
    `syslog-address=udp://${lab.syslog.address}:${lab.syslog.port}`,
    '--log-opt',
    'tag=webapp',
  ];
}

/** A bluegreen.yml for the lab: image from the lab registry, hosts by address, real known_hosts. */
export function labConfig(lab: Lab, opts: LabConfigOptions = {}): Record<string, unknown> {
  const host = (h: { name: string; address: string }) => ({ ssh: h.address, name: h.name });
  const base: Record<string, unknown> = {
    app: opts.app ?? 'webapp',
    image: lab.images.v1.replace(/:[^:/]+$/, ''),
    registry: { server: lab.registry, insecure: true },
    ssh: { user: lab.sshUser, private_key: lab.sshKey, known_hosts: lab.knownHosts, concurrency: 10 },
    container: {
      port: 8000,
      options: LAB_CONTAINER_OPTIONS,
      env: { PORT: '8000' },
      stop_timeout: '5s',
    },
    pools: {
      green: lab.hosts.green.slice(0, opts.green ?? 3).map(host),
      blue: lab.hosts.blue.slice(0, opts.blue ?? 3).map(host),
    },
    balancer: { ...lab.balancer.config, drain_timeout: '30s' },
    checks: { path: '/', status: 200, body: 'Hello', timeout: '2s', interval: '250ms', retries: 20 },
  };
  return merge(base, opts.overrides ?? {});
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? merge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function writeConfig(
  config: Record<string, unknown> | string,
  dir = mkdtempSync(join(tmpdir(), 'bluegreen-')),
): string {
  const path = join(dir, 'bluegreen.yml');
  writeFileSync(path, typeof config === 'string' ? config : stringify(config));
  return path;
}

export interface CliResult {
  code: number;
  signal?: string;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `bluegreen ARGS --config PATH` asynchronously (so load can run meanwhile). */
export function bluegreen(
  configPath: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return startBluegreen(configPath, args, env).done;
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves when the progress output (stderr) matches; rejects if the process ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts the CLI and lets a test act at a given point of its progress (faults, kills). */
export function startBluegreen(
  configPath: string,
  args: string[],
  env: Record<string, string> = {},
): RunningCli {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args, '--config', configPath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // bluegreen runs on a CI runner or a laptop, not on the hosts: in the lab, where everything
  // shares two cores, it runs at a lower CPU priority than the balancer and the live pool.
  try {
    setPriority(child.pid!, 10);
  } catch {
    // Already gone, or not allowed: it runs at the default priority.
  }
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of [...watchers]) {
      if (w.pattern.test(stderr)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolvePromise({
        code: code ?? -1,
        signal: signal ?? undefined,
        stdout,
        stderr,
        ms: Date.now() - started,
      }),
    );
  });
  return {
    child,
    done,
    waitFor(pattern, timeoutMs = 60_000) {
      if (pattern.test(stderr)) return Promise.resolve();
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern} in:\n${stderr}`)),
          timeoutMs,
        );
        watchers.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolvePromise();
          },
        });
        void done.then((r) => {
          clearTimeout(timer);
          reject(new Error(`bluegreen exited ${r.code} before ${pattern} appeared:\n${r.stderr}`));
        });
      });
    },
  };
}
