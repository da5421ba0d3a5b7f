import { caddyAdmin, parseAdminResponse, type AdminMethod } from '../commands/caddy.js';
import type { Config } from '../config/schema.js';
import { DeployError, messageOf } from '../errors.js';
import type { RemoteShell } from '../ssh/remote.js';
import type { Logger } from '../util/log.js';
import { canonicalJson, parseHandler, parseServers, renderServers } from './caddy-config.js';
import {
  addressKey,
  type ApplyResult,
  type BalancerFacts,
  type HostBalancer,
  type ListenerMigration,
  type UpstreamServer,
} from './driver.js';
import { lastLines } from './file-balancer.js';

export const DEFAULT_ADMIN = 'localhost:2019';
/** How often the drain loop on the balancer host looks (see caddyAdmin.waitForNoConnections). */
const DRAIN_POLL_MS = 100;

/**
 * Every Caddy config change opens new listening sockets (SO_REUSEPORT, since Caddy 2.6) and
 * closes the old ones. Linux resets the connections still queued on a closing listener unless
 * net.ipv4.tcp_migrate_req is 1 (Linux ≥ 5.14): then they move to the new one. On the lab,
 * 80 changes under 300 requests/s of fresh connections: 5 of 14,370 requests failed with it 0
 * (connection reset, 3 of them POSTs), 0 of 14,235 with it 1. nginx, HAProxy and Apache keep
 * their listening sockets across a reload, so this is Caddy's alone.
 */
function listenerSwapWarning(host: string, migration: ListenerMigration): string {
  return `balancer ${host}: ${
    migration === 'off'
      ? 'net.ipv4.tcp_migrate_req is 0 there'
      : 'its kernel has no net.ipv4.tcp_migrate_req (Linux < 5.14)'
  }: each Caddy config change replaces its listening sockets, and a connection that arrives in that instant is reset before its request is read. ${
    migration === 'off'
      ? 'Set it (sysctl -w net.ipv4.tcp_migrate_req=1, and in /etc/sysctl.d/ to keep it) for changes without failed requests'
      : 'Use a newer kernel, or nginx, HAProxy or Apache, for changes without failed requests'
  }`;
}

/** The admin API did not answer at all (Caddy down, or balancer.admin wrong): not a config problem. */
class AdminUnreachable extends DeployError {}

/**
 * Caddy: no file and no reload. The servers are the `upstreams` of the reverse_proxy handler
 * the user marked with `"@id": balancer.upstream`; read() is that handler's JSON (canonical),
 * and a change is one PATCH of the handler through Caddy's admin API, which Caddy applies
 * atomically (a new config; the old one's requests finish on it), confirmed by reading the
 * handler back. The admin API is reached on the balancer host, by curl run there over SSH.
 *
 * The drain: Caddy 2.6 drops a leaving upstream from `/reverse_proxy/upstreams` the moment the
 * new config is in (its request counter goes with the old config), so the requests still in
 * flight to it cannot be seen there. They are seen as established connections from the
 * balancer host to the leaving servers; the drain ends when there are none (the old config's
 * idle keep-alive connections to them close when their idle timeout ends: the app's, or the
 * handler's transport keep_alive.idle_timeout), bounded by balancer.drain_timeout.
 */
export class CaddyDriver implements HostBalancer {
  readonly type = 'caddy';
  readonly host: string;
  private readonly cfg: Config['balancer'];
  private readonly admin: string;
  private readonly id: string;

  constructor(
    private readonly conn: RemoteShell,
    config: Config,
    private readonly log: Logger,
  ) {
    this.cfg = config.balancer;
    this.host = conn.target.name;
    this.admin = config.balancer.admin ?? DEFAULT_ADMIN;
    this.id = config.balancer.upstream;
  }

  get source(): string {
    return `caddy:${this.admin}/id/${this.id}`;
  }

  describeChange(): string {
    return `balancer: PATCH /id/${this.id} through Caddy's admin API at ${this.admin} on the balancer host (applied atomically, read back; no file, no reload)`;
  }

  private get path(): string {
    return `/id/${encodeURIComponent(this.id)}`;
  }

  private async request(
    method: AdminMethod,
    path: string,
    body?: string,
  ): Promise<{ status: number; body: string }> {
    const res = await this.conn.exec(caddyAdmin.request(this.admin, method, path), {
      check: false,
      ...(body !== undefined ? { stdin: body } : {}),
    });
    const out = parseAdminResponse(res.stdout);
    if (out.status === 0)
      throw this.error(
        `Caddy's admin API at ${this.admin} did not answer (${lastLines(res.stderr) || `curl exit ${res.code}`}): is Caddy running on ${this.host}, with its admin API on ${this.admin} (balancer.admin; \`curl http://${this.admin}/config/\` on that host)?`,
        AdminUnreachable,
      );
    return out;
  }

  /** The handler as Caddy runs it now, canonical; throws when it is missing or not a reverse_proxy. */
  async read(): Promise<string> {
    const res = await this.request('GET', this.path);
    if (res.status === 404 || (res.status === 200 && res.body.trim() === 'null'))
      throw this.error(
        `Caddy at ${this.admin} has no object with "@id": "${this.id}" (${res.body.trim()}): put "@id": "${this.id}" on the reverse_proxy handler, or set balancer.upstream to its @id`,
      );
    if (res.status !== 200)
      throw this.error(`GET ${this.path} from Caddy's admin API answered ${res.status}: ${res.body.trim()}`);
    try {
      return canonicalJson(parseHandler(res.body, this.id));
    } catch (err) {
      throw this.error(messageOf(err));
    }
  }

  servers(text: string): UpstreamServer[] {
    return parseServers(text, this.id);
  }

  render(text: string, servers: UpstreamServer[]): string {
    return renderServers(text, this.id, servers);
  }

  /**
   * Caddy answers and the handler is there, a reverse_proxy; a host whose kernel resets the
   * connections queued at a config change gets a warning (the change still goes ahead).
   */
  async prepare(): Promise<void> {
    const [, migration] = await Promise.all([this.read(), this.listenerMigration()]);
    if (migration !== 'on') this.log.warn(listenerSwapWarning(this.host, migration), this.host);
  }

  private async listenerMigration(): Promise<ListenerMigration> {
    const out = (await this.conn.exec(caddyAdmin.listenerMigration(), { check: false })).stdout.trim();
    return out === '1' ? 'on' : out === '0' ? 'off' : 'unsupported';
  }

  async facts(): Promise<BalancerFacts> {
    const [version, listenerMigration] = await Promise.all([
      this.conn.exec(caddyAdmin.version(), { check: false }).then((r) => r.stdout.trim()),
      this.listenerMigration(),
    ]);
    const base = { admin: this.admin, listenerMigration, ...(version ? { version } : {}) };
    try {
      await this.read();
      return { caddy: { ...base, reachable: true, upstreamFound: true } };
    } catch (err) {
      const reachable = !(err instanceof AdminUnreachable);
      return { caddy: { ...base, reachable, upstreamFound: false, problem: messageOf(err) } };
    }
  }

  /**
   * Caddy 2.6 has no dry run of a config change (no `/load` that only validates), so the
   * check is structural: `next` parses as the same reverse_proxy handler with upstreams
   * bluegreen can write. That Caddy still runs `current` is checked by apply(), right before
   * its PATCH (the run's drift check already compared every balancer with the record), and
   * Caddy validates the change itself, atomically: a refused change leaves the running config.
   */
  async validate(current: string, next: string): Promise<void> {
    try {
      const h = parseHandler(next, this.id);
      if (h['@id'] !== this.id) throw new Error(`the new handler lost its "@id": "${this.id}"`);
      if (this.servers(next).length === 0) throw new Error('the new handler has no upstreams');
    } catch (err) {
      throw this.error(`the new reverse_proxy handler is not valid (nothing changed): ${messageOf(err)}`);
    }
  }

  async apply(current: string, next: string): Promise<ApplyResult> {
    await this.expectRunning(current, 'before the change');
    return this.change(current, next);
  }

  /** Puts `previous` back over whatever runs now (read once). */
  async revert(previous: string): Promise<void> {
    await this.change(await this.read(), previous);
  }

  /** PATCHes `next` over `current`, confirms it by reading it back (else puts `current` back), drains. */
  private async change(current: string, next: string): Promise<ApplyResult> {
    const started = Date.now();
    await this.patch(next);
    let now: string;
    try {
      now = await this.read();
    } catch (err) {
      await this.patch(current).catch(() => undefined);
      throw err;
    }
    if (now !== next) {
      await this.patch(current).catch(() => undefined);
      throw this.error(
        `Caddy accepted the change but runs another handler when read back; the previous handler was put back`,
      );
    }
    const reloadMs = Date.now() - started;
    const keep = new Set(this.servers(next).map(addressKey));
    const leaving = this.servers(current).filter((s) => !keep.has(addressKey(s)));
    const drain = await this.drain(leaving);
    this.log.info(
      `balancer ${this.host}: Caddy config changed in ${reloadMs}ms, connections to the leaving upstreams drained in ${drain.ms}ms`,
    );
    return { reloadMs, drainMs: drain.ms, undrained: drain.undrained };
  }

  /** One PATCH of the whole handler: Caddy loads the changed config atomically or refuses it. */
  private async patch(text: string): Promise<void> {
    const res = await this.request('PATCH', this.path, JSON.stringify(JSON.parse(text)));
    if (res.status !== 200)
      throw this.error(
        `Caddy refused the new reverse_proxy handler (PATCH ${this.path}: ${res.status} ${res.body.trim()}); its running config is unchanged`,
      );
  }

  private async expectRunning(text: string, when: string): Promise<void> {
    if ((await this.read()) !== text)
      throw this.error(
        `the reverse_proxy handler "${this.id}" changed in Caddy ${when} (edited through the admin API meanwhile?); nothing was changed, run again`,
      );
  }

  /**
   * Waits until no connection from the balancer host to the leaving servers is open, up to
   * balancer.drain_timeout; then goes ahead, reporting how many are still open.
   */
  private async drain(leaving: UpstreamServer[]): Promise<{ ms: number; undrained: number }> {
    const started = Date.now();
    if (leaving.length === 0) return { ms: 0, undrained: 0 };
    const res = await this.conn.exec(
      caddyAdmin.waitForNoConnections(leaving, Math.ceil(this.cfg.drain_timeout / DRAIN_POLL_MS)),
      { check: false },
    );
    const ms = Date.now() - started;
    if (res.code === 0) return { ms, undrained: 0 };
    const n = Number.parseInt(res.stdout.trim(), 10);
    const open = Number.isInteger(n) ? n : -1;
    this.log.warn(
      `balancer ${this.host}: requests to the leaving upstreams still in flight after balancer.drain_timeout (${this.cfg.drain_timeout / 1000}s), ${
        open < 0 ? 'with connections' : `${open} connection(s)`
      } to the leaving servers still open: going ahead; they end when the old pool stops (its app gets SIGTERM and container.stop_timeout to finish)`,
      this.host,
    );
    return { ms, undrained: Math.max(0, open) };
  }

  /** An error that names this balancer; `kind` when a caller must tell it apart (by type, not wording). */
  private error(message: string, kind: typeof DeployError = DeployError): DeployError {
    return new kind(`balancer ${this.host}: ${message}`, this.host);
  }
}
