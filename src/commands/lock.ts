import { posix } from 'node:path';
import { sh } from './shell.js';

// The lock file beside the state record: created with O_EXCL (`set -C`), so two runs
// cannot both create it, and removed only by the run whose token it holds.

export const lockFile = {
  /**
   * Writes stdin to `path` only if it does not exist yet (exit status non-zero if it does).
   * Its directory is made first: without a balancer file (Caddy) it is balancer.state_dir.
   */
  create: (path: string) => `mkdir -p ${sh(posix.dirname(path))} 2>/dev/null; set -C; cat > ${sh(path)}`,
  /** Prints the lock, or nothing when there is none (exit 0 either way, even if it goes meanwhile). */
  read: (path: string) => `cat ${sh(path)} 2>/dev/null; true`,
  /**
   * Takes a stale lock (`token`) away atomically: renames the file to a name of this shell's
   * own, then looks at what it moved. Exit 0: it was the stale lock, now gone (create again);
   * 3: someone else moved it first; 4: it was a new lock (put back with `ln`, which fails
   * rather than overwrite). Only the one run whose rename moved the stale file removes it.
   */
  takeOver: (path: string, token: string) =>
    [
      `t=${sh(`${path}.takeover`)}.$$`,
      `mv ${sh(path)} "$t" 2>/dev/null || exit 3`,
      `if grep -q ${sh(token)} "$t"; then rm -f "$t"; exit 0; fi`,
      `ln "$t" ${sh(path)} 2>/dev/null; rm -f "$t"; exit 4`,
    ].join('; '),
  /** Removes the lock if it still holds `token` (another run may have taken it over). */
  removeIfHeld: (path: string, token: string) =>
    `grep -q ${sh(token)} ${sh(path)} 2>/dev/null && rm -f ${sh(path)}; true`,
};
