import { sh } from './shell.js';

// Commands about a host nginx (not in a container).

export const nginx = {
  /**
   * `nginx -T` (test and print the whole config) as the configured test command runs nginx:
   * the same binary and `-c`/`-p` options, with `-t` turned into `-T`. A test command that is
   * not an nginx -t line gives plain `nginx -T` (the compiled-in config path).
   */
  dumpConfig(test: string | undefined): string {
    const words = test?.trim().split(/\s+/) ?? [];
    const isNginxTest = words.length > 0 && /(^|\/)nginx$/.test(words[0]!) && words.includes('-t');
    // The words come from the user's own test command, which runs as it is anyway.
    const argv = isNginxTest ? words.map((w) => (w === '-t' ? '-T' : w)) : ['nginx', '-T'];
    return isNginxTest ? argv.join(' ') : sh(...argv);
  },
};

/** The `pid` directive of an nginx -T dump (main context), if there is one. */
export function pidDirective(dump: string): string | undefined {
  for (const line of dump.split('\n')) {
    const m = /^\s*pid\s+([^\s;]+)\s*;/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}
