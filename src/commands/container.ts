import { sh } from './shell.js';

// Commands about a container on the balancer host (nginx or HAProxy running in Docker).

export const container = {
  inspect: (name: string) => sh('docker', 'inspect', '--type', 'container', name),
  exec: (name: string, ...argv: string[]) => sh('docker', 'exec', name, ...argv),
  kill: (name: string, signal: string) => sh('docker', 'kill', '--signal', signal, name),

  /**
   * What `docker exec NAME ARGV…` does for a container that runs as root (a balancer's config
   * test), without the Docker CLI and daemon round trip (~150 ms on a small host, per change):
   * the command runs in the namespaces of the container's main process, as root, with the
   * container's PATH and the main process's root and working directory. Only when the
   * container's user is root and the PID's cgroup names the container's ID (as signalMain
   * checks); the command missing there (126, 127) or nsenter missing or not root: `docker exec`.
   */
  execMain: (
    name: string,
    argv: string[],
    main: { pid: number; id: string; user: string; path?: string },
    proc = '/proc',
  ) => {
    const viaDocker = container.exec(name, ...argv);
    const pid = Math.trunc(main.pid);
    if (!/^(|root|0)(:(root|0))?$/.test(main.user) || !/^[0-9a-f]{12,64}$/.test(main.id) || !(pid > 0))
      return viaDocker;
    const path = main.path ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    const here = `PATH=${sh(path)} "$n" --target ${pid} --mount --uts --ipc --net --pid --root --wd -- ${sh(...argv)}`;
    return `if [ "$(id -u)" = 0 ] && n=$(command -v nsenter) && grep -qsF ${main.id} ${sh(`${proc}/${pid}/cgroup`)} && { ${here}; rc=$?; [ "$rc" -ne 126 ] && [ "$rc" -ne 127 ]; }; then (exit "$rc"); else ${viaDocker}; fi`;
  },

  /**
   * What `docker kill --signal SIGNAL NAME` does (the signal to the container's main process),
   * without the Docker CLI and daemon round trip (~100 ms on a small host, per reload): `kill`
   * to the main PID from the run's `docker inspect`, once the PID's cgroup names the
   * container's ID (so a container restarted since, whose PID may now be another process's, is
   * never signalled). When that check or the kill fails (not root, another cgroup layout), it
   * is `docker kill` itself. (`proc`: where /proc is, for tests.)
   */
  signalMain: (name: string, signal: string, main: { pid: number; id: string }, proc = '/proc') => {
    const viaDocker = container.kill(name, signal);
    const pid = Math.trunc(main.pid);
    if (!/^[A-Z][A-Z0-9]*$/.test(signal) || !/^[0-9a-f]{12,64}$/.test(main.id) || !(pid > 0))
      return viaDocker;
    return `if grep -qsF ${main.id} ${sh(`${proc}/${pid}/cgroup`)} && kill -s ${signal} ${pid} 2>/dev/null; then :; else ${viaDocker}; fi`;
  },

  /**
   * Host PIDs of the workers of the balancer whose container's main process is `mainPid` (from
   * the run's `docker inspect`: the main process keeps its PID across reloads, so no second
   * docker CLI call per look; a container restarted since has another one, and then no worker
   * is found and the change stops). Its children; the children of the process its init started
   * when it runs with --init. `match` keeps only lines whose command line contains it (nginx:
   * "worker process"); `sameProgram` only children running the main process's own program
   * (Apache: not piped loggers).
   */
  workers: (mainPid: number, match?: string, sameProgram = false) =>
    [
      `p=${Math.trunc(mainPid)}`,
      `[ "$p" -gt 0 ] && [ -d /proc/$p ] || exit 0`,
      `case "$(cat /proc/$p/comm 2>/dev/null)" in docker-init|tini) p=$(ps -o pid= --ppid "$p" | head -n 1 | tr -d ' ') ;; esac`,
      ...(sameProgram
        ? [`c=$(ps -o comm= -p "$p")`, `ps -o pid=,comm= --ppid "$p" | awk -v c="$c" '$2 == c { print $1 }'`]
        : [
            `ps -o pid=,args= --ppid "$p" | awk ${sh(`${match ? `index($0, ${JSON.stringify(match)}) ` : ''}{ print $1 }`)}`,
          ]),
    ].join('; '),

  /**
   * The file as the container sees it, through its main process's root: a single-file bind
   * mount pins an inode, so this can differ from the host path when the host file was
   * replaced (e.g. by an editor that writes a new file and renames it).
   */
  readInside: (pid: number, insidePath: string) => sh('cat', container.pathInside(pid, insidePath)),
  /** `insidePath` as the container whose main process is `pid` sees it, from the host. */
  pathInside: (pid: number, insidePath: string) => `/proc/${Math.trunc(pid)}/root${insidePath}`,
};
