import type { Duplex } from 'node:stream';
import type { NodeSSH } from 'node-ssh';
import { DeployError } from '../errors.js';
import { openSsh, type ConnectOptions } from './connection.js';
import { describeEndpoint, type Endpoint } from './route.js';

/**
 * One login on a jump host (bastion), shared by every host behind it: each host's SSH
 * connection is a channel of this one (ssh2's forwardOut, as `ssh -J` does with -W), so a
 * run logs in to the bastion once, however many hosts it works on.
 */
export class JumpHost {
  private broken: Error | undefined;

  private constructor(
    readonly endpoint: Endpoint,
    /** How this endpoint was reached: the jump hosts before it, for messages. */
    readonly via: string | undefined,
    private readonly ssh: NodeSSH,
  ) {
    ssh.connection?.on('error', (err: Error) => {
      this.broken = err;
    });
    ssh.connection?.on('close', () => {
      this.broken ??= new Error('connection closed');
    });
  }

  /** Logs in to `endpoint`, directly or through `before` (the jump host in front of it). */
  static async open(endpoint: Endpoint, options: ConnectOptions, before?: JumpHost): Promise<JumpHost> {
    const via = before ? before.describe() : undefined;
    try {
      const sock = before ? await before.forward(endpoint.host, endpoint.port) : undefined;
      return new JumpHost(endpoint, via, await openSsh(endpoint, options, sock));
    } catch (err) {
      if (err instanceof DeployError) throw err;
      throw new DeployError(
        `jump host ${describeEndpoint(endpoint)}${via ? ` via ${via}` : ''} (ssh.proxy_jump / ProxyJump): cannot connect over SSH: ${(err as Error).message}`,
        endpoint.name,
      );
    }
  }

  /** A channel from the jump host to host:port, to run SSH over. */
  forward(host: string, port: number): Promise<Duplex> {
    const conn = this.ssh.connection;
    if (this.broken || !conn) return Promise.reject(this.lost(this.broken?.message ?? 'not connected'));
    return new Promise((resolve, reject) => {
      try {
        conn.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
          if (err)
            reject(
              new DeployError(
                `jump host ${this.describe()} could not open a connection to ${host}:${port}: ${err.message}`,
                this.endpoint.name,
              ),
            );
          else resolve(stream);
        });
      } catch (err) {
        reject(this.lost((err as Error).message));
      }
    });
  }

  /** `user@host:port` of this hop, with the hops before it. */
  describe(): string {
    return `${this.via ? `${this.via} → ` : ''}${describeEndpoint(this.endpoint)}`;
  }

  /** True once the transport dropped: the pool then logs in again. */
  get isBroken(): boolean {
    return this.broken !== undefined;
  }

  close(): void {
    this.ssh.dispose();
  }

  private lost(why: string): DeployError {
    return new DeployError(`jump host ${this.describe()}: SSH connection lost: ${why}`, this.endpoint.name);
  }
}
