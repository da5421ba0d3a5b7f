import { BalancerSet } from '../../src/balancer/set.js';
import { validateConfig } from '../../src/config/load.js';
import type { Config, HostRef, PoolName } from '../../src/config/schema.js';
import { recordOf, type Context, type Secrets } from '../../src/deploy/context.js';
import { Recorder } from '../../src/deploy/outcome.js';
import {
  emptyState,
  serializeState,
  statePath,
  type DeployState,
  type HostRecord,
  type PreviousPool,
} from '../../src/deploy/state.js';
import { sha256 } from '../../src/util/hash.js';
import { FakeBalancer } from './balancer.js';
import { FakeChecker, FakeClock } from './checker.js';
import { FakeHooks } from './hooks.js';
import { FakeImages, fakeDigest } from './images.js';
import { Journal } from './journal.js';
import { RecordingLogger } from './log.js';
import { FakeRemoteHosts } from './remote.js';
import { MemoryLock, MemoryStateStore } from './state.js';

// A Context over fakes: hosts g1..g3 (green, 10.0.1.N) and b1..b3 (blue, 10.0.2.N), one
// balancer `lb` whose file holds `upstream app_server`, and a state record that matches
// the pools given (or none), with the balancer's file rendered to match it.

export const BASE_CONFIG = {
  app: 'webapp',
  image: 'registry.test:5000/team/app',
  pools: {
    green: ['g1', 'g2', 'g3'].map(hostEntry),
    blue: ['b1', 'b2', 'b3'].map(hostEntry),
  },
  balancer: { host: 'lb', file: '/etc/nginx/conf.d/app.conf', url: 'http://lb.test/' },
  container: { port: 8000, stop_timeout: '5s' },
  checks: { retries: 3, interval: '1s' },
  shift: { step_duration: '200ms', concurrency: 2 },
};

/** The config entry of a fake host: gN is 10.0.1.N, bN 10.0.2.N, anything else 10.0.9.1. */
export function hostEntry(name: string): { ssh: string; address: string } {
  const m = /^([gb])(\d+)$/.exec(name);
  const address = m ? `10.0.${m[1] === 'g' ? 1 : 2}.${m[2]}` : '10.0.9.1';
  return { ssh: name, address };
}

/** The URL a host is checked at directly. */
export function hostCheckUrl(name: string): RegExp {
  return new RegExp(`^http://${hostEntry(name).address.replace(/\./g, '\\.')}:8000/`);
}

export const BALANCER_URL = /^http:\/\/lb\.test\//;

export const INITIAL_FILE = `# the app
upstream app_server {
    keepalive 8;
    server 127.0.0.1:8000;
}

server {
    listen 80;
    location / { proxy_pass http://app_server; }
}
`;

export interface PoolSpec {
  pool: PoolName;
  version: string;
  /** Host names (default: the config's hosts of that pool). */
  hosts?: string[];
}

export interface FakeOptions {
  /** Deep-merged over BASE_CONFIG (objects merge, arrays replace, an `undefined` value deletes). */
  config?: Record<string, unknown>;
  live?: PoolSpec;
  candidate?: PoolSpec;
  previous?: PreviousPool;
  /** The balancers' file (default: INITIAL_FILE with the state's pools rendered in). */
  balancerText?: string;
  dryRun?: boolean;
  secrets?: Secrets;
  signal?: AbortSignal;
}

export interface Fakes {
  ctx: Context;
  config: Config;
  /** The state as a run reads it at its start. */
  state: DeployState;
  remote: FakeRemoteHosts;
  balancers: FakeBalancer[];
  store: MemoryStateStore;
  lock: MemoryLock;
  checker: FakeChecker;
  clock: FakeClock;
  images: FakeImages;
  hooks: FakeHooks;
  journal: Journal;
  log: RecordingLogger;
}

export function fakeContext(opts: FakeOptions = {}): Fakes {
  const config = validateConfig(merge(BASE_CONFIG, opts.config ?? {}), 'fake config');
  const journal = new Journal();
  const log = new RecordingLogger();
  const clock = new FakeClock();
  const records = (spec: PoolSpec): HostRecord[] =>
    spec.hosts
      ? spec.hosts.map((name) => recordOf(config, validateHost(config, name)))
      : config.pools[spec.pool].map((h) => recordOf(config, h));

  const initial = emptyState(config.app);
  for (const [role, spec] of [
    ['live', opts.live],
    ['candidate', opts.candidate],
  ] as const) {
    if (!spec) continue;
    initial[role] = spec.pool;
    initial.pools[spec.pool] = {
      version: spec.version,
      image: config.image,
      digest: fakeDigest(spec.version),
      hosts: records(spec),
      since: '2026-01-01T00:00:00.000Z',
    };
  }
  initial.previous = opts.previous ?? null;

  const balancers = config.balancer.hosts.map(
    (h) => new FakeBalancer(h.host, opts.balancerText ?? INITIAL_FILE, config, journal),
  );
  if (opts.balancerText === undefined && initial.live) {
    const hosts = [initial.live, initial.candidate].flatMap((p) => (p ? initial.pools[p]!.hosts : []));
    const text = balancers[0]!.render(
      INITIAL_FILE,
      hosts.map((h) => ({ host: h.address, port: config.container.port })),
    );
    for (const b of balancers) b.text = text;
  }
  if (initial.live) initial.upstreamSha256 = sha256(balancers[0]!.text);

  const path = statePath(config);
  const store = new MemoryStateStore(path, config.app, journal);
  if (initial.live) store.text = serializeState(initial);
  const lock = new MemoryLock(`${path}.lock`, journal);
  const remote = new FakeRemoteHosts(journal, config.ssh.concurrency);
  const checker = new FakeChecker(clock, journal);
  const images = new FakeImages(journal);
  const hooks = new FakeHooks(journal);
  const ctx: Context = {
    config,
    baseDir: '/work/app',
    secrets: opts.secrets ?? {},
    log,
    actor: 'tester',
    dryRun: opts.dryRun ?? false,
    signal: opts.signal ?? new AbortController().signal,
    remote,
    balancer: new BalancerSet(balancers, log),
    store,
    lock,
    checker,
    clock,
    images,
    hooks,
    recorder: new Recorder(),
  };
  return {
    ctx,
    config,
    state: store.current,
    remote,
    balancers,
    store,
    lock,
    checker,
    clock,
    images,
    hooks,
    journal,
    log,
  };
}

/** A host of the config by name, or one the config no longer lists (e.g. scaled away). */
function validateHost(config: Config, name: string): HostRef {
  const all = [...config.pools.green, ...config.pools.blue];
  return (
    all.find((h) => h.name === name) ?? {
      name,
      ssh: { host: name, port: undefined },
      address: hostEntry(name).address,
    }
  );
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete out[k];
    else if (isObject(v) && isObject(out[k])) out[k] = merge(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
