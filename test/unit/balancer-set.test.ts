import { describe, expect, it } from 'vitest';
import type { ApplyResult, HostBalancer, UpstreamServer } from '../../src/balancer/driver.js';
import { BalancerSet, driftOf } from '../../src/balancer/set.js';
import { silentLogger } from '../../src/util/log.js';

// A balancer whose "file" is a string in memory; it records what was done to it.
class FakeBalancer implements HostBalancer {
  readonly type = 'fake';
  events: string[] = [];
  constructor(
    readonly host: string,
    public file: string,
    private readonly fail: { validate?: boolean; apply?: boolean } = {},
  ) {}
  read(): Promise<string> {
    return Promise.resolve(this.file);
  }
  readonly source = '/etc/upstream.conf';
  describeChange() {
    return 'balancer: write /etc/upstream.conf';
  }
  facts() {
    return Promise.resolve({});
  }
  prepare() {
    return Promise.resolve();
  }
  servers(text: string): UpstreamServer[] {
    return text
      .split(' ')
      .filter((w) => w.includes(':'))
      .map((w) => ({ host: w.split(':')[0]!, port: Number(w.split(':')[1]) }));
  }
  render(text: string, servers: UpstreamServer[]): string {
    return `${text.split('|')[0]}|${servers.map((s) => ` ${s.host}:${s.port}`).join('')}`;
  }
  validate(current: string, next: string): Promise<void> {
    this.events.push(`validate ${next}`);
    if (this.fail.validate) return Promise.reject(new Error('test rejected'));
    expect(this.file).toBe(current);
    return Promise.resolve();
  }
  apply(_current: string, next: string): Promise<ApplyResult> {
    this.events.push(`apply ${next}`);
    if (this.fail.apply) return Promise.reject(new Error('reload failed'));
    this.file = next;
    return Promise.resolve({ reloadMs: 1, drainMs: 2, undrained: 0 });
  }
  revert(previous: string): Promise<void> {
    this.events.push(`revert ${previous}`);
    this.file = previous;
    return Promise.resolve();
  }
}

const target = [{ host: 'b', port: 2 }];

describe('several balancers', () => {
  it('validates on all before applying to any, then applies to each', async () => {
    const [a, b] = [new FakeBalancer('lb1', 'x| a:1'), new FakeBalancer('lb2', 'x| a:1')];
    const set = new BalancerSet([a, b], silentLogger);
    const cur = await set.read();
    await set.apply(cur, set.render(cur, target));
    for (const m of [a, b]) {
      expect(m.events).toEqual(['validate x| b:2', 'apply x| b:2']);
      expect(m.file).toBe('x| b:2');
    }
  });

  it('one balancer refusing the change: none is changed', async () => {
    const [a, b] = [new FakeBalancer('lb1', 'x| a:1'), new FakeBalancer('lb2', 'x| a:1', { validate: true })];
    const set = new BalancerSet([a, b], silentLogger);
    const cur = await set.read();
    await expect(set.apply(cur, set.render(cur, target))).rejects.toThrow(
      /refused by 1 of 2 balancers, so none was changed:\n {2}lb2: test rejected/,
    );
    expect(a.events.some((e) => e.startsWith('apply'))).toBe(false);
    expect(b.events.some((e) => e.startsWith('apply'))).toBe(false);
    expect([a.file, b.file]).toEqual(['x| a:1', 'x| a:1']);
  });

  it('one balancer failing to apply: the others are put back', async () => {
    const a = new FakeBalancer('lb1', 'x| a:1');
    const b = new FakeBalancer('lb2', 'x| a:1', { apply: true });
    const set = new BalancerSet([a, b], silentLogger);
    const cur = await set.read();
    await expect(set.apply(cur, set.render(cur, target))).rejects.toThrow(
      /lb2: reload failed\n {2}the other 1 balancer\(s\) were put back/,
    );
    expect(a.events).toEqual(['validate x| b:2', 'apply x| b:2', 'revert x| a:1']);
    expect(a.file).toBe('x| a:1');
  });

  it('renders the change into each drifted file (forced runs) and reports drift', async () => {
    const a = new FakeBalancer('lb1', 'x| a:1');
    const b = new FakeBalancer('lb2', 'HAND EDIT| a:1');
    const set = new BalancerSet([a, b], silentLogger);
    const all = await set.readAll();
    expect(driftOf(all).map((f) => f.host)).toEqual(['lb2']);
    await set.apply(all[0]!.text, set.render(all[0]!.text, target));
    expect([a.file, b.file]).toEqual(['x| b:2', 'HAND EDIT| b:2']);
  });

  it('one balancer: its own apply (which tests and restores itself), no separate validation', async () => {
    const a = new FakeBalancer('lb1', 'x| a:1');
    const set = new BalancerSet([a], silentLogger);
    const cur = await set.read();
    await set.apply(cur, set.render(cur, target));
    expect(a.events).toEqual(['apply x| b:2']);
  });
});
