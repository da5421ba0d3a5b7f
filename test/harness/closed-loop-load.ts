import http from 'node:http';

// A bounded load generator for measuring zero downtime through the balancer.
// Half the workers open a fresh connection per request: any error or non-2xx there is a
// real failure users would see. The other half reuse keep-alive connections: a reset on a
// reused idle connection at the instant of an nginx reload is an nginx property (see
// README), counted apart; any other error there is still a failure.

export interface LoadReport {
  requests: number;
  ok: number;
  non2xx: number;
  /** Errors on fresh connections, or on keep-alive connections other than a reused-socket reset. */
  errors: number;
  keepAliveResets: number;
  bodies: Record<string, number>;
  servers: Record<string, number>;
  statuses: Record<string, number>;
  errorSamples: string[];
  durationMs: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface LoadOptions {
  url: string;
  /** Concurrent workers (half fresh-connection, half keep-alive). */
  workers?: number;
  /** Target total request rate; each worker paces itself. */
  ratePerSecond?: number;
  /** Hard bounds: the load stops by itself at whichever comes first. */
  maxDurationMs?: number;
  maxRequests?: number;
}

export interface RunningLoad {
  stop(): Promise<LoadReport>;
  snapshot(): LoadReport;
}

export function startLoad(options: LoadOptions): RunningLoad {
  const workers = options.workers ?? 8;
  const rate = options.ratePerSecond ?? 200;
  const maxDuration = options.maxDurationMs ?? 120_000;
  const maxRequests = options.maxRequests ?? 100_000;
  const perWorkerGap = (1000 * workers) / rate;
  const started = Date.now();
  const latencies: number[] = [];
  const report: LoadReport = {
    requests: 0,
    ok: 0,
    non2xx: 0,
    errors: 0,
    keepAliveResets: 0,
    bodies: {},
    servers: {},
    statuses: {},
    errorSamples: [],
    durationMs: 0,
    latencyMs: { p50: 0, p99: 0, max: 0 },
  };
  let stopping = false;
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: workers });

  const one = (fresh: boolean) =>
    new Promise<void>((resolve) => {
      const t0 = Date.now();
      const req = http.get(options.url, { agent: fresh ? false : keepAlive, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          report.requests++;
          latencies.push(Date.now() - t0);
          const status = res.statusCode ?? 0;
          report.statuses[status] = (report.statuses[status] ?? 0) + 1;
          if (status >= 200 && status < 300) report.ok++;
          else report.non2xx++;
          report.bodies[body] = (report.bodies[body] ?? 0) + 1;
          const server = String(res.headers['x-server'] ?? '?');
          report.servers[server] = (report.servers[server] ?? 0) + 1;
          resolve();
        });
        res.on('error', () => undefined);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        report.requests++;
        if (!fresh && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE'))
          report.keepAliveResets++;
        else {
          report.errors++;
          if (report.errorSamples.length < 10)
            report.errorSamples.push(`${fresh ? 'fresh' : 'keep-alive'}: ${err.code ?? err.message}`);
        }
        resolve();
      });
    });

  const worker = async (fresh: boolean) => {
    while (!stopping && Date.now() - started < maxDuration && report.requests < maxRequests) {
      const t0 = Date.now();
      await one(fresh);
      const wait = perWorkerGap - (Date.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const all = Promise.all(Array.from({ length: workers }, (_, i) => worker(i % 2 === 0)));

  const finish = (): LoadReport => {
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    return {
      ...report,
      // copies: a snapshot must not change as the load goes on
      bodies: { ...report.bodies },
      servers: { ...report.servers },
      statuses: { ...report.statuses },
      errorSamples: [...report.errorSamples],
      durationMs: Date.now() - started,
      latencyMs: { p50: pct(50), p99: pct(99), max: sorted.at(-1) ?? 0 },
    };
  };
  return {
    snapshot: finish,
    async stop() {
      stopping = true;
      await all;
      keepAlive.destroy();
      return finish();
    },
  };
}

export function formatLoad(label: string, r: LoadReport): string {
  const bodies = Object.entries(r.bodies)
    .map(([b, n]) => `${JSON.stringify(b)}×${n}`)
    .join(' ');
  return `${label}: ${r.requests} requests in ${(r.durationMs / 1000).toFixed(1)}s, ${r.ok} 2xx, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.keepAliveResets} keep-alive resets at reload; p50 ${r.latencyMs.p50}ms p99 ${r.latencyMs.p99}ms; bodies ${bodies}`;
}
