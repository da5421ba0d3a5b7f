import { sh } from './shell.js';

// Pure builders of docker command lines (argv in, quoted string out), in the manner of
// Kamal's command objects: nothing here runs anything.

export const LABEL_APP = 'bluegreen.app';
export const LABEL_VERSION = 'bluegreen.version';
export const LABEL_POOL = 'bluegreen.pool';
export const LABEL_DIGEST = 'bluegreen.digest';
/** Marks the one-off container of a release (not one of the app's: status and retention ignore it). */
export const LABEL_RELEASE = 'bluegreen.release';

/** Marks the detached timer that stops a warm old pool (promote.keep_old: DURATION) on a host. */
export const KEEP_OLD_MARKER = 'bluegreen-keep-old';

export interface RunSpec {
  app: string;
  version: string;
  pool: string;
  /** What docker runs: `repository@sha256:…` once the digest is known. */
  image: string;
  digest?: string;
  port: number;
  env: Record<string, string>;
  options: string[];
  restart: string;
}

/** Container names carry the version, so two versions can coexist while a deploy is under way. */
export function containerName(app: string, version: string): string {
  return `${app}-${version}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function imageRef(image: string, version: string): string {
  return `${image}:${version}`;
}

/** The image by content: `repository@sha256:…` (the tag is only a name that can move). */
export function pinnedRef(image: string, digest: string): string {
  return `${image}@${digest}`;
}

function usesHostNetwork(options: string[]): boolean {
  return options.some(
    (o, i) =>
      o === '--network=host' ||
      o === '--net=host' ||
      ((o === '--network' || o === '--net') && options[i + 1] === 'host'),
  );
}

/**
 * Runs `command` logged in to a registry through a throw-away DOCKER_CONFIG made for this one
 * command line and removed when it ends however it ends (an SSH session that drops sends the
 * shell SIGHUP): the login never lands in the host's ~/.docker/config.json. The password
 * comes on stdin.
 */
export function withRegistryLogin(login: { server: string; username: string }, command: string): string {
  return [
    'set -e',
    `d=$(mktemp -d /tmp/bluegreen-docker.XXXXXX)`,
    `trap 'rm -rf "$d"' EXIT`,
    `trap 'exit 129' HUP`,
    `trap 'exit 130' INT`,
    `trap 'exit 143' TERM`,
    'export DOCKER_CONFIG="$d"',
    `${sh('docker', 'login', '--username', login.username, '--password-stdin', login.server)} >/dev/null`,
    command,
  ].join('; ');
}

export const docker = {
  /** `docker run -d` as in the seed; `-p port:port` unless the container shares the host's network. */
  run(spec: RunSpec): string {
    const argv = ['docker', 'run', '-d', '--name', containerName(spec.app, spec.version)];
    argv.push(
      '--label',
      `${LABEL_APP}=${spec.app}`,
      '--label',
      `${LABEL_VERSION}=${spec.version}`,
      '--label',
      `${LABEL_POOL}=${spec.pool}`,
    );
    if (spec.digest) argv.push('--label', `${LABEL_DIGEST}=${spec.digest}`);
    argv.push('--restart', spec.restart);
    if (!usesHostNetwork(spec.options)) argv.push('-p', `${spec.port}:${spec.port}`);
    for (const [k, v] of Object.entries(spec.env)) argv.push('-e', `${k}=${v}`);
    argv.push(...spec.options, spec.image);
    return sh(...argv);
  },

  /** Lists this app's containers, one `name<TAB>state<TAB>version<TAB>pool` line each. */
  list: (app: string) =>
    sh(
      'docker',
      'ps',
      '-a',
      '--filter',
      `label=${LABEL_APP}=${app}`,
      '--format',
      `{{.Names}}\t{{.State}}\t{{.Label "${LABEL_VERSION}"}}\t{{.Label "${LABEL_POOL}"}}`,
    ),

  stop: (name: string, timeoutSeconds: number) =>
    sh('docker', 'stop', '--time', String(timeoutSeconds), name),
  /** Stops a container gracefully if it is there; a missing or stopped one is no error (removeAll follows). */
  stopIfRunning: (name: string, timeoutSeconds: number) =>
    `${docker.stop(name, timeoutSeconds)} >/dev/null 2>&1; true`,
  remove: (name: string) => sh('docker', 'rm', '--force', name),
  /** Removes one container if it is there (a missing one is no error). */
  removeIfThere: (name: string) => `${sh('docker', 'rm', '--force', name)} >/dev/null 2>&1; true`,
  /** Removes every container of the app on a host (none may hold the port for the new one). */
  removeAll: (app: string) =>
    `${sh('docker', 'ps', '-aq', '--filter', `label=${LABEL_APP}=${app}`)} | xargs -r docker rm --force`,
  logs: (name: string, lines = 20) => sh('docker', 'logs', '--tail', String(lines), name),

  /** `docker pull` of `ref`; with registry credentials, logged in for this command only (withRegistryLogin). */
  pull: (ref: string, login?: { server: string; username: string }) => {
    const pull = sh('docker', 'pull', '--quiet', ref);
    return login ? withRegistryLogin(login, pull) : pull;
  },

  /**
   * Makes room on a host of the idle pool for `keep` (the container about to run): cancels a
   * warm pool's stop timer, stops (does not remove: a rollback target, pruned by retention)
   * every other running container of the app, and removes a stale `keep` so it runs afresh.
   */
  makeRoom: (app: string, keep: string, stopSeconds: number) =>
    [
      docker.cancelScheduledStops(app),
      docker.stopRunning(app, stopSeconds),
      `${sh('docker', 'rm', '--force', keep)} >/dev/null 2>&1`,
      'true',
    ].join('; '),
  /** Stops every running container of the app on a host (they stay, stopped). */
  stopRunning: (app: string, stopSeconds: number) =>
    `for c in $(${sh('docker', 'ps', '-q', '--filter', `label=${LABEL_APP}=${app}`)}); do ${sh('docker', 'stop', '--time', String(stopSeconds))} "$c" >/dev/null; done`,

  /** running, exited, created … or `missing`: what a rollback finds of a previous version. */
  stateOf: (name: string) =>
    `${sh('docker', 'inspect', '--type', 'container', '--format', '{{.State.Status}}', name)} 2>/dev/null || echo missing`,
  /**
   * What a rollback does first on a host of the previous version, in one exec: cancel the
   * app's stop timers (a warm pool must not be stopped once it is live again), then stateOf.
   */
  cancelStopsAndStateOf: (app: string, name: string) =>
    `${docker.cancelScheduledStops(app)}; ${docker.stateOf(name)}`,
  start: (name: string) => sh('docker', 'start', name),

  /**
   * Stops `name` after `seconds`, detached from this SSH session (promote.keep_old: DURATION),
   * so it happens although bluegreen has ended. Marked with KEEP_OLD_MARKER and the app in its
   * command line, so a later run sees and cancels it (pkill -f).
   */
  scheduleStop: (app: string, name: string, seconds: number, stopSeconds: number) => {
    const script = `: ${KEEP_OLD_MARKER} ${app} ${name}; sleep ${seconds}; ${sh('docker', 'stop', '--time', String(stopSeconds), name)}`;
    return `(nohup sh -c ${sh(script)} >/dev/null 2>&1 </dev/null &)`;
  },
  /** Cancels every stop timer of the app on a host. */
  cancelScheduledStops: (app: string) =>
    `pkill -f ${sh(`^sh -c : ${KEEP_OLD_MARKER} ${app.replace(/[.]/g, '\\.')} `)} 2>/dev/null; true`,
  /** The app's stop timers on a host, one `name seconds-left` … line each (for status). */
  scheduledStops: (app: string) =>
    `pgrep -af ${sh(`^sh -c : ${KEEP_OLD_MARKER} ${app.replace(/[.]/g, '\\.')} `)} 2>/dev/null; true`,

  /** Every container of the app with what retention needs: `id name state version created image`. */
  inventory: (app: string) =>
    sh(
      'docker',
      'ps',
      '-a',
      '--no-trunc',
      '--filter',
      `label=${LABEL_APP}=${app}`,
      '--format',
      `{{.ID}}\t{{.Names}}\t{{.State}}\t{{.Label "${LABEL_VERSION}"}}\t{{.CreatedAt}}\t{{.Image}}`,
    ),
  removeContainers: (names: string[]) => sh('docker', 'rm', '--force', ...names),
  /** Removes images; one still used by a container is left (docker refuses it), which is no error. */
  removeImages: (refs: string[]) => `${sh('docker', 'image', 'rm', ...refs)} >/dev/null 2>&1; true`,
  /** Reads the password from stdin so it never shows in `ps` on the host. */
  login: (server: string, username: string) =>
    sh('docker', 'login', '--username', username, '--password-stdin', server),

  /** Exits 0 when the host has the image (by ID): it is not streamed to it again. */
  hasImage: (imageId: string) =>
    `${sh('docker', 'image', 'inspect', '--format', '{{.Id}}', imageId)} >/dev/null 2>&1`,
  /**
   * Loads an image archive (gzip, from stdin: `docker load` reads it compressed) and tags it
   * `tag` by its ID: a tag the archive did not bring is an error, so a wrong archive fails here.
   */
  load: (imageId: string, tag: string) =>
    `${sh('docker', 'load', '--quiet')} >/dev/null && ${sh('docker', 'tag', imageId, tag)}`,

  /**
   * The release phase: `argv` once in a one-off container of `spec.image`, attached (its
   * output is this command's), removed when it ends. A leftover of an interrupted release of
   * the same version is removed first. No port is published and no restart policy applies.
   */
  runOnce: (spec: Pick<RunSpec, 'app' | 'version' | 'image' | 'env' | 'options'>, argv: string[]) => {
    const name = releaseContainerName(spec.app, spec.version);
    const run = ['docker', 'run', '--rm', '--name', name, '--label', `${LABEL_RELEASE}=${spec.app}`];
    for (const [k, v] of Object.entries(spec.env)) run.push('-e', `${k}=${v}`);
    run.push(...spec.options, spec.image, ...argv);
    return `${sh('docker', 'rm', '--force', name)} >/dev/null 2>&1; ${sh(...run)}`;
  },

  /**
   * The container's log (stdout and stderr as the container wrote them): the last `tail`
   * lines and/or what came `since`; with `follow`, it goes on until this command's stdin
   * closes (bluegreen closes it to stop; a dropped SSH session closes it too), so no
   * `docker logs -f` is left behind on the host.
   */
  readLogs: (name: string, opts: { since?: string; tail?: number; follow?: boolean }) => {
    const argv = ['docker', 'logs'];
    if (opts.since !== undefined) argv.push('--since', opts.since);
    if (opts.tail !== undefined) argv.push('--tail', String(opts.tail));
    if (!opts.follow) return sh(...argv, name);
    // An asynchronous command's stdin is /dev/null: the session's stdin is kept as fd 3 for
    // the watcher, which stops `docker logs` when it reaches its end.
    return [
      'exec 3<&0',
      `${sh(...argv, '--follow', name)} </dev/null & p=$!`,
      '( cat <&3 >/dev/null; kill "$p" 2>/dev/null ) >/dev/null 2>&1 &',
      'wait "$p"',
    ].join('\n');
  },

  // Local commands (the machine that runs bluegreen builds and pushes): argv without `docker`.
  /** Reads the password from stdin. */
  localLogin: (server: string, username: string) => [
    'login',
    '--username',
    username,
    '--password-stdin',
    server,
  ],
  build: (context: string, dockerfile: string, tag: string, args: Record<string, string>) => {
    const argv = ['build', '--file', dockerfile, '--tag', tag];
    for (const [k, v] of Object.entries(args)) argv.push('--build-arg', `${k}=${v}`);
    return [...argv, context];
  },
  push: (tag: string) => ['push', tag],
  /** The local image ID of `ref` (registry: none). */
  localImageId: (ref: string) => ['image', 'inspect', '--format', '{{.Id}}', ref],
  /** The image as a tar archive on stdout (registry: none), by ID. */
  localSave: (imageId: string) => ['save', imageId],
};

/** The one-off container of a release (the release phase), beside the app's own. */
export function releaseContainerName(app: string, version: string): string {
  return `${containerName(app, version)}-release`;
}

export interface ContainerInfo {
  name: string;
  state: string;
  version: string;
  pool: string;
}

export function parseContainerList(stdout: string): ContainerInfo[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name = '', state = '', version = '', pool = ''] = l.split('\t');
      return { name, state, version, pool };
    });
}
