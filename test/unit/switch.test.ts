import { describe, expect, it } from 'vitest';
import { commitSwitch, planSwitch, servers } from '../../src/deploy/switch.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeContext } from '../fakes/context.js';

// commitSwitch, the one way a balancer change is made and recorded.

describe('commitSwitch', () => {
  it('applies, then updates the state, records the sha256 of the file written, and writes the state', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    const change = await planSwitch(f.ctx, servers(f.ctx, f.state.pools.green!.hosts.slice(0, 2)));
    await commitSwitch(f.ctx, f.state, change, {
      title: 'switch',
      update: (s) => {
        s.pools.green!.hosts = s.pools.green!.hosts.slice(0, 2);
      },
    });
    expect(f.journal.lines).toEqual([
      'lb: apply 10.0.1.1:8000 10.0.1.2:8000',
      'state: live green 1.0.0 (g1 g2), candidate none',
    ]);
    expect(f.store.current.upstreamSha256).toBe(sha256(f.balancers[0]!.text));
    expect(f.log.groups).toEqual(['switch']);
  });

  it('skips the balancer when the file is unchanged and is what bluegreen last wrote (the state is still written)', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    const change = await planSwitch(f.ctx, servers(f.ctx, f.state.pools.green!.hosts));
    expect(change.diff).toBe('');
    await commitSwitch(f.ctx, f.state, change, { title: 'switch' });
    expect(f.journal.lines).toEqual(['state: live green 1.0.0 (g1 g2 g3), candidate none']);
  });

  it('on a failed switch runs onFailure, leaves the state as it was, and rethrows (or throws what onFailure throws)', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    f.balancers[0]!.failAt('test', 'bad', 2);
    const change = await planSwitch(f.ctx, servers(f.ctx, f.state.pools.green!.hosts.slice(0, 1)));
    const seen: string[] = [];
    const update = () => seen.push('update');
    await expect(
      commitSwitch(f.ctx, f.state, change, {
        title: 'switch',
        update,
        onFailure: (err) => Promise.resolve(void seen.push(`cleanup after: ${(err as Error).message}`)),
      }),
    ).rejects.toThrow(/rejected the new upstream/);
    await expect(
      commitSwitch(f.ctx, f.state, change, {
        title: 'switch',
        update,
        onFailure: () => Promise.reject(new Error('mine')),
      }),
    ).rejects.toThrow('mine');
    expect(seen).toEqual([expect.stringMatching(/^cleanup after: balancer lb: `nginx -t` rejected/)]);
    expect(f.store.writes).toEqual([]);
  });
});
