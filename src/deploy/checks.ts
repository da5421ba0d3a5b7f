import http from 'node:http';
import https from 'node:https';
import type { Config } from '../config/schema.js';
import { systemClock, type Clock } from '../util/time.js';

// HTTP checks made by the machine running bluegreen, on a fresh connection each time so
// that every attempt really reaches the server (no keep-alive reuse).

export interface CheckResult {
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
  ms: number;
  attempts: number;
  headers?: http.IncomingHttpHeaders;
}

export type Checks = Config['checks'];

/** How the engine checks a URL: once, or until it passes. The real one is `httpChecker`. */
export interface Checker {
  once(url: string, checks: Checks): Promise<CheckResult>;
  withRetries(url: string, checks: Checks, signal?: AbortSignal): Promise<CheckResult>;
}

export function httpGet(
  url: string,
  timeoutMs: number,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(
      url,
      { agent: false, timeout: timeoutMs, headers: { 'user-agent': 'bluegreen-check' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs}ms`)));
    req.on('error', reject);
  });
}

/** One attempt: the status must match and the body must contain the expected text. */
export async function checkOnce(url: string, checks: Checks): Promise<CheckResult> {
  const started = Date.now();
  try {
    const res = await httpGet(url, checks.timeout);
    const problems: string[] = [];
    if (res.status !== checks.status) problems.push(`status ${res.status}, expected ${checks.status}`);
    if (checks.body !== undefined && !res.body.includes(checks.body))
      problems.push(`body ${JSON.stringify(res.body.slice(0, 80))} lacks ${JSON.stringify(checks.body)}`);
    return {
      ok: problems.length === 0,
      status: res.status,
      body: res.body,
      headers: res.headers,
      ms: Date.now() - started,
      attempts: 1,
      ...(problems.length ? { error: problems.join('; ') } : {}),
    };
  } catch (err) {
    return { ok: false, error: (err as Error).message, ms: Date.now() - started, attempts: 1 };
  }
}

/**
 * A Checker from a single-attempt check: `withRetries` tries until the check passes or
 * `retries` attempts were made, `interval` apart, and stops early once `signal` is aborted.
 */
export function retryingChecker(once: Checker['once'], clock: Clock = systemClock): Checker {
  return {
    once,
    async withRetries(url, checks, signal) {
      const started = clock.now();
      let last: CheckResult = { ok: false, error: 'not tried', ms: 0, attempts: 0 };
      for (let attempt = 1; attempt <= checks.retries; attempt++) {
        if (signal?.aborted) break;
        last = await once(url, checks);
        if (last.ok) return { ...last, attempts: attempt, ms: clock.now() - started };
        if (attempt < checks.retries) await clock.sleep(checks.interval);
      }
      return { ...last, attempts: checks.retries, ms: clock.now() - started };
    },
  };
}

/** Checks over HTTP from the machine running bluegreen. */
export const httpChecker: Checker = retryingChecker(checkOnce);

/** Where checks through the balancer go: checks.path on balancer.url. */
export function balancerCheckUrl(config: Config): string {
  return new URL(config.checks.path, config.balancer.url).toString();
}

export function hostUrl(address: string, port: number, path: string): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${port}${path}`;
}
