import { sh } from './shell.js';

// Remote file operations used for the upstream file and the state record.

export const files = {
  /** Prints the file, or nothing when it does not exist (exit 0 either way). */
  readIfExists: (path: string) => `if [ -e ${sh(path)} ]; then cat ${sh(path)}; fi`,
  read: (path: string) => sh('cat', path),
  /**
   * Writes stdin to `path` atomically: a temp file beside it (same file system, same
   * mode as the old file), then rename. The previous content is kept as `backup`.
   */
  writeAtomic: (path: string, backup?: string) => {
    const tmp = `${path}.bluegreen-tmp`;
    const steps = [
      `if [ -e ${sh(path)} ]; then cp -p ${sh(path, tmp)}; fi`,
      `cat > ${sh(tmp)}`,
      ...(backup ? [`if [ -e ${sh(path)} ]; then cp -p ${sh(path, backup)}; fi`] : []),
      sh('mv', '-f', tmp, path),
    ];
    return `set -e; umask 022; ${steps.join('; ')}`;
  },
  restore: (backup: string, path: string) => sh('cp', '-p', backup, path),
  remove: (path: string) => sh('rm', '-f', path),
};

export const nginx = {
  /** PIDs of the master's worker processes, one per line (the drain waits for these to exit). */
  workerPids: (pidFile: string) =>
    `ps -o pid=,args= --ppid "$(cat ${sh(pidFile)})" | awk '/worker process/ {print $1}'`,
};

export const processes = {
  /** PIDs of the children of the process whose PID is in pidFile (HAProxy's master: its workers). */
  children: (pidFile: string) => `ps -o pid= --ppid "$(cat ${sh(pidFile)})"`,
  /** Prints those of the given PIDs that are still alive. */
  alive: (pids: number[]) =>
    `for p in ${pids.map(String).join(' ')}; do kill -0 "$p" 2>/dev/null && echo "$p"; done; true`,
};
