import { sh } from './shell.js';

// HAProxy's commands: the defaults for balancer.test and balancer.reload, and its runtime API.

export const haproxy = {
  /** Checks a config file without loading it. */
  check: (file: string) => sh('haproxy', '-c', '-f', file),
  /** Reloads a master-worker HAProxy as Debian's haproxy.service does (`kill -USR2 $MAINPID`). */
  reload: (pidFile: string) => `kill -USR2 "$(cat ${sh(pidFile)})"`,
  /** One command to the runtime API (admin socket), through Debian's socat. */
  runtime: (socket: string, command: string) =>
    `printf '%s\\n' ${sh(command)} | socat -t 5 stdio ${sh(`unix-connect:${socket}`)}`,
};
