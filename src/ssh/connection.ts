import type { Duplex } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import { DeployError } from '../errors.js';
import { checkHostKey, hostKeyAlgorithms, type HostKeyPolicy } from './known-hosts.js';
import {
  connectionLost,
  exitError,
  type ExecOptions,
  type ExecResult,
  type RemoteShell,
  type SshTarget,
} from './remote.js';
import { describeEndpoint, type Endpoint } from './route.js';

export interface ConnectOptions {
  policy: HostKeyPolicy;
  connectTimeoutMs: number;
}

/**
 * Opens a verified, authenticated SSH connection to one endpoint: directly, or over `sock`
 * (a channel a jump host opened to it). Rejects with why, in words, never with ssh2's error.
 */
export async function openSsh(endpoint: Endpoint, options: ConnectOptions, sock?: Duplex): Promise<NodeSSH> {
  const ssh = new NodeSSH();
  let rejectedKey: string | undefined;
  const algorithms = hostKeyAlgorithms(options.policy, endpoint.host, endpoint.port);
  try {
    const connected = ssh.connect({
      ...(sock ? { sock } : { host: endpoint.host, port: endpoint.port }),
      username: endpoint.user,
      authHandler: authMethods(endpoint) as never,
      readyTimeout: options.connectTimeoutMs,
      keepaliveInterval: 10_000,
      keepaliveCountMax: 3,
      ...(algorithms ? { algorithms: { serverHostKey: algorithms as never } } : {}),
      hostVerifier: (key: Buffer) => {
        const decision = checkHostKey(options.policy, endpoint.host, endpoint.port, key, endpoint.name);
        if (!decision.ok) rejectedKey = decision.reason;
        return decision.ok;
      },
    });
    // ssh2 leaves Nagle's algorithm on. Every SSH exchange is a small request answered by a
    // small reply, so each one waited out the peer's delayed ACK (~40 ms): a connect took
    // ~230 ms instead of ~55 ms and a one-line exec ~100 ms instead of ~15 ms. OpenSSH sets
    // TCP_NODELAY too. (NodeSSH creates its ssh2 Client synchronously; the option is kept
    // until the socket connects, and a jump host's channel has no such option to set.)
    ssh.connection?.setNoDelay(true);
    await connected;
  } catch (err) {
    ssh.dispose();
    sock?.destroy();
    throw new Error(rejectedKey ?? describeConnectError(err, options.connectTimeoutMs, endpoint));
  }
  return ssh;
}

/** What is offered, in ssh's order: the agent's keys, then each private key. */
function authMethods(endpoint: Endpoint): object[] {
  const username = endpoint.user;
  return [
    ...(endpoint.auth.agent ? [{ type: 'agent', username, agent: endpoint.auth.agent }] : []),
    ...endpoint.auth.keys.map((k) => ({ type: 'publickey', username, key: k.text })),
  ];
}

/** One SSH connection to one host, reused for every command sent there. */
export class Connection implements RemoteShell {
  private broken: Error | undefined;

  private constructor(
    readonly target: SshTarget,
    private readonly ssh: NodeSSH,
  ) {
    // A dropped connection emits 'error' later; without a listener the process would crash.
    ssh.connection?.on('error', (err: Error) => {
      this.broken = err;
    });
    ssh.connection?.on('close', () => {
      this.broken ??= new Error('connection closed');
    });
  }

  /** Connects to `endpoint` (the target as ~/.ssh/config and the config resolve it); `via` names the jump hosts of `sock`. */
  static async open(
    target: SshTarget,
    endpoint: Endpoint,
    options: ConnectOptions,
    tunnel?: { sock: Duplex; via: string },
  ): Promise<Connection> {
    try {
      return new Connection(target, await openSsh(endpoint, options, tunnel?.sock));
    } catch (err) {
      throw new DeployError(
        `${target.name}: cannot connect over SSH to ${describeEndpoint(endpoint)}${tunnel ? ` via ${tunnel.via}` : ''}: ${(err as Error).message}`,
        target.name,
      );
    }
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.broken) throw connectionLost(this.target, this.broken.message);
    let res;
    try {
      res = await this.ssh.execCommand(command, {
        stdin: options.stdin,
        noTrim: true,
        ...(options.onStdout ? { onStdout: options.onStdout } : {}),
        ...(options.onStderr ? { onStderr: options.onStderr } : {}),
      });
    } catch (err) {
      throw new DeployError(
        `${this.target.name}: SSH command failed: ${(err as Error).message}`,
        this.target.name,
      );
    }
    if (res.code === null) {
      // No exit status: the session ended under the command (the connection dropped, or
      // the command was killed by a signal).
      throw new DeployError(
        `${this.target.name}: SSH connection lost or command killed${res.signal ? ` (${res.signal})` : ''} while running \`${command.slice(0, 120)}\``,
        this.target.name,
      );
    }
    const result = { code: res.code, stdout: res.stdout, stderr: res.stderr };
    if ((options.check ?? true) && result.code !== 0) throw exitError(this.target, command, result);
    return result;
  }

  /** True once the transport dropped: the pool then opens a new connection. */
  get isBroken(): boolean {
    return this.broken !== undefined;
  }

  close(): void {
    this.ssh.dispose();
  }
}

function describeConnectError(err: unknown, timeoutMs: number, endpoint: Endpoint): string {
  const e = err as { message?: string; code?: string; level?: string };
  if (e.message?.includes('Timed out'))
    return `no SSH handshake within ${timeoutMs}ms (is sshd running and the address right?)`;
  if (e.code === 'ECONNREFUSED') return 'connection refused (is sshd running on that port?)';
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return 'host unreachable';
  if (e.level === 'client-authentication') {
    const offered = [
      ...(endpoint.auth.agent ? ["the ssh-agent's keys"] : []),
      ...endpoint.auth.keys.map((k) => k.source),
    ];
    return offered.length === 1 && !endpoint.auth.agent
      ? 'the private key was not accepted for that user'
      : `no key was accepted for that user (offered: ${offered.join(', ') || 'none'})`;
  }
  return e.message ?? String(err);
}
