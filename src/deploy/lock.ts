import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { lockFile } from '../commands/lock.js';
import { DeployError } from '../errors.js';
import type { RemoteShell } from '../ssh/remote.js';
import { sleep } from '../util/time.js';

// Keeps two runs that change things apart. The real one is a lock file next to the state
// record, created with O_EXCL (`set -C`), holding who took it and until when. A lock past
// its expiry (its holder died) is taken over.

export interface Lock {
  readonly path: string;
  /** Takes the lock for `command`, waiting up to `waitMs` for another holder; throws naming the holder. */
  acquire(command: string, ttlMs: number, waitMs: number): Promise<void>;
  /** Gives the lock back if this run still holds it. */
  release(): Promise<void>;
}

export interface LockInfo {
  owner: string;
  host: string;
  pid: number;
  command: string;
  token: string;
  since: string;
  expires: number; // epoch ms
}

export class LockFile implements Lock {
  private held: LockInfo | undefined;

  constructor(
    private readonly shell: RemoteShell,
    readonly path: string,
  ) {}

  async acquire(command: string, ttlMs: number, waitMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    const info: LockInfo = {
      owner: `${safeUser()}@${hostname()} pid ${process.pid}`,
      host: hostname(),
      pid: process.pid,
      command,
      token: randomBytes(12).toString('hex'),
      since: new Date().toISOString(),
      expires: Date.now() + ttlMs,
    };
    for (;;) {
      const res = await this.shell.exec(lockFile.create(this.path), {
        stdin: JSON.stringify(info),
        check: false,
      });
      if (res.code === 0) {
        this.held = info;
        return;
      }
      const holder = await this.holder();
      if (holder && (holder.expires < Date.now() || diedHere(holder))) {
        // The holder's lease ran out (it was killed, or its machine went away), or it ran
        // on this machine and its process is gone (kill -9): take the lock over.
        await this.shell.exec(lockFile.removeIfHeld(this.path, holder.token));
        continue;
      }
      if (Date.now() >= deadline) {
        const who = holder
          ? `${holder.owner} (${holder.command}, since ${holder.since}, expires ${new Date(holder.expires).toISOString()})`
          : 'an unknown holder';
        throw new DeployError(
          `another bluegreen run holds the lock ${this.path}: ${who}. Wait for it, raise lock.wait, or remove the file if that run is gone.`,
        );
      }
      await sleep(Math.min(1000, Math.max(50, deadline - Date.now())));
    }
  }

  async holder(): Promise<LockInfo | undefined> {
    const res = await this.shell.exec(lockFile.read(this.path));
    try {
      return JSON.parse(res.stdout) as LockInfo;
    } catch {
      return undefined;
    }
  }

  async release(): Promise<void> {
    if (!this.held) return;
    const token = this.held.token;
    this.held = undefined;
    await this.shell.exec(lockFile.removeIfHeld(this.path, token), { check: false });
  }
}

function diedHere(holder: LockInfo): boolean {
  if (holder.host !== hostname() || !Number.isInteger(holder.pid) || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
