/** Bad usage or an invalid config: nothing was touched. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

/** The operation failed; what it started was cleaned up and the live pool kept serving. Exit code 1. */
export class DeployError extends Error {
  override name = 'DeployError';
  readonly exitCode = 1;
  /** Set when the failed change was undone (the action reports `rolled_back`). */
  rolledBack = false;

  constructor(
    message: string,
    readonly host?: string,
  ) {
    super(message);
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return 2;
  return 1;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
