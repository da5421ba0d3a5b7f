import { DeployError } from '../../src/errors.js';
import type { Lock } from '../../src/deploy/lock.js';
import { parseState, serializeState, type DeployState, type StateStore } from '../../src/deploy/state.js';
import type { Journal } from './journal.js';

// The state record and the lock in memory. The record is kept as the text the real
// StateFile would write (same serializer and parser), and every write is journaled.

export function describeState(s: DeployState): string {
  const pool = (name: 'green' | 'blue' | null) =>
    name
      ? `${name} ${s.pools[name]?.version ?? '?'} (${s.pools[name]?.hosts.map((h) => h.name).join(' ')})`
      : 'none';
  return `live ${pool(s.live)}, candidate ${pool(s.candidate)}`;
}

export class MemoryStateStore implements StateStore {
  text = '';
  /** A copy of every record written, in order. */
  readonly writes: DeployState[] = [];
  private failWrites = 0;

  constructor(
    readonly path: string,
    private readonly app: string,
    private readonly journal: Journal,
  ) {}

  /** The record as it is stored now. */
  get current(): DeployState {
    return parseState(this.text, this.app, this.path, 'memory');
  }

  /** The next `times` writes fail (as when the balancer host went away). */
  failWrite(times = 1): this {
    this.failWrites = times;
    return this;
  }

  read(): Promise<DeployState> {
    return Promise.resolve(this.current);
  }

  write(state: DeployState, then?: string): Promise<void> {
    if (this.failWrites > 0) {
      this.failWrites--;
      this.journal.add('state: write failed');
      return Promise.reject(new DeployError('lb: SSH connection lost: connection reset', 'lb'));
    }
    this.text = serializeState(state);
    this.writes.push(JSON.parse(this.text) as DeployState);
    this.journal.add(`state: ${describeState(state)}`);
    if (then !== undefined) this.journal.add(`state: then ${then}`);
    return Promise.resolve();
  }
}

export class MemoryLock implements Lock {
  /** The command of the run holding it, if any. */
  holder: string | undefined;

  constructor(
    readonly path: string,
    private readonly journal: Journal,
  ) {}

  acquire(command: string): Promise<void> {
    if (this.holder !== undefined)
      return Promise.reject(
        new DeployError(`another bluegreen run holds the lock ${this.path}: someone (${this.holder})`),
      );
    this.holder = command;
    this.journal.add(`lock: acquire ${command}`);
    return Promise.resolve();
  }

  async release(along?: (unlock: string) => Promise<void>): Promise<void> {
    await along?.('release the memory lock');
    this.holder = undefined;
    this.journal.add('lock: release');
  }
}
