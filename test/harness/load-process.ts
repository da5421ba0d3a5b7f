import { buildSync } from 'esbuild';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './bluegreen.js';
import type { LoadOptions, LoadReport } from './load.js';

// Runs the load generator in a child process at a higher CPU priority than everything else on
// this machine: in the lab all hosts share two cores, but the users a load stands for are on
// other machines, and their clock must not stop while the test process runs a synchronous
// command or the CLI starts. The interface is the in-process one's, with an async snapshot.

export interface LoadProcess {
  mark(name: string): void;
  snapshot(): Promise<LoadReport>;
  stop(): Promise<LoadReport>;
}

let bundle: string | undefined;

/** The child's code as one .mjs (esbuild, once per test process). */
function childBundle(): string {
  if (bundle) return bundle;
  const dir = join(ROOT, 'node_modules/.cache/bluegreen');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `load-child-${process.pid}.mjs`);
  buildSync({
    entryPoints: [join(ROOT, 'test/harness/load-child.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  bundle = out;
  return out;
}

export function startLoadProcess(options: LoadOptions): LoadProcess {
  if (typeof options.expectBodies === 'function')
    throw new Error('a load in its own process takes expectBodies as a list');
  const child: ChildProcess = fork(childBundle(), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    setPriority(child.pid!, -10);
  } catch {
    // Not root: the load runs at the default priority.
  }
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id: number; value?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(new Error(m.error));
    else p?.resolve(m.value);
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`the load process exited (${code})`));
    pending.clear();
  });
  const call = <T>(message: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, ...message });
    });
  const started = call<void>({ type: 'start', options });
  return {
    mark(name) {
      void started.then(() => call({ type: 'mark', name }));
    },
    async snapshot() {
      await started;
      return call<LoadReport>({ type: 'snapshot' });
    },
    async stop() {
      await started;
      const report = await call<LoadReport>({ type: 'stop' });
      child.disconnect();
      return report;
    },
  };
}
