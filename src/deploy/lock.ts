import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  /**
   * Gives the lock back if this run still holds it. With `along`, the release is a shell
   * command handed to it, for a last write to run in its own exec (one round trip, not two);
   * the lock counts as held until `along` resolved.
   */
  release(along?: (unlock: string) => Promise<void>): Promise<void>;
}

export interface LockInfo {
  owner: string;
  host: string;
  /**
   * Which machine and boot the holder runs on (hashed /etc/machine-id, boot id, host name):
   * a dead PID means a dead holder only on the same machine in the same boot. Absent where
   * the machine cannot be told apart (then only the TTL frees the lock).
   */
  machine?: string;
  pid: number;
  /** When the holder's process started (/proc/PID/stat): a PID reused by another process is not the holder. */
  pidStart?: string;
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
      ...(MACHINE ? { machine: MACHINE } : {}),
      pid: process.pid,
      ...(pidStart(process.pid) ? { pidStart: pidStart(process.pid)! } : {}),
      command,
      token: randomBytes(12).toString('hex'),
      since: new Date().toISOString(),
      expires: Date.now() + ttlMs,
    };
    let takeovers = 0;
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
      if (holder && takeovers < 5 && (holder.expires < Date.now() || diedHere(holder))) {
        takeovers++;
        // The holder's lease ran out (it was killed, or its machine went away), or it ran
        // on this machine in this boot and its process is gone (kill -9): take the lock over,
        // atomically (two runs that both see it stale cannot both remove it).
        const taken = await this.shell.exec(lockFile.takeOver(this.path, holder.token), { check: false });
        if (taken.code === 0 || taken.code === 3) continue;
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

  async release(along?: (unlock: string) => Promise<void>): Promise<void> {
    if (!this.held) return;
    const unlock = lockFile.removeIfHeld(this.path, this.held.token);
    if (along) {
      await along(unlock);
      this.held = undefined;
      return;
    }
    this.held = undefined;
    await this.shell.exec(unlock, { check: false });
  }
}

/** This machine in this boot: a hash of /etc/machine-id and the boot id, and the host name. */
function machineIdentity(): string | undefined {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const id = read('/etc/machine-id') ?? read('/var/lib/dbus/machine-id');
  const boot = read('/proc/sys/kernel/random/boot_id');
  if (!id || !boot) return undefined;
  return createHash('sha256').update(`${id} ${boot} ${hostname()}`).digest('hex').slice(0, 32);
}

const MACHINE = machineIdentity();

/** This machine's identity as a lock records it (undefined where it cannot be told). */
export function thisMachine(): string | undefined {
  return MACHINE;
}

/** The start time of a process in clock ticks since boot (field 22 of /proc/PID/stat). */
function pidStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * The holder ran on this very machine in this boot and its process is gone (or its PID now
 * belongs to another process). Machines that share a host name (cloned runners) differ in
 * their machine id; a lock without a machine identity is never judged here (only its TTL).
 */
export function diedHere(holder: LockInfo): boolean {
  if (!MACHINE || holder.machine !== MACHINE) return false;
  if (!Number.isInteger(holder.pid) || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return holder.pidStart !== undefined && pidStart(holder.pid) !== holder.pidStart;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
