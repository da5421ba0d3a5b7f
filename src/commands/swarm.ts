import { sha256 } from '../util/hash.js';
import { LABEL_APP, LABEL_DIGEST, LABEL_POOL, LABEL_VERSION } from './docker.js';
import { sh } from './shell.js';

// Pure builders of the docker commands bluegreen runs on a Swarm manager (argv in, quoted
// string out). A pool is one service, APP-POOL, `--mode global` on the nodes that carry
// bluegreen's placement label `bluegreen.APP=POOL`, with host networking.

/** Container label of every task a start made: tells its tasks from older ones of the service. */
export const LABEL_RUN = 'bluegreen.run';
/** Service label: a hash of the service's fixed flags (a change of them re-creates the service). */
export const LABEL_SPEC = 'bluegreen.spec';
/** Marks the detached timer that parks a kept old pool after promote.keep_old: DURATION. */
export const PARK_MARKER = 'bluegreen-park';

export function serviceName(app: string, pool: string): string {
  return `${app}-${pool}`;
}

/** The node label bluegreen places a pool's tasks with (its own, never the user's pool label). */
export function placementKey(app: string): string {
  return `bluegreen.${app}`;
}

/** What a pool's service runs, beside the release: everything that comes from the config. */
export interface ServiceSpec {
  app: string;
  pool: string;
  env: Record<string, string>;
  /** `docker service create` flags mapped from container.options (src/swarm/options.ts). */
  options: string[];
  /** `docker run --restart` policy: no, always, unless-stopped, on-failure. */
  restart: string;
  stopSeconds: number;
}

/** The release a service runs: by digest, with its version and the start that made its tasks. */
export interface ServiceRelease {
  /** `repository@sha256:…` */
  image: string;
  version: string;
  digest?: string;
  run: string;
}

const RESTART: Record<string, string> = {
  no: 'none',
  always: 'any',
  'unless-stopped': 'any',
  'on-failure': 'on-failure',
};

/** The flags of a pool's service that do not change from release to release. */
export function fixedFlags(spec: ServiceSpec): string[] {
  const argv = [
    '--mode',
    'global',
    '--constraint',
    `node.labels.${placementKey(spec.app)}==${spec.pool}`,
    '--network',
    'host',
    '--label',
    `${LABEL_APP}=${spec.app}`,
    '--label',
    `${LABEL_POOL}=${spec.pool}`,
    '--container-label',
    `${LABEL_APP}=${spec.app}`,
    '--container-label',
    `${LABEL_POOL}=${spec.pool}`,
    '--restart-condition',
    RESTART[spec.restart] ?? 'any',
    '--stop-grace-period',
    `${spec.stopSeconds}s`,
    // The idle pool has no traffic: its old tasks stop, then every node starts the new one.
    '--update-order',
    'stop-first',
    '--update-parallelism',
    '0',
  ];
  for (const [k, v] of Object.entries(spec.env)) argv.push('--env', `${k}=${v}`);
  return [...argv, ...spec.options];
}

/** The hash a service carries of its fixed flags: when the config changes them, it is re-created. */
export function specHash(spec: ServiceSpec): string {
  return sha256(sh(...fixedFlags(spec))).slice(0, 16);
}

function releaseLabels(r: ServiceRelease, flag: string): string[] {
  return [
    flag,
    `${LABEL_VERSION}=${r.version}`,
    ...(r.digest ? [flag, `${LABEL_DIGEST}=${r.digest}`] : []),
    flag,
    `${LABEL_RUN}=${r.run}`,
  ];
}

/** `docker node update` on many nodes at once; fails if any fails (each error on stderr). */
function onNodes(nodes: string[], flags: string[]): string {
  const each = nodes.map((n) => `${sh('docker', 'node', 'update', ...flags, n)} >/dev/null & p="$p $!"`);
  return [`p=`, ...each, 'rc=0', 'for x in $p; do wait "$x" || rc=1; done', 'exit $rc'].join('; ');
}

const SNAPSHOT_SEPARATOR = '--- tasks ---';

export const swarm = {
  /** Every node of the swarm as JSON, one line each. */
  nodes: () => `ids=$(docker node ls -q) && docker node inspect --format '{{json .}}' $ids`,
  /** Every task of `service` (its history included) as JSON, one line each. */
  tasks: (service: string) =>
    `ids=$(${sh('docker', 'service', 'ps', '-q', '--no-trunc', service)}) && { [ -z "$ids" ] || docker inspect --type task --format '{{json .}}' $ids; }`,
  /** Nodes, a separator line, then the service's tasks: one look at a start in progress. */
  snapshot: (service: string) =>
    `${swarm.nodes()} && echo ${sh(SNAPSHOT_SEPARATOR)} && ${swarm.tasks(service)}`,
  separator: SNAPSHOT_SEPARATOR,
  /** The service as JSON; exits 1 with "no such service" on stderr when it does not exist. */
  inspect: (service: string) => sh('docker', 'service', 'inspect', '--format', '{{json .}}', service),

  /** Creates the pool's service (detached: bluegreen watches the tasks itself, bounded). */
  create: (spec: ServiceSpec, release: ServiceRelease) =>
    sh(
      'docker',
      'service',
      'create',
      '--detach',
      '--quiet',
      '--with-registry-auth',
      '--name',
      serviceName(spec.app, spec.pool),
      ...fixedFlags(spec),
      '--label',
      `${LABEL_SPEC}=${specHash(spec)}`,
      ...releaseLabels(release, '--container-label'),
      release.image,
    ),
  /** Points an existing service (same fixed flags) at another release: its tasks are replaced, stop-first. */
  update: (service: string, release: ServiceRelease) =>
    sh(
      'docker',
      'service',
      'update',
      '--detach',
      '--quiet',
      '--with-registry-auth',
      '--image',
      release.image,
      ...releaseLabels(release, '--container-label-add'),
      service,
    ),
  remove: (service: string) => sh('docker', 'service', 'rm', service),

  /** Places the pool's tasks on `nodes` (Swarm starts one on each). */
  place: (app: string, pool: string, nodes: string[]) =>
    onNodes(nodes, ['--label-add', `${placementKey(app)}=${pool}`]),
  /** Takes `nodes` out of the placement: Swarm stops their tasks (SIGTERM, then the grace period). */
  unplace: (app: string, nodes: string[]) => onNodes(nodes, ['--label-rm', placementKey(app)]),

  /** The last lines a task logged (its error, for a task that failed to start). */
  taskLogs: (task: string, lines = 5) =>
    `${sh('docker', 'service', 'logs', '--raw', '--tail', String(lines), task)} 2>&1`,

  /**
   * Unplaces `nodes` after `seconds`, detached from this SSH session (promote.keep_old:
   * DURATION), marked with PARK_MARKER, the app and the pool so a later run cancels it.
   */
  schedulePark: (app: string, pool: string, nodes: string[], seconds: number) => {
    const script = `: ${PARK_MARKER} ${app} ${pool}; sleep ${seconds}; ${swarm.unplace(app, nodes)}`;
    return `(nohup sh -c ${sh(script)} >/dev/null 2>&1 </dev/null &)`;
  },
  /** Cancels the park timer of the pool. */
  cancelPark: (app: string, pool: string) =>
    `pkill -f ${sh(`^sh -c : ${PARK_MARKER} ${app.replace(/[.]/g, '\\.')} ${pool};`)} 2>/dev/null; true`,
};
