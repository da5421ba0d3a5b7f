// How the engine talks to a person. The CLI prints plain lines; the action maps the same
// calls onto log groups and annotations (src/report/action-log.ts).

export interface Logger {
  info(message: string): void;
  warn(message: string, host?: string): void;
  error(message: string, host?: string): void;
  /** One line per host per step, e.g. "bluehost01  pull  ok  1.2s". */
  hostStep(host: string, step: string, ok: boolean, ms: number, detail?: string): void;
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/** The plain per-host step line both the terminal and the Actions log print. */
export function formatStepLine(host: string, step: string, ok: boolean, ms: number, detail?: string): string {
  return `${host.padEnd(14)} ${step.padEnd(8)} ${ok ? 'ok  ' : 'FAIL'} ${(ms / 1000).toFixed(2).padStart(6)}s${detail ? `  ${detail}` : ''}`;
}

export function consoleLogger(stream: NodeJS.WritableStream = process.stderr, quiet = false): Logger {
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
  const write = (line: string) => {
    if (!quiet) stream.write(`${stamp()} ${line}\n`);
  };
  return {
    info: (m) => write(m),
    warn: (m) => write(`warning: ${m}`),
    error: (m) => write(`error: ${m}`),
    hostStep: (host, step, ok, ms, detail) => write(`  ${formatStepLine(host, step, ok, ms, detail)}`),
    group: async (title, fn) => {
      write(`== ${title}`);
      return fn();
    },
  };
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  hostStep: () => undefined,
  group: (_t, fn) => fn(),
};

/**
 * A live view for a terminal: one line per host, rewritten in place as its steps finish
 * (pull ✓ 1.2s  start ✓ 0.3s  check …), under the current phase. Messages scroll above it.
 */
export function liveLogger(stream: NodeJS.WriteStream = process.stderr): Logger {
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
  const hosts = new Map<string, string[]>();
  let drawn = 0;
  const erase = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    const lines = [...hosts].map(([host, steps]) => `  ${host.padEnd(14)} ${steps.join('  ')}`);
    if (lines.length) stream.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const message = (line: string) => {
    erase();
    stream.write(`${stamp()} ${line}\n`);
    draw();
  };
  return {
    info: (m) => message(m),
    warn: (m) => message(`\x1b[33mwarning:\x1b[0m ${m}`),
    error: (m) => message(`\x1b[31merror:\x1b[0m ${m}`),
    hostStep: (host, step, ok, ms, detail) => {
      erase();
      const steps = hosts.get(host) ?? [];
      const mark = ok ? '\x1b[32m✓\x1b[0m' : '\x1b[31m✗\x1b[0m';
      steps.push(
        `${step} ${mark} ${(ms / 1000).toFixed(1)}s${!ok && detail ? ` \x1b[31m${detail}\x1b[0m` : ''}`,
      );
      hosts.set(host, steps);
      draw();
    },
    group: async (title, fn) => {
      // The previous phase's host lines stay on screen as they are; a new block starts.
      hosts.clear();
      drawn = 0;
      stream.write(`${stamp()} == ${title}\n`);
      return fn();
    },
  };
}
