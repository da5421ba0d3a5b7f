import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, type Lab } from './lab.js';

// Stops and starts the lab's plain-HTTP registry (the one up.sh started; its pid is in
// $LAB_DIR/registry/registry.pid), for the tests of deploys without a registry. Start it
// again in a `finally`: the other tests of the run need it.

const pidFile = (lab: Lab) => join(lab.dir, 'registry', 'registry.pid');

async function answers(lab: Lab): Promise<boolean> {
  try {
    return (await httpGet(`http://${lab.registry}/v2/`, { timeoutMs: 1000 })).status === 200;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`the lab registry: ${what} after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops the registry (SIGTERM to the pid up.sh recorded) and waits until it no longer answers. */
export async function stopRegistry(lab: Lab): Promise<void> {
  const pid = Number(readFileSync(pidFile(lab), 'utf8').trim());
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already stopped.
  }
  await until('still answers', async () => !(await answers(lab)));
}

/** Starts the registry as up.sh does (same config, same log, pid recorded) and waits until it answers. */
export async function startRegistry(lab: Lab): Promise<void> {
  if (await answers(lab)) return;
  const log = openSync(join(lab.dir, 'registry', 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', join(lab.dir, 'registry', 'config.yml')], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  writeFileSync(pidFile(lab), `${child.pid}\n`);
  await until('does not answer', () => answers(lab));
}
