import { sh } from './shell.js';

// Commands about Apache httpd (installed on the balancer host, or in a container).

export const apache = {
  /**
   * `-t -D DUMP_RUN_CFG` (test, and print the run-time settings: PidFile …) as the configured
   * test command runs Apache: the same program, `-f`/`-d` options and envvars (apachectl),
   * with `configtest` spelled `-t`. A test command that is not such a line (no `-t`) gives
   * `fallback` (argv) with those options.
   */
  dumpRunConfig(test: string | undefined, fallback: string[]): string {
    const words = (test?.trim().split(/\s+/) ?? []).map((w) => (w === 'configtest' ? '-t' : w));
    // The words come from the user's own test command, which runs as it is anyway.
    return `${words.includes('-t') ? words.join(' ') : sh(...fallback, '-t')} -D DUMP_RUN_CFG 2>/dev/null`;
  },

  /**
   * Prints the inode and modification time of the master's pid file, which Apache writes
   * anew at every generation (start, graceful restart): a change proves a reload was taken.
   */
  pidFileStamp: (path: string) => `stat -L -c '%i %y' ${sh(path)} 2>/dev/null; true`,
};

/** The PidFile of a `-D DUMP_RUN_CFG` dump (absolute: Apache resolves it against ServerRoot). */
export function pidFileIn(dump: string): string | undefined {
  const m = /^PidFile: "([^"]+)"/m.exec(dump);
  return m?.[1];
}
