import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { sh } from '../commands/shell.js';
import { DeployError } from '../errors.js';
import type { Connection } from '../ssh/connection.js';
import { sleep } from '../util/time.js';

// A lock file next to the state record, created with O_EXCL (`set -C`), holding who took
// it and until when. A lock past its expiry (its holder died) is taken over.

export interface LockInfo {
  owner: string;
  host: string;
  pid: number;
  command: string;
  token: string;
  since: string;
  expires: number; // epoch ms
}

export class Lock {
  private held: LockInfo | undefined;

  constructor(
    private readonly conn: Connection,
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
      const res = await this.conn.exec(`set -C; cat > ${sh(this.path)}`, {
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
        await this.conn.exec(`grep -q ${sh(holder.token)} ${sh(this.path)} && rm -f ${sh(this.path)}; true`);
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
    const res = await this.conn.exec(`cat ${sh(this.path)} 2>/dev/null; true`);
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
    await this.conn.exec(
      `grep -q ${sh(token)} ${sh(this.path)} 2>/dev/null && rm -f ${sh(this.path)}; true`,
      { check: false },
    );
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
