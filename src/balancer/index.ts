import type { Config } from '../config/schema.js';
import type { RemoteShell } from '../ssh/remote.js';
import type { Logger } from '../util/log.js';
import { ApacheDriver } from './apache.js';
import { CaddyDriver } from './caddy.js';
import type { HostBalancer } from './driver.js';
import { HaproxyDriver } from './haproxy.js';
import { NginxDriver } from './nginx.js';

export type BalancerType = Config['balancer']['type'];

/** The driver for `balancer.type` on one balancer host. */
export function createDriver(
  type: BalancerType,
  conn: RemoteShell,
  config: Config,
  log: Logger,
): HostBalancer {
  switch (type) {
    case 'nginx':
      return new NginxDriver(conn, config, log);
    case 'haproxy':
      return new HaproxyDriver(conn, config, log);
    case 'apache':
      return new ApacheDriver(conn, config, log);
    case 'caddy':
      return new CaddyDriver(conn, config, log);
  }
}
