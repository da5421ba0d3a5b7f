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

export interface SshOptions {
  user: string;
  privateKey: string;
  policy: HostKeyPolicy;
  connectTimeoutMs: number;
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

  static async open(target: SshTarget, options: SshOptions): Promise<Connection> {
    const ssh = new NodeSSH();
    let rejectedKey: string | undefined;
    const algorithms = hostKeyAlgorithms(options.policy, target.host, target.port);
    try {
      await ssh.connect({
        host: target.host,
        port: target.port,
        username: options.user,
        privateKey: options.privateKey,
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        ...(algorithms ? { algorithms: { serverHostKey: algorithms as never } } : {}),
        hostVerifier: (key: Buffer) => {
          const decision = checkHostKey(options.policy, target.host, target.port, key);
          if (!decision.ok) rejectedKey = decision.reason;
          return decision.ok;
        },
      });
    } catch (err) {
      ssh.dispose();
      const why = rejectedKey ?? describeConnectError(err, options.connectTimeoutMs);
      throw new DeployError(
        `${target.name}: cannot connect over SSH to ${options.user}@${target.host}:${target.port}: ${why}`,
        target.name,
      );
    }
    return new Connection(target, ssh);
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

function describeConnectError(err: unknown, timeoutMs: number): string {
  const e = err as { message?: string; code?: string; level?: string };
  if (e.message?.includes('Timed out'))
    return `no SSH handshake within ${timeoutMs}ms (is sshd running and the address right?)`;
  if (e.code === 'ECONNREFUSED') return 'connection refused (is sshd running on that port?)';
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return 'host unreachable';
  if (e.level === 'client-authentication') return 'the private key was not accepted for that user';
  return e.message ?? String(err);
}
