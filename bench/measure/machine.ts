// The machine, the versions of everything involved and the commit measured: printed above
// every rendered table, since absolute times mean little without them.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ROOT } from '../../test/harness/bluegreen.js';
import type { Lab } from '../../test/harness/lab.js';
import type { Machine } from '../lib/results.js';
import { dockerAt } from '../lib/tools.js';
import { exec, round } from '../lib/util.js';

const firstLine = async (file: string, args: string[]) => {
  const r = await exec(file, args);
  return (r.stdout + r.stderr).trim().split('\n')[0] ?? '';
};

export async function describeMachine(lab: Lab, ansible: string): Promise<Machine> {
  const osRelease = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? '';
  const head = (await exec('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT })).stdout.trim();
  const dirty = (
    await exec('git', ['status', '--porcelain', '--', 'src', 'dist'], { cwd: ROOT })
  ).stdout.trim();
  return {
    os: osRelease,
    kernel: os.release(),
    cpu: os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    docker: (await dockerAt(lab.dockerhost, ['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
    nginx: (await firstLine('nginx', ['-v'])).replace(/^nginx version: /, ''),
    openssh: (await firstLine('ssh', ['-V'])).split(',')[0]!,
    ansible,
    commit: dirty ? `${head}+changes` : head,
    loadBefore: os.loadavg()[0]!,
    lab: {
      green: lab.hosts.green.length,
      blue: lab.hosts.blue.length,
      balancer: `nginx on ${lab.balancer.host}`,
    },
  };
}

/** Microseconds in which some task waited for a CPU since boot (Linux PSI), if the kernel tells. */
export function cpuWaitUs(): number | undefined {
  try {
    const m = /^some .* total=(\d+)$/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
