// What the load generator counts, and how counts become a JSON-serialisable report with
// per-window figures. One tally per (window, stream); windows and totals are merges of tallies.

export const STREAMS = ['freshGet', 'keepAliveGet', 'freshPost'] as const;
export type StreamName = (typeof STREAMS)[number];

/** The one class every request ends in (for a retried idle reset: the retry's class). */
export const OUTCOMES = [
  'ok',
  'non2xx',
  'unexpectedBody',
  'connectError',
  'timeout',
  'cut',
  'reset',
  'other',
] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** Outcomes that are failures a user would see (non-2xx is counted apart). */
export const FAILURES: readonly Outcome[] = [
  'unexpectedBody',
  'connectError',
  'timeout',
  'cut',
  'reset',
  'other',
];
/** Outcomes with a complete HTTP response: their latency is measured. */
const ANSWERED: readonly Outcome[] = ['ok', 'non2xx', 'unexpectedBody'];

export interface Latency {
  p50: number;
  p99: number;
  max: number;
}

export interface Counts {
  /** Requests put on the wire (a retry of an idle reset is part of its request, not another one). */
  sent: number;
  /** Slots of the schedule not sent because the stream had maxInFlight requests outstanding. */
  dropped: number;
  /** Sent, no outcome yet (only in a snapshot taken while the load runs). */
  pending: number;
  /** Complete HTTP responses of any status: ok + non2xx + unexpectedBody. */
  answered: number;
  ok: number;
  non2xx: number;
  unexpectedBody: number;
  connectError: number;
  timeout: number;
  cut: number;
  reset: number;
  other: number;
  /** Sum of the FAILURES classes. */
  failures: number;
  /** Resets of a request written to an idle pooled keep-alive socket, each retried once on a fresh connection. */
  idleResets: number;
  /** What those retries ended as (also counted in the classes above). */
  idleResetRetries: Partial<Record<Outcome, number>>;
  statuses: Record<string, number>;
  bodies: Record<string, number>;
  /** By the `x-server` response header. */
  servers: Record<string, number>;
  /** Of answered requests, ms, from the first send to the complete body. */
  latencyMs: Latency;
}

export interface WindowReport extends Counts {
  name: string;
  /** ms since the load started */
  startMs: number;
  endMs: number;
  durationMs: number;
  /** sent per second over the window */
  ratePerSecond: number;
  streams: Record<StreamName, Counts>;
}

export interface LoadReport {
  url: string;
  /** requests per second per stream, as asked */
  rates: Record<StreamName, number>;
  timeoutMs: number;
  maxInFlight: number;
  /** how bodies were checked: a list (given here), a predicate, or not at all */
  bodyCheck: { kind: 'list'; bodies: string[] } | { kind: 'predicate' } | { kind: 'none' };
  startedAt: string;
  durationMs: number;
  /** true once stop() has settled every request */
  stopped: boolean;
  /** how late the generator itself sent a request after its scheduled time, worst case (ms) */
  maxSendLagMs: number;
  windows: WindowReport[];
  total: WindowReport;
  /** the first failures and idle resets, for diagnosis */
  samples: string[];
}

/** Nearest-rank percentile of an ascending list (0 for an empty one). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

const BODY_KEY_CHARS = 200;
const MAX_DISTINCT_KEYS = 50;

/** Mutable counts of one stream in one window. */
export class Tally {
  sent = 0;
  dropped = 0;
  readonly outcomes: Record<Outcome, number> = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<
    Outcome,
    number
  >;
  idleResets = 0;
  readonly idleResetRetries: Partial<Record<Outcome, number>> = {};
  readonly statuses: Record<string, number> = {};
  readonly bodies: Record<string, number> = {};
  readonly servers: Record<string, number> = {};
  readonly latencies: number[] = [];

  record(r: {
    outcome: Outcome;
    ms: number;
    status?: number;
    body?: string;
    server?: string;
    idleReset: boolean;
  }) {
    this.outcomes[r.outcome]++;
    if (r.idleReset) {
      this.idleResets++;
      bump(this.idleResetRetries, r.outcome);
    }
    if (r.status !== undefined) bump(this.statuses, String(r.status));
    if (r.body !== undefined) bump(this.bodies, r.body.slice(0, BODY_KEY_CHARS));
    if (r.server !== undefined) bump(this.servers, r.server);
    if (ANSWERED.includes(r.outcome)) this.latencies.push(r.ms);
  }
}

function bump(into: Record<string, number>, key: string) {
  // a server answering a different body each time must not grow the report without end
  if (!(key in into) && Object.keys(into).length >= MAX_DISTINCT_KEYS) key = '(other)';
  into[key] = (into[key] ?? 0) + 1;
}

function addInto(into: Record<string, number>, from: Record<string, number | undefined>) {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + (v ?? 0);
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Counts of several tallies together (reads them, never changes them). */
export function countsOf(tallies: readonly Tally[]): Counts {
  const c: Counts = {
    sent: 0,
    dropped: 0,
    pending: 0,
    answered: 0,
    ...(Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>),
    failures: 0,
    idleResets: 0,
    idleResetRetries: {},
    statuses: {},
    bodies: {},
    servers: {},
    latencyMs: { p50: 0, p99: 0, max: 0 },
  };
  const latencies: number[] = [];
  for (const t of tallies) {
    c.sent += t.sent;
    c.dropped += t.dropped;
    for (const o of OUTCOMES) c[o] += t.outcomes[o];
    c.idleResets += t.idleResets;
    addInto(c.idleResetRetries, t.idleResetRetries);
    addInto(c.statuses, t.statuses);
    addInto(c.bodies, t.bodies);
    addInto(c.servers, t.servers);
    latencies.push(...t.latencies);
  }
  const settled = OUTCOMES.reduce((n, o) => n + c[o], 0);
  c.pending = c.sent - settled;
  c.answered = ANSWERED.reduce((n, o) => n + c[o], 0);
  c.failures = FAILURES.reduce((n, o) => n + c[o], 0);
  latencies.sort((a, b) => a - b);
  c.latencyMs = {
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? 0),
  };
  return c;
}

/** One window's report from its per-stream tallies. */
export function windowReport(
  name: string,
  startMs: number,
  endMs: number,
  tallies: Record<StreamName, readonly Tally[]>,
): WindowReport {
  const streams = Object.fromEntries(STREAMS.map((s) => [s, countsOf(tallies[s])])) as Record<
    StreamName,
    Counts
  >;
  const all = countsOf(STREAMS.flatMap((s) => tallies[s]));
  const durationMs = Math.max(0, endMs - startMs);
  return {
    name,
    startMs: round(startMs),
    endMs: round(endMs),
    durationMs: round(durationMs),
    ratePerSecond: durationMs > 0 ? round((all.sent * 1000) / durationMs) : 0,
    ...all,
    streams,
  };
}

/** Non-zero failure classes and drops, e.g. "cut 2, reset 1, dropped 3". */
export function failureSummary(c: Counts): string {
  const parts = FAILURES.filter((o) => c[o] > 0).map((o) => `${o} ${c[o]}`);
  if (c.dropped > 0) parts.push(`dropped ${c.dropped}`);
  if (c.pending > 0) parts.push(`pending ${c.pending}`);
  const retriesNotOk = c.idleResets - (c.idleResetRetries.ok ?? 0);
  if (retriesNotOk > 0) parts.push(`idle-reset retries failed ${retriesNotOk}`);
  return parts.join(', ');
}

/** A fixed-width table: one row per window and a total row. */
export function formatWindows(report: LoadReport): string {
  const header = ['window', 'sent', 'ok', 'non2xx', 'fail', 'idle', 'p50ms', 'p99ms', 'maxms', 'rate/s', ''];
  const row = (w: WindowReport) => [
    w.name,
    String(w.sent),
    String(w.ok),
    String(w.non2xx),
    String(w.failures),
    String(w.idleResets),
    w.latencyMs.p50.toFixed(1),
    w.latencyMs.p99.toFixed(1),
    w.latencyMs.max.toFixed(1),
    w.ratePerSecond.toFixed(1),
    failureSummary(w),
  ];
  const table = [header, ...report.windows.map(row), row({ ...report.total, name: 'total' })];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table
    .map((r) =>
      r
        .map((cell, i) =>
          i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
