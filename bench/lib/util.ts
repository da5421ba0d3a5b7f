// Small helpers of the benchmark: processes, statistics, tables. Only node: builtins.
import { spawn } from 'node:child_process';

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program without blocking the event loop (load and pollers keep running). */
export function exec(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<Exec> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // the program may exit without reading it
      child.stdin.end(opts.input);
    }
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** exec that throws with the tail of stderr/stdout when the exit code is not 0. */
export async function execOk(...args: Parameters<typeof exec>): Promise<Exec> {
  const r = await exec(...args);
  if (r.code !== 0) {
    const tail = (r.stderr + r.stdout).trim().split('\n').slice(-15).join('\n');
    throw new Error(`${args[0]} ${args[1].join(' ')} exited ${r.code}:\n${tail}`);
  }
  return r;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
export const sec = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)}s` : 'n/a');

/** A plain text table, first row the header. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

export function log(msg: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${msg}\n`);
}
