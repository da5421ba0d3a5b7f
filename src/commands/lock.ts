import { sh } from './shell.js';

// The lock file beside the state record: created with O_EXCL (`set -C`), so two runs
// cannot both create it, and removed only by the run whose token it holds.

export const lockFile = {
  /** Writes stdin to `path` only if it does not exist yet (exit status non-zero if it does). */
  create: (path: string) => `set -C; cat > ${sh(path)}`,
  /** Prints the lock, or nothing when there is none (exit 0 either way, even if it goes meanwhile). */
  read: (path: string) => `cat ${sh(path)} 2>/dev/null; true`,
  /** Removes the lock if it still holds `token` (another run may have taken it over). */
  removeIfHeld: (path: string, token: string) =>
    `grep -q ${sh(token)} ${sh(path)} 2>/dev/null && rm -f ${sh(path)}; true`,
};
