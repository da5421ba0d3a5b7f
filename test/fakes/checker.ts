import { retryingChecker, type Checker, type CheckResult, type Checks } from '../../src/deploy/checks.js';
import type { Clock } from '../../src/util/time.js';
import type { Journal } from './journal.js';

// Virtual time: sleeping advances it at once, so retries and sampling loops run instantly.
export class FakeClock implements Clock {
  constructor(private t = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
    await Promise.resolve();
  }
}

export type CheckAnswer = Partial<CheckResult> | ((url: string) => Partial<CheckResult>);

/**
 * HTTP checks answered by scripted responders (by URL); by default every check passes.
 * Each attempt takes `latencyMs` of virtual time. Retries go through the real retry loop.
 */
export class FakeChecker implements Checker {
  readonly urls: string[] = [];
  latencyMs = 10;
  private readonly responders: { url: RegExp; answer: CheckAnswer; left: number }[] = [];
  private readonly retrying: Checker;

  constructor(
    private readonly clock: FakeClock,
    private readonly journal: Journal,
  ) {
    this.retrying = retryingChecker((url, checks) => this.once(url, checks), clock);
  }

  /** Answers checks of URLs matching `url`, `times` times (default: always); the newest responder answers. */
  on(url: RegExp, answer: CheckAnswer, times = Infinity): this {
    this.responders.unshift({ url, answer, left: times });
    return this;
  }

  /** Checks of `url` fail with `error` (a status 500 by default). */
  fail(url: RegExp, error = 'status 500, expected 200', times = Infinity): this {
    return this.on(url, { ok: false, status: 500, error }, times);
  }

  once(url: string, checks: Checks): Promise<CheckResult> {
    this.clock.advance(this.latencyMs);
    this.urls.push(url);
    const r = this.responders.find((x) => x.left > 0 && x.url.test(url));
    if (r) r.left--;
    const answer = r ? (typeof r.answer === 'function' ? r.answer(url) : r.answer) : {};
    const result: CheckResult = {
      ok: true,
      status: checks.status,
      ms: this.latencyMs,
      attempts: 1,
      ...answer,
    };
    this.journal.add(`check ${url} ${result.ok ? 'ok' : `failed: ${result.error}`}`);
    return Promise.resolve(result);
  }

  withRetries(url: string, checks: Checks, signal?: AbortSignal): Promise<CheckResult> {
    return this.retrying.withRetries(url, checks, signal);
  }
}
