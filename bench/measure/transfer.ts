// Registry-less deploys (`registry: none`): the image is saved once on the machine running
// bluegreen and streamed over SSH into `docker load` on every host that lacks it, against
// the same cold deploy pulling from the lab registry. Same hosts, same image content, the
// order alternating per repetition. The "local" Docker daemon is the lab's build daemon.
import { resetLab } from '../../test/harness/lab.js';
import { stepsOf, type TransferRecord } from '../lib/results.js';
import { configFor, dockerAt, makeCold, runBluegreen, V1, verifyServing } from '../lib/tools.js';
import { execOk, log, sec } from '../lib/util.js';
import type { BenchContext } from './context.js';

/** The local image's repository: a name no registry serves, so only streaming can bring it. */
export const LOCAL_IMAGE = 'bench-local/app';

export async function measureTransfer({ lab, settings }: BenchContext): Promise<TransferRecord[]> {
  const local = { DOCKER_HOST: lab.buildDockerHost, DOCKER_BUILDKIT: '0' };
  await execOk('docker', ['pull', '-q', lab.images.v1], { env: local, timeoutMs: 300_000 });
  await execOk('docker', ['tag', lab.images.v1, `${LOCAL_IMAGE}:${V1}`], { env: local });
  const out: TransferRecord[] = [];
  const vias = ['registry', 'ssh'] as const;
  for (let rep = 0; rep < settings.reps; rep++) {
    for (const n of settings.compare) {
      const targets = lab.hosts.green.slice(0, n);
      for (const via of rep % 2 ? [...vias].reverse() : vias) {
        await resetLab(lab);
        await makeCold(targets);
        const run =
          via === 'registry'
            ? await runBluegreen(configFor(lab, n, 1), ['deploy', '--version', V1])
            : await runBluegreen(
                configFor(lab, n, 1, { image: LOCAL_IMAGE, registry: 'none' }),
                ['deploy', '--version', V1],
                undefined,
                local,
              );
        await verifyServing(lab, targets, V1);
        const step = via === 'registry' ? 'pull' : 'transfer';
        const detail = run.outcome!.hosts[0]?.steps.find((x) => x.step === step)?.detail;
        out.push({
          hosts: n,
          rep,
          via,
          wallMs: run.ms,
          durationMs: run.outcome!.durationMs,
          stepMs: stepsOf(run.outcome!.hosts).map((h) => h[step] ?? 0),
          ...(via === 'ssh' && detail ? { detail } : {}),
        });
        log(`transfer ${rep + 1}/${settings.reps}: ${n} host(s) via ${via}: ${sec(run.ms)}`);
      }
    }
  }
  await Promise.all(lab.hosts.green.map((h) => dockerAt(h, ['image', 'prune', '-a', '-f'])));
  return out;
}
