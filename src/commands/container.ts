import { sh } from './shell.js';

// Commands about a container on the balancer host (nginx or HAProxy running in Docker).

export const container = {
  inspect: (name: string) => sh('docker', 'inspect', '--type', 'container', name),
  exec: (name: string, ...argv: string[]) => sh('docker', 'exec', name, ...argv),
  kill: (name: string, signal: string) => sh('docker', 'kill', '--signal', signal, name),

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
