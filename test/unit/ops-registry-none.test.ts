import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { buildCommands } from '../../src/deploy/build.js';
import { deploy } from '../../src/deploy/ops/deploy.js';
import { rollback } from '../../src/deploy/ops/rollback.js';
import { BASE_CONFIG, fakeContext } from '../fakes/context.js';
import { fakeArchiveBytes, fakeDigest } from '../fakes/images.js';

// `registry: none`: the image of this machine's Docker is streamed to each host that lacks
// it (`docker load` from the SSH session's stdin) and run by its image ID.

const NONE = { registry: 'none', image: 'team/app' };
const HAS_IMAGE = /^docker image inspect --format '\{\{\.Id\}\}' sha256:[0-9a-f]{64} >\/dev\/null 2>&1$/;
const LOAD = /^docker load --quiet >\/dev\/null && docker tag sha256:[0-9a-f]{64} team\/app:1\.0\.0$/;

describe('registry: none', () => {
  it('streams the archive (saved once) to the hosts that lack the image and runs it by image ID', async () => {
    const f = fakeContext({ config: NONE });
    // g1 has the image already; g2 and g3 do not.
    f.remote.on('g2', HAS_IMAGE, { code: 1 }).on('g3', HAS_IMAGE, { code: 1 });
    const res = await deploy(f.ctx, f.state, '1.0.0', false);

    const id = fakeDigest('1.0.0');
    expect(f.journal.matching(/^local: save /)).toEqual([`local: save ${id}`]);
    expect(f.remote.hostsThatRan(LOAD)).toEqual(['g2', 'g3']);
    for (const c of f.remote.calls.filter((c) => LOAD.test(c.command)))
      expect(c.streamed).toEqual(fakeArchiveBytes(id));
    // No registry: nothing pulls; every host runs the image ID.
    expect(f.remote.hostsThatRan(/docker pull/)).toEqual([]);
    for (const h of ['g1', 'g2', 'g3'])
      expect(f.remote.commandsOn(h).find((c) => c.startsWith('docker run -d'))).toMatch(
        new RegExp(` ${id}$`),
      );
    expect(f.store.current.pools.green).toMatchObject({ version: '1.0.0', imageId: id });
    expect(f.store.current.pools.green?.digest).toBeUndefined();
    expect(res.digest).toBe(id);
    const transfer = (h: string) =>
      f.ctx.recorder.hosts.find((x) => x.host === h)!.steps.find((s) => s.step === 'transfer')?.detail;
    expect(transfer('g1')).toBe('already there');
    expect(transfer('g2')).toMatch(/MB streamed from this machine$/);
    expect(transfer('g3')).toMatch(/MB streamed from this machine$/);
  });

  it('a failed save fails the deploy before any container starts; nothing is recorded', async () => {
    const f = fakeContext({ config: NONE });
    f.remote.on(undefined, HAS_IMAGE, { code: 1 });
    f.images.saveFailure = 'docker save sha256:… failed: no space left on device';
    await expect(deploy(f.ctx, f.state, '1.0.0', false)).rejects.toThrow(/no space left on device/);
    expect(f.remote.hostsThatRan(/^docker run -d/)).toEqual([]);
    expect(f.store.current.live).toBeNull();
  });

  it('rollback brings the previous version back by its image ID (no registry to pull from)', async () => {
    const id = fakeDigest('1.0.0');
    const f = fakeContext({
      config: NONE,
      live: { pool: 'blue', version: '2.0.0' },
      previous: { pool: 'green', version: '1.0.0', image: 'team/app', imageId: id, kept: 'stopped' },
    });
    f.remote.on(undefined, HAS_IMAGE, { code: 1 });
    await rollback(f.ctx, f.state);
    expect(f.remote.hostsThatRan(LOAD)).toEqual(['g1', 'g2', 'g3']);
    expect(f.remote.hostsThatRan(new RegExp(`^docker run -d .* ${id}$`))).toEqual(['g1', 'g2', 'g3']);
    expect(f.store.current.pools.green?.imageId).toBe(id);
  });

  it('builds without pushing; the config takes `none` or a mapping, and says so when it is neither', () => {
    const config = validateConfig({ ...BASE_CONFIG, ...NONE, build: { context: '.' } }, 'c.yml');
    expect(
      buildCommands({ config, baseDir: '/w', log: fakeContext().log }, '1.0.0').map((a) => a[0]),
    ).toEqual(['build']);
    expect(() => validateConfig({ ...BASE_CONFIG, registry: 'nope' }, 'c.yml')).toThrow(
      /registry.*"none" or a mapping/s,
    );
  });
});
