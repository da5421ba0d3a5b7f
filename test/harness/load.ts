import http from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  STREAMS,
  Tally,
  failureSummary,
  windowReport,
  type LoadReport,
  type Outcome,
  type StreamName,
} from './report.js';

// An OPEN-loop load generator for measuring zero downtime through a balancer.
// Each stream sends on a fixed schedule (t0 + i/rate) whether or not earlier requests have
// answered, so a stall shows up as timeouts, drops and latency, never as a lower rate.
// Streams: freshGet (a new TCP connection per request: anything but 2xx is a failure a user
// sees), keepAliveGet (pooled keep-alive sockets, as browsers use), freshPost (never retried
// by a balancer, so a failure reaches the client). A reset of a request written to an idle
// pooled socket is retried once on a fresh connection, as browsers do; the retry's outcome
// counts. Every other error on any stream is a failure.

export { STREAMS, OUTCOMES, FAILURES, percentile, formatWindows, failureSummary } from './report.js';
export type { Counts, LoadReport, Outcome, StreamName, WindowReport, Latency } from './report.js';
export { assertZeroDowntime, type ZeroDowntimeRules } from './verdict.js';
export { openSse, openWebSocket, type SseResult, type WebSocketResult } from './long-lived.js';

export interface LoadOptions {
  url: string;
  /** Requests per second per stream; a stream left out (or 0) sends nothing. */
  rates: Partial<Record<StreamName, number>>;
  /** The schedule ends by itself after this long (default 120 s)… */
  maxDurationMs?: number;
  /** …or after this many slots (sent + dropped) over all streams (default 100 000). */
  maxRequests?: number;
  /** Outstanding requests per stream before further slots are dropped (default 256). */
  maxInFlight?: number;
  /** From the first send to the complete body, retry included (default 5000). */
  timeoutMs?: number;
  /** Sockets of the keep-alive stream's agent (default 16). */
  keepAliveSockets?: number;
  /** Any other body of a 2xx answer is a failure of class unexpectedBody. */
  expectBodies?: readonly string[] | ((body: string) => boolean);
  /** The JSON body of freshPost requests (default {"probe":true}). */
  postBody?: string;
  /** Name of the first window (default "start"). */
  firstWindow?: string;
}

export interface RunningLoad {
  /**
   * End the current window and start one named `name`; requests count in the window they were
   * SENT in. A window started after the load ended stays empty (assertZeroDowntime flags that).
   */
  mark(name: string): void;
  /** The report so far; changes nothing. */
  snapshot(): LoadReport;
  /** Stop sending, wait for outstanding requests (each ends by its timeout at the latest), report. */
  stop(): Promise<LoadReport>;
  /** The final report once the schedule has ended by itself (maxDurationMs/maxRequests) or stop() was called. */
  done: Promise<LoadReport>;
}

interface Attempt {
  outcome: Outcome;
  status?: number;
  body?: string;
  server?: string;
  detail?: string;
  /** the request went out on a socket the agent had kept idle in its pool */
  reusedSocket: boolean;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);
const MAX_SAMPLES = 30;

/** One HTTP exchange, classified. Resolves by `timeoutMs` at the latest. */
function attempt(
  url: URL,
  method: 'GET' | 'POST',
  agent: http.Agent | false,
  body: string | undefined,
  timeoutMs: number,
): Promise<Attempt> {
  return new Promise((resolve) => {
    let connected = false;
    let responded = false;
    let settled = false;
    const finish = (a: Omit<Attempt, 'reusedSocket'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...a, reusedSocket: req.reusedSocket });
    };
    const headers: http.OutgoingHttpHeaders = body
      ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
      : {};
    const req = http.request(url, { method, agent, headers });
    // settle in the timer itself: destroying the request must not be what ends the wait
    const timer = setTimeout(() => {
      finish({ outcome: 'timeout', detail: `no complete answer in ${timeoutMs}ms` });
      req.destroy();
    }, timeoutMs);
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    req.on('response', (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        bytes += c.length;
      });
      res.on('error', () => undefined); // 'aborted': classified on close below
      res.on('close', () => {
        const status = res.statusCode ?? 0;
        const length = res.headers['content-length'];
        if (!res.complete || (length !== undefined && Number(length) !== bytes))
          return finish({
            outcome: 'cut',
            status,
            detail: `status ${status}, body ended after ${bytes}${length === undefined ? '' : `/${length}`} bytes`,
          });
        const server = res.headers['x-server'];
        finish({
          outcome: status >= 200 && status < 300 ? 'ok' : 'non2xx',
          status,
          body: Buffer.concat(chunks).toString('utf8'),
          server: server === undefined ? undefined : String(server),
        });
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      if (responded) finish({ outcome: 'cut', detail: code });
      else if (!connected) finish({ outcome: 'connectError', detail: code });
      else if (RESET_CODES.has(code)) finish({ outcome: 'reset', detail: `${code} (${err.message})` });
      else finish({ outcome: 'other', detail: `${code} (${err.message})` });
    });
    req.end(body);
  });
}

interface Window {
  name: string;
  startMs: number;
  streams: Record<StreamName, Tally>;
}

export function startLoad(options: LoadOptions): RunningLoad {
  const url = new URL(options.url);
  const rates = Object.fromEntries(STREAMS.map((s) => [s, options.rates[s] ?? 0])) as Record<
    StreamName,
    number
  >;
  for (const s of STREAMS)
    if (!(rates[s] >= 0) || !Number.isFinite(rates[s]))
      throw new Error(`rates.${s}: expected a number ≥ 0, got ${rates[s]}`);
  const maxDurationMs = options.maxDurationMs ?? 120_000;
  const maxRequests = options.maxRequests ?? 100_000;
  const maxInFlight = options.maxInFlight ?? 256;
  const timeoutMs = options.timeoutMs ?? 5000;
  const postBody = options.postBody ?? '{"probe":true}';
  const expect = options.expectBodies;
  const bodyOk =
    expect === undefined
      ? () => true
      : typeof expect === 'function'
        ? expect
        : (b: string) => expect.includes(b);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.keepAliveSockets ?? 16 });

  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const newWindow = (name: string): Window => ({
    name,
    startMs: now(),
    streams: Object.fromEntries(STREAMS.map((s) => [s, new Tally()])) as Record<StreamName, Tally>,
  });
  const windows: Window[] = [newWindow(options.firstWindow ?? 'start')];
  const inFlight = Object.fromEntries(STREAMS.map((s) => [s, 0])) as Record<StreamName, number>;
  const outstanding = new Set<Promise<void>>();
  const timers = new Map<StreamName, NodeJS.Timeout>();
  const samples: string[] = [];
  let slots = 0;
  let maxSendLagMs = 0;
  let scheduleEndMs: number | undefined;
  let stopMs: number | undefined;
  let stopping: Promise<LoadReport> | undefined;
  let resolveDone: (r: LoadReport) => void = () => undefined;
  const done = new Promise<LoadReport>((resolve) => (resolveDone = resolve));
  const running = new Set(STREAMS.filter((s) => rates[s] > 0));

  const sample = (line: string) => {
    if (samples.length < MAX_SAMPLES) samples.push(line);
  };

  async function request(stream: StreamName, window: Window): Promise<void> {
    const sentAt = performance.now();
    const method = stream === 'freshPost' ? 'POST' : 'GET';
    const body = method === 'POST' ? postBody : undefined;
    let a = await attempt(url, method, stream === 'keepAliveGet' ? agent : false, body, timeoutMs);
    // Only a socket the agent took from its free pool counts (req.reusedSocket). A request that
    // waited in the agent's queue (all keepAliveSockets busy: a stall) gets the socket freed by
    // the previous request without that flag: a reset there stays a failure.
    const idleReset = a.outcome === 'reset' && a.reusedSocket;
    if (idleReset) {
      const first = a.detail;
      a = await attempt(url, method, false, body, Math.max(1, timeoutMs - (performance.now() - sentAt)));
      sample(`${window.name} ${stream}: idle keep-alive reset (${first}), retry ${a.outcome}`);
    }
    if (a.outcome === 'ok' && !bodyOk(a.body!)) {
      a = { ...a, outcome: 'unexpectedBody', detail: JSON.stringify(a.body!.slice(0, 80)) };
    }
    const ms = performance.now() - sentAt;
    if (a.outcome === 'non2xx') a.detail = `status ${a.status}`;
    if (a.outcome !== 'ok')
      sample(
        `${window.name} ${stream}: ${a.outcome}${a.detail ? ` ${a.detail}` : ''} at ${Math.round(sentAt - t0)}ms`,
      );
    window.streams[stream].record({ ...a, ms, idleReset });
  }

  function fire(stream: StreamName) {
    const window = windows.at(-1)!;
    const tally = window.streams[stream];
    if (inFlight[stream] >= maxInFlight) {
      tally.dropped++;
      return;
    }
    tally.sent++;
    inFlight[stream]++;
    const p: Promise<void> = request(stream, window).finally(() => {
      inFlight[stream]--;
      outstanding.delete(p);
    });
    outstanding.add(p);
  }

  function schedule(stream: StreamName) {
    const intervalMs = 1000 / rates[stream];
    let i = 0;
    const tick = () => {
      timers.delete(stream);
      if (stopMs !== undefined) return;
      // every slot that is due goes out now, however late the timer fired: open loop
      for (;;) {
        const due = i * intervalMs;
        if (due >= maxDurationMs || slots >= maxRequests) {
          running.delete(stream);
          if (running.size === 0) {
            scheduleEndMs = now();
            void stop();
          }
          return;
        }
        const lag = now() - due;
        if (lag < 0) break;
        maxSendLagMs = Math.max(maxSendLagMs, lag);
        slots++;
        i++;
        fire(stream);
      }
      timers.set(stream, setTimeout(tick, Math.max(0, i * intervalMs - now())));
    };
    tick();
  }

  function report(): LoadReport {
    const end = Math.min(stopMs ?? now(), scheduleEndMs ?? Infinity);
    const built = windows.map((w, k) => {
      const endMs = k + 1 < windows.length ? windows[k + 1]!.startMs : Math.max(w.startMs, end);
      return windowReport(w.name, w.startMs, endMs, talliesOf(w));
    });
    const total = windowReport(
      'total',
      0,
      Math.max(end, windows.at(-1)!.startMs),
      Object.fromEntries(STREAMS.map((s) => [s, windows.map((w) => w.streams[s])])) as Record<
        StreamName,
        Tally[]
      >,
    );
    return {
      url: options.url,
      rates,
      timeoutMs,
      maxInFlight,
      bodyCheck:
        expect === undefined
          ? { kind: 'none' }
          : typeof expect === 'function'
            ? { kind: 'predicate' }
            : { kind: 'list', bodies: [...expect] },
      startedAt,
      durationMs: Math.round(now()),
      stopped: stopMs !== undefined && outstanding.size === 0,
      maxSendLagMs: Math.round(maxSendLagMs * 10) / 10,
      windows: built,
      total,
      samples: [...samples],
    };
  }

  function stop(): Promise<LoadReport> {
    stopping ??= (async () => {
      stopMs = now();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      // every request settles by its own timeout timer: this wait is bounded
      while (outstanding.size > 0) await Promise.all([...outstanding]);
      agent.destroy();
      const final = report();
      resolveDone(final);
      return final;
    })();
    return stopping;
  }

  for (const s of running) schedule(s);
  if (running.size === 0) {
    scheduleEndMs = 0;
    void stop();
  }

  return {
    mark(name: string) {
      windows.push(newWindow(name));
    },
    snapshot: report,
    stop,
    done,
  };
}

const talliesOf = (w: Window) =>
  Object.fromEntries(STREAMS.map((s) => [s, [w.streams[s]]])) as Record<StreamName, Tally[]>;

/** One line for logs: totals, failure classes and the first samples. */
export function formatTotal(label: string, r: LoadReport): string {
  const t = r.total;
  const bodies = Object.entries(t.bodies)
    .map(([b, n]) => `${JSON.stringify(b)}×${n}`)
    .join(' ');
  const issues = failureSummary(t);
  return `${label}: ${t.sent} sent in ${(r.durationMs / 1000).toFixed(1)}s, ${t.ok} ok, ${t.non2xx} non-2xx, ${t.failures} failures${issues ? ` (${issues})` : ''}, ${t.idleResets} idle keep-alive resets; p50 ${t.latencyMs.p50}ms p99 ${t.latencyMs.p99}ms max ${t.latencyMs.max}ms; bodies ${bodies}`;
}
