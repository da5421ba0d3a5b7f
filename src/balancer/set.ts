import { DeployError, messageOf } from '../errors.js';
import { sha256 } from '../util/hash.js';
import type { Logger } from '../util/log.js';
import type { ApplyResult, BalancerDriver, HostBalancer } from './driver.js';

export interface BalancerFile {
  host: string;
  text: string;
  sha256: string;
}

/** Hosts whose file differs from the first balancer's (empty: no drift). */
export function driftOf(files: BalancerFile[]): BalancerFile[] {
  const first = files[0];
  return first ? files.filter((f) => f.sha256 !== first.sha256) : [];
}

/**
 * Several balancer hosts behind one driver boundary. Every change is validated on all of
 * them before any is applied; then it is applied to each, and if one fails the others are
 * put back. With one host this is that host's driver (its apply already tests and restores).
 */
export class BalancerSet implements BalancerDriver {
  private lastRead: BalancerFile[] | undefined;

  constructor(
    readonly members: HostBalancer[],
    private readonly log: Logger,
  ) {
    if (members.length === 0) throw new Error('a balancer set needs at least one balancer');
  }

  get type(): string {
    return this.members[0]!.type;
  }

  private get first(): HostBalancer {
    return this.members[0]!;
  }

  /** Every balancer's file, in config order. */
  async readAll(): Promise<BalancerFile[]> {
    const texts = await Promise.all(this.members.map((m) => m.read()));
    this.lastRead = texts.map((text, i) => ({
      host: this.members[i]!.host,
      text,
      sha256: sha256(text),
    }));
    return this.lastRead;
  }

  /** The first balancer's file (all of them are read: apply patches each one's own text). */
  async read(): Promise<string> {
    return (await this.readAll())[0]!.text;
  }

  /** Every balancer runs and shows its workers (before a change touches any pool host). */
  async prepare(): Promise<void> {
    const results = await Promise.allSettled(this.members.map((m) => m.prepare()));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failed.length === 1) throw failed[0]!;
    if (failed.length > 1) throw new DeployError(failed.map((e) => e.message).join('\n  '));
  }

  get source(): string {
    return this.first.source;
  }

  describeChange(): string {
    return this.first.describeChange();
  }

  servers(text: string) {
    return this.first.servers(text);
  }

  render(text: string, servers: Parameters<BalancerDriver['render']>[1]): string {
    return this.first.render(text, servers);
  }

  async apply(current: string, next: string): Promise<ApplyResult> {
    if (this.members.length === 1) return this.first.apply(current, next);
    // Each host's own current text; the change is the same server list rendered into it
    // (identical files give identical results; a forced run over drift keeps each file's rest).
    const seen = this.lastRead?.[0]?.text === current ? this.lastRead : undefined;
    const targets = this.servers(next);
    const plans = this.members.map((m, i) => {
      const cur = seen?.[i]?.text ?? current;
      return { member: m, current: cur, next: cur === current ? next : m.render(cur, targets) };
    });

    const checked = await Promise.allSettled(plans.map((p) => p.member.validate(p.current, p.next)));
    const rejected = checked.flatMap((r, i) =>
      r.status === 'rejected' ? [`${plans[i]!.member.host}: ${messageOf(r.reason)}`] : [],
    );
    if (rejected.length > 0)
      throw new DeployError(
        `the change was refused by ${rejected.length} of ${plans.length} balancers, so none was changed:\n  ${rejected.join('\n  ')}`,
      );

    const applied = await Promise.allSettled(plans.map((p) => p.member.apply(p.current, p.next)));
    const failed = applied.flatMap((r, i) =>
      r.status === 'rejected' ? [{ plan: plans[i]!, reason: r.reason }] : [],
    );
    if (failed.length > 0) {
      const done = plans.filter((_, i) => applied[i]!.status === 'fulfilled');
      this.log.warn(
        `${failed.map((f) => f.plan.member.host).join(', ')} could not apply the change; putting ${done.map((p) => p.member.host).join(', ') || 'no other balancer'} back`,
      );
      const reverted = await Promise.allSettled(done.map((p) => p.member.revert(p.current)));
      const stuck = reverted.flatMap((r, i) =>
        r.status === 'rejected' ? [`${done[i]!.member.host}: ${messageOf(r.reason)}`] : [],
      );
      throw new DeployError(
        `${failed.map((f) => `${f.plan.member.host}: ${messageOf(f.reason)}`).join('\n  ')}\n  ${
          stuck.length
            ? `could NOT put back: ${stuck.join('; ')}`
            : `the other ${done.length} balancer(s) were put back`
        }`,
        failed[0]!.plan.member.host,
      );
    }
    const results = applied.map((r) => (r as PromiseFulfilledResult<ApplyResult>).value);
    return {
      reloadMs: Math.max(...results.map((r) => r.reloadMs)),
      drainMs: Math.max(...results.map((r) => r.drainMs)),
      undrained: results.reduce((n, r) => n + r.undrained, 0),
    };
  }
}
