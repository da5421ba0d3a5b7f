import type { HookName } from '../../src/config/schema.js';
import type { HookRunner } from '../../src/deploy/hooks.js';
import type { Journal } from './journal.js';

// Hooks that run nothing: each run is journaled (`local: hook NAME`) with its variables kept,
// and a hook can be told to fail.

export class FakeHooks implements HookRunner {
  /** Every run, in order, with the variables it was given. */
  readonly runs: { name: HookName; command: string; env: Record<string, string> }[] = [];
  /** A hook named here fails with this message. */
  readonly failures = new Map<HookName, string>();

  constructor(private readonly journal: Journal) {}

  run(name: HookName, command: string, env: Record<string, string>): Promise<void> {
    this.journal.add(`local: hook ${name}`);
    this.runs.push({ name, command, env });
    const failure = this.failures.get(name);
    return failure === undefined ? Promise.resolve() : Promise.reject(new Error(failure));
  }
}
