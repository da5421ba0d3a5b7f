import type { ApplyResult, BalancerFacts, HostBalancer, UpstreamServer } from '../../src/balancer/driver.js';
import { NginxDriver } from '../../src/balancer/nginx.js';
import type { Config } from '../../src/config/schema.js';
import { DeployError } from '../../src/errors.js';
import { silentLogger } from '../../src/util/log.js';
import type { Journal } from './journal.js';

// A balancer whose file is text in memory, rendered and parsed by the real nginx driver (so
// diffs look real). It records validate/apply/revert in the journal and can be told to fail: at
// prepare (no workers found), at the test (file left as it was), at the reload (previous file
// restored), as the real drivers do; and to report connections that outlived
// balancer.drain_timeout (the switch goes ahead, as the real drivers do).

export type BalancerStep = 'prepare' | 'read' | 'test' | 'reload';

export class FakeBalancer implements HostBalancer {
  readonly type = 'nginx';
  /** Every text applied, in order (reverts included). */
  readonly applied: string[] = [];
  private readonly failures: { step: BalancerStep; message: string; left: number; skip: number }[] = [];
  private readonly cfg: Config['balancer'];
  /** Only its pure text operations are used: its shell refuses every command. */
  private readonly nginx: NginxDriver;

  constructor(
    readonly host: string,
    public text: string,
    config: Config,
    private readonly journal: Journal,
  ) {
    this.cfg = config.balancer;
    const noShell = {
      target: { name: host, host, port: 22 },
      exec: () => Promise.reject(new Error('the fake balancer runs no commands')),
    };
    this.nginx = new NginxDriver(noShell, config, silentLogger);
  }

  /** After `after` operations reach `step` and pass, the next `times` fail there with `message`. */
  failAt(step: BalancerStep, message = `${step} failed`, times = 1, after = 0): this {
    this.failures.push({ step, message, left: times, skip: after });
    return this;
  }

  /** The servers of the current file, as `host:port` (with `*weight`). */
  get serverList(): string[] {
    return this.servers(this.text).map(serverLabel);
  }

  /** Connections the next apply reports as still open at drain_timeout. */
  undrained = 0;

  prepare(): Promise<void> {
    const prepare = this.failure('prepare');
    if (prepare) return Promise.reject(this.error(`cannot find nginx's workers: ${prepare}`));
    return Promise.resolve();
  }

  get source(): string {
    return this.cfg.file ?? '/etc/nginx/conf.d/upstream.conf';
  }

  describeChange(): string {
    const { test, reload } = this.describeCommands();
    return `balancer: write ${this.source}, \`${test}\`, \`${reload}\``;
  }

  describeCommands(): { test: string; reload: string } {
    return { test: this.cfg.test ?? 'nginx -t', reload: this.cfg.reload ?? 'nginx -s reload' };
  }

  facts(): Promise<BalancerFacts> {
    return Promise.resolve({});
  }

  read(): Promise<string> {
    const read = this.failure('read');
    if (read) return Promise.reject(this.error(`cannot read ${this.cfg.file}: ${read}`));
    return Promise.resolve(this.text);
  }

  servers(text: string): UpstreamServer[] {
    return this.nginx.servers(text);
  }

  render(text: string, servers: UpstreamServer[]): string {
    return this.nginx.render(text, servers);
  }

  validate(current: string, next: string): Promise<void> {
    this.journal.add(`${this.host}: validate ${this.describe(next)}`);
    const test = this.failure('test');
    if (test)
      return Promise.reject(
        this.error(
          `\`${this.describeCommands().test}\` rejected the new config, previous file restored: ${test}`,
        ),
      );
    if (current !== this.text)
      return Promise.reject(new Error(`${this.host}: validate against a stale file`));
    return Promise.resolve();
  }

  apply(current: string, next: string): Promise<ApplyResult> {
    this.journal.add(`${this.host}: apply ${this.describe(next)}`);
    const test = this.failure('test');
    if (test)
      return Promise.reject(
        this.error(
          `\`${this.describeCommands().test}\` rejected the new upstream, previous file restored: ${test}`,
        ),
      );
    const reload = this.failure('reload');
    if (reload) {
      this.text = current;
      return Promise.reject(
        this.error(`\`${this.describeCommands().reload}\` failed, previous file restored: ${reload}`),
      );
    }
    this.text = next;
    this.applied.push(next);
    const undrained = this.undrained;
    this.undrained = 0;
    return Promise.resolve({ reloadMs: 0, drainMs: 0, undrained });
  }

  revert(previous: string): Promise<void> {
    this.journal.add(`${this.host}: revert to ${this.describe(previous)}`);
    this.text = previous;
    this.applied.push(previous);
    return Promise.resolve();
  }

  private describe(text: string): string {
    return this.servers(text).map(serverLabel).join(' ') || '(no servers)';
  }

  private failure(step: BalancerStep): string | undefined {
    const f = this.failures.find((x) => x.step === step && x.left > 0);
    if (!f) return undefined;
    if (f.skip > 0) {
      f.skip--;
      return undefined;
    }
    f.left--;
    return f.message;
  }

  private error(message: string): DeployError {
    return new DeployError(`balancer ${this.host}: ${message}`, this.host);
  }
}

export function serverLabel(s: UpstreamServer): string {
  return `${s.host}:${s.port}${s.weight !== undefined ? `*${s.weight}` : ''}`;
}
