import { describe, expect, it } from 'vitest';
import { status } from '../../src/deploy/ops/status.js';
import { fakeContext, hostCheckUrl } from '../fakes/context.js';

// `status` changes nothing: it lists containers and checks hosts, and compares the
// balancers' files with each other and with what bluegreen last wrote.

const LIST = /^docker ps -a --filter label=bluegreen\.app=webapp --format /;

describe('status', () => {
  it('reports per host the container, its state and version and a live check; only lists containers', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' }, config: { pools: { blue: [] } } });
    f.remote.on(undefined, LIST, { stdout: 'webapp-1.0.0\trunning\t1.0.0\tgreen\n' });
    f.remote.unreachableHost('g3');
    f.checker.fail(hostCheckUrl('g2'), 'status 503, expected 200');
    const res = await status(f.ctx, f.state);
    expect(res.message).toBe('live: green 1.0.0');
    expect(
      res.status?.hosts.map((h) => [h.host, h.container, h.state.split(':')[0], h.version, h.check, h.ok]),
    ).toEqual([
      ['g1', 'webapp-1.0.0', 'running', '1.0.0', '200', true],
      ['g2', 'webapp-1.0.0', 'running', '1.0.0', 'status 503, expected 200', false],
      ['g3', '-', 'unreachable', '-', '200', true],
    ]);
    expect(res.status?.upstream.map((u) => u.host)).toEqual(['10.0.1.1', '10.0.1.2', '10.0.1.3']);
    expect(res.status?.upstreamEditedByHand).toBe(false);
    expect(res.status?.drift).toBe(false);
    expect(f.remote.calls.every((c) => LIST.test(c.command))).toBe(true);
    expect(f.journal.matching(/^(lb|state|lock):/)).toEqual([]);
  });

  it('notices a balancer file edited by hand, and balancers that drifted apart', async () => {
    const f = fakeContext({
      live: { pool: 'green', version: '1.0.0' },
      config: { balancer: { host: undefined, hosts: ['lb1', 'lb2'] } },
    });
    f.balancers[1]!.text = f.balancers[1]!.text.replace('keepalive 8', 'keepalive 16');
    const res = await status(f.ctx, f.state);
    expect(res.status?.upstreamEditedByHand).toBe(false);
    expect(res.status?.drift).toBe(true);
    expect(res.status?.balancers?.map((b) => [b.host, b.drift])).toEqual([
      ['lb1', false],
      ['lb2', true],
    ]);

    f.balancers[0]!.text = f.balancers[0]!.text.replace('keepalive 8', 'keepalive 4');
    expect((await status(f.ctx, f.state)).status?.upstreamEditedByHand).toBe(true);
  });
});
