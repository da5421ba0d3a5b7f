import { spawn } from 'node:child_process';

/**
 * There is one lab per machine: concurrent e2e runs (two terminals, a demo, a benchmark)
 * would tear it down under each other. A flock held by a small child process for as long
 * as this vitest process lives serialises them; it is released when vitest exits, however
 * it exits.
 */
export function holdLabLock(): Promise<() => void> {
  const child = spawn(
    'flock',
    [
      '-w',
      '3600',
      '/run/bluegreen-lab.e2e.lock',
      'sh',
      '-c',
      `echo locked; while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolvePromise, reject) => {
    const waiting = setTimeout(
      () => console.log('[e2e] waiting for another e2e run to release the lab…'),
      2000,
    );
    child.stdout.once('data', () => {
      clearTimeout(waiting);
      resolvePromise(() => child.kill());
    });
    child.once('exit', (code) => {
      clearTimeout(waiting);
      reject(new Error(`could not lock the lab (flock exited ${code})`));
    });
  });
}
