import pLimit from 'p-limit';
import { Readable } from 'node:stream';
import { DeployError } from '../../src/errors.js';
import {
  connectionLost,
  eachSettled,
  exitError,
  type ExecOptions,
  type ExecResult,
  type RemoteHosts,
  type RemoteShell,
  type SshTarget,
} from '../../src/ssh/remote.js';
import type { Journal } from './journal.js';

// A recording fake of the hosts a run works on: every command sent is recorded in order
// (host, command, stdin) and answered by scripted responders; by default a command exits 0
// with no output. A host can be made unreachable, and a connection dropped.

export interface Call {
  host: string;
  command: string;
  stdin?: string;
  /** A streamed stdin, read to its end before the command is answered. */
  streamed?: Buffer;
}

export type Answer =
  Partial<ExecResult> | ((call: Call) => Partial<ExecResult> | Promise<Partial<ExecResult>>);

interface Responder {
  host: string | undefined;
  command: RegExp;
  answer: Answer;
  left: number;
}

export class FakeRemoteHosts implements RemoteHosts {
  /** Every command that reached a host, in the order it was sent. */
  readonly calls: Call[] = [];
  closed = false;
  private readonly responders: Responder[] = [];
  private readonly unreachable = new Map<string, string>();
  private readonly shells = new Map<string, FakeShell>();
  private readonly limit;

  constructor(
    private readonly journal: Journal,
    concurrency = 10,
  ) {
    this.limit = pLimit(concurrency);
  }

  /**
   * Answers commands matching `command` on `host` (undefined: any host), `times` times
   * (default: always). The newest matching responder answers.
   */
  on(host: string | undefined, command: RegExp, answer: Answer, times = Infinity): this {
    this.responders.unshift({ host, command, answer, left: times });
    return this;
  }

  /** Makes `command` exit `code` with `stderr` on `host`. */
  fail(host: string | undefined, command: RegExp, stderr = 'failed', code = 1, times = Infinity): this {
    return this.on(host, command, { code, stderr }, times);
  }

  /** Connecting to `host` fails (as when sshd is down), until `reachable(host)`. */
  unreachableHost(host: string, why = 'connection refused (is sshd running on that port?)'): this {
    this.unreachable.set(host, why);
    return this;
  }

  reachable(host: string): this {
    this.unreachable.delete(host);
    return this;
  }

  /** Drops the open connection to `host`: its next command fails; the next `get` opens a new one. */
  drop(host: string, why = 'connection reset'): this {
    const shell = this.shells.get(host);
    if (shell) shell.broken = why;
    return this;
  }

  /** The commands sent to `host`, in order. */
  commandsOn(host: string): string[] {
    return this.calls.filter((c) => c.host === host).map((c) => c.command);
  }

  /** The hosts that received a command matching `pattern`, in order of their first such command. */
  hostsThatRan(pattern: RegExp): string[] {
    return [...new Set(this.calls.filter((c) => pattern.test(c.command)).map((c) => c.host))];
  }

  get(target: SshTarget): Promise<RemoteShell> {
    const why = this.unreachable.get(target.name);
    if (why !== undefined)
      return Promise.reject(
        new DeployError(
          `${target.name}: cannot connect over SSH to root@${target.host}:${target.port}: ${why}`,
          target.name,
        ),
      );
    let shell = this.shells.get(target.name);
    if (!shell || shell.broken !== undefined) {
      shell = new FakeShell(target, this);
      this.shells.set(target.name, shell);
    }
    return Promise.resolve(shell);
  }

  each<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
    return eachSettled(this.limit, items, fn);
  }

  closeAll(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** @internal Records and answers one command. */
  async answer(call: Call): Promise<ExecResult> {
    this.calls.push(call);
    this.journal.add(`${call.host}$ ${call.command}`);
    const r = this.responders.find(
      (x) => x.left > 0 && (x.host === undefined || x.host === call.host) && x.command.test(call.command),
    );
    if (!r) return { code: 0, stdout: '', stderr: '' };
    r.left--;
    const answer = typeof r.answer === 'function' ? await r.answer(call) : r.answer;
    return { code: 0, stdout: '', stderr: '', ...answer };
  }
}

class FakeShell implements RemoteShell {
  broken: string | undefined;

  constructor(
    readonly target: SshTarget,
    private readonly hosts: FakeRemoteHosts,
  ) {}

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.broken !== undefined) throw connectionLost(this.target, this.broken);
    const { stdin } = options;
    const result = await this.hosts.answer({
      host: this.target.name,
      command,
      ...(typeof stdin === 'string' ? { stdin } : {}),
      ...(stdin instanceof Readable ? { streamed: await readAll(stdin) } : {}),
    });
    // The answer arrives as one chunk per stream, as if the command printed it at once.
    if (result.stdout && options.onStdout) options.onStdout(Buffer.from(result.stdout));
    if (result.stderr && options.onStderr) options.onStderr(Buffer.from(result.stderr));
    if ((options.check ?? true) && result.code !== 0) throw exitError(this.target, command, result);
    return result;
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
