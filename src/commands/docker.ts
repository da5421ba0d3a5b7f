import { sh } from './shell.js';

// Pure builders of docker command lines (argv in, quoted string out), in the manner of
// Kamal's command objects: nothing here runs anything.

export const LABEL_APP = 'bluegreen.app';
export const LABEL_VERSION = 'bluegreen.version';
export const LABEL_POOL = 'bluegreen.pool';

export interface RunSpec {
  app: string;
  version: string;
  pool: string;
  image: string;
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

function usesHostNetwork(options: string[]): boolean {
  return options.some(
    (o, i) =>
      o === '--network=host' ||
      o === '--net=host' ||
      ((o === '--network' || o === '--net') && options[i + 1] === 'host'),
  );
}

export const docker = {
  pull: (image: string) => sh('docker', 'pull', '--quiet', image),

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
  /** Removes every container of the app on a host (none may hold the port for the new one). */
  removeAll: (app: string) =>
    `${sh('docker', 'ps', '-aq', '--filter', `label=${LABEL_APP}=${app}`)} | xargs -r docker rm --force`,
  logs: (name: string, lines = 20) => sh('docker', 'logs', '--tail', String(lines), name),
  /** Reads the password from stdin so it never shows in `ps` on the host. */
  login: (server: string, username: string) =>
    sh('docker', 'login', '--username', username, '--password-stdin', server),

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
};

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
