import { spawn } from 'node:child_process';

/**
 * There is one lab per machine: concurrent e2e runs (two terminals, a demo, a benchmark)
 * would tear it down under each other. A flock held by a small child process for as long
 * as this process lives serialises them; it is released by the returned function, or when
 * this process exits, however it exits.
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
    // Its own process group, so that the release ends flock and the waiting shell together.
    { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
  const release = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // Already gone.
    }
    child.stdout.destroy();
    child.unref();
  };
  return new Promise((resolvePromise, reject) => {
    const waiting = setTimeout(
      () => console.log('[lab] waiting for another user of the lab to finish…'),
      2000,
    );
    child.stdout.once('data', () => {
      clearTimeout(waiting);
      resolvePromise(release);
    });
    child.once('exit', (code) => {
      clearTimeout(waiting);
      reject(new Error(`could not lock the lab (flock exited ${code})`));
    });
  });
}
