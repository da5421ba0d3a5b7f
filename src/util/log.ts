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
    hostStep: (host, step, ok, ms, detail) =>
      write(
        `  ${host.padEnd(14)} ${step.padEnd(8)} ${ok ? 'ok  ' : 'FAIL'} ${(ms / 1000).toFixed(2).padStart(6)}s${detail ? `  ${detail}` : ''}`,
      ),
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
