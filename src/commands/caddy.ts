import { processes } from './files.js';
import { sh } from './shell.js';

// Commands that talk to Caddy's admin API on the balancer host (never from here: the API
// listens on the balancer host's loopback or a unix socket, and bluegreen reaches it through
// the SSH connection with curl run there).

/** What ends curl's output: a line with the HTTP status (000: no answer). */
const STATUS_MARK = '@@bluegreen-http-status ';

export type AdminMethod = 'GET' | 'PATCH';

/** The URL and curl options for an admin address `host:port` or `unix//path` (Caddy's own notation). */
function target(admin: string, path: string): string[] {
  if (admin.startsWith('unix/'))
    return ['--unix-socket', admin.slice('unix/'.length), `http://localhost${path}`];
  return [`http://${admin}${path}`];
}

export const caddyAdmin = {
  /**
   * One admin API request; a PATCH sends stdin as the JSON body. Prints the body, then a line
   * `@@bluegreen-http-status NNN` (parseAdminResponse). curl's own errors go to stderr.
   */
  request: (admin: string, method: AdminMethod, path: string) =>
    sh(
      'curl',
      '-sS',
      '--max-time',
      '10',
      '-X',
      method,
      ...(method === 'GET' ? [] : ['-H', 'Content-Type: application/json', '--data-binary', '@-']),
      '-w',
      `\\n${STATUS_MARK}%{http_code}\\n`,
      ...target(admin, path),
    ),
  /**
   * Waits on the host (one SSH exec, polling every 100 ms) until no connection from it to
   * `servers` is established: the drain of a change. Exit 0; or 1 after `tries` polls, printing
   * how many are still open (-1: ss is missing).
   */
  waitForNoConnections: (servers: { host: string; port: number }[], tries: number) =>
    [
      'i=0',
      `while :; do n=$(${processes.connectionsTo(servers)}); [ -n "$n" ] || n=-1; [ "$n" = 0 ] && exit 0; [ "$n" = -1 ] && { echo "$n"; exit 1; }; [ "$i" -ge ${tries} ] && { echo "$n"; exit 1; }; sleep 0.1; i=$((i + 1)); done`,
    ].join('; '),
  /** Caddy's version line, from the binary on the host (the 2.6 admin API does not tell it). */
  version: () => `caddy version 2>/dev/null | head -n 1`,
  /**
   * Whether the balancer host's kernel hands the connections queued on a closing listener to
   * another listener of the same SO_REUSEPORT group: prints 1, 0, or `unsupported` (before
   * Linux 5.14). See LISTENER_SWAP in src/balancer/caddy.ts.
   */
  listenerMigration: () => `cat /proc/sys/net/ipv4/tcp_migrate_req 2>/dev/null || echo unsupported`,
};

/** Splits what caddyAdmin.request printed: status 0 means curl got no answer. */
export function parseAdminResponse(stdout: string): { status: number; body: string } {
  const at = stdout.lastIndexOf(`\n${STATUS_MARK}`);
  if (at < 0) return { status: 0, body: stdout };
  const status = Number.parseInt(stdout.slice(at + 1 + STATUS_MARK.length).trim(), 10);
  return { status: Number.isInteger(status) ? status : 0, body: stdout.slice(0, at) };
}
