import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  assertZeroDowntime,
  formatWindows,
  openSse,
  openWebSocket,
  percentile,
  startLoad,
  STREAMS,
} from '../harness/load.js';

// The open-loop load harness against real servers on 127.0.0.1 (random ports), one server
// behaviour per outcome class, then the example app as a child process.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TestServer {
  url: string;
  /** connections accepted so far */
  connections: number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<TestServer> {
  const server = http.createServer(handler);
  const t: TestServer = {
    url: '',
    connections: 0,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  server.on('connection', () => t.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  servers.push(t);
  return t;
}

function answer(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-length': Buffer.byteLength(body), 'x-server': 'test' });
  res.end(body);
}

const HELLO = 'hello\n';
const all = (rate: number) => ({ freshGet: rate, keepAliveGet: rate, freshPost: rate });

// each test has its own server and load, light enough to run side by side
describe.concurrent('startLoad: every outcome class is counted in its place', () => {
  it('(a) 200 with the expected body: ok on all three streams; POSTs carry their JSON body; keep-alive reuses', async () => {
    const posted: string[] = [];
    const s = await serve(async (req, res) => {
      let body = '';
      for await (const c of req) body += String(c);
      if (req.method === 'POST') posted.push(`${req.headers['content-length']} ${body}`);
      answer(res, 200, HELLO);
    });
    // 100/s for 300 ms: slots at 0, 10, … 290 ms → exactly 30 per stream, stopping by itself
    const report = await startLoad({ url: s.url, rates: all(100), maxDurationMs: 300, expectBodies: [HELLO] })
      .done;
    for (const stream of STREAMS) {
      expect(report.total.streams[stream]).toMatchObject({ sent: 30, ok: 30, failures: 0, non2xx: 0 });
    }
    expect(report.total).toMatchObject({ sent: 90, answered: 90, pending: 0, dropped: 0, idleResets: 0 });
    expect(report.total.bodies).toEqual({ [HELLO]: 90 });
    expect(report.total.servers).toEqual({ test: 90 });
    expect(report.total.statuses).toEqual({ '200': 90 });
    expect(posted).toEqual(Array(30).fill('14 {"probe":true}'));
    // 60 fresh connections; the 30 keep-alive requests shared at most 16 sockets
    expect(s.connections).toBeGreaterThanOrEqual(61);
    expect(s.connections).toBeLessThanOrEqual(60 + 16);
    expect(report.total.latencyMs.p50).toBeGreaterThan(0);
    expect(report.stopped).toBe(true);
    expect(assertZeroDowntime(report)).toEqual([]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('(b) 502: non2xx by status, not a failure', async () => {
    const s = await serve((_req, res) => answer(res, 502, 'bad gateway\n'));
    const report = await startLoad({ url: s.url, rates: { freshGet: 100 }, maxDurationMs: 200 }).done;
    expect(report.total).toMatchObject({ sent: 20, non2xx: 20, ok: 0, failures: 0, answered: 20 });
    expect(report.total.statuses).toEqual({ '502': 20 });
    expect(report.samples[0]).toMatch(/^start freshGet: non2xx status 502 at \d+ms$/);
  });

  it('(c) a stalled server: the schedule does not slow down (open loop); every request times out', async () => {
    const s = await serve(() => undefined); // never answers
    const started = performance.now();
    const load = startLoad({ url: s.url, rates: { freshGet: 100 }, maxDurationMs: 600, timeoutMs: 200 });
    await sleep(300);
    const mid = load.snapshot();
    const elapsed = performance.now() - started;
    // Slots are due at 0, 10, 20 … ms and every slot that is due goes out when the stream's
    // timer fires, so the count follows the clock, not the answers: never more than
    // floor(elapsed/10)+1, and at most 10 slots (100 ms: a busy CI event loop) fewer.
    // A closed loop with nothing answering would be stuck at one request per worker.
    const due = Math.floor(elapsed / 10) + 1;
    expect(mid.total.answered).toBe(0);
    expect(mid.total.sent).toBeLessThanOrEqual(due);
    expect(mid.total.sent).toBeGreaterThanOrEqual(due - 10);
    const report = await load.done;
    // the whole schedule: exactly rate × duration (slots due before 600 ms), none dropped
    // (≤ 21 outstanding < 256), every one timed out
    expect(report.total).toMatchObject({ sent: 60, dropped: 0, timeout: 60, failures: 60, answered: 0 });
    // the last slot (590 ms) times out at ≈ 790 ms
    expect(performance.now() - started).toBeLessThan(600 + 200 + 1000);
  });

  it('(c′) a stall past maxInFlight: the slots that cannot be sent are counted as dropped', async () => {
    const s = await serve(() => undefined);
    const report = await startLoad({
      url: s.url,
      rates: { freshGet: 100 },
      maxDurationMs: 200,
      maxInFlight: 5,
      timeoutMs: 300,
    }).done;
    expect(report.total).toMatchObject({ sent: 5, dropped: 15, timeout: 5 });
    expect(assertZeroDowntime(report, { bodiesUnchecked: true }).join('\n')).toMatch(
      /15 requests not sent because 5 were outstanding/,
    );
  });

  it('(d) a socket destroyed mid-body (content-length, chunked, FIN): cut', async () => {
    let n = 0;
    const s = await serve((req, res) => {
      const mode = n++ % 3;
      if (mode === 2)
        res.writeHead(200); // chunked
      else res.writeHead(200, { 'content-length': 100 });
      res.write('0123456789');
      setTimeout(() => (mode === 1 ? req.socket.end() : req.socket.destroy()), 5);
    });
    const report = await startLoad({ url: s.url, rates: all(50), maxDurationMs: 200 }).done;
    expect(report.total).toMatchObject({ sent: 30, cut: 30, failures: 30, answered: 0, idleResets: 0 });
    expect(report.samples.join('\n')).toMatch(/cut status 200, body ended after 10\/100 bytes/);
  });

  it('(f) a fresh connection reset after the request was read: a failure on every stream, never an idle reset', async () => {
    const s = await serve((req) => req.socket.resetAndDestroy());
    const report = await startLoad({ url: s.url, rates: all(50), maxDurationMs: 200 }).done;
    for (const stream of STREAMS)
      expect(report.total.streams[stream]).toMatchObject({
        sent: 10,
        reset: 10,
        failures: 10,
        idleResets: 0,
      });
    const violations = assertZeroDowntime(report, { bodiesUnchecked: true });
    expect(violations).toContain('freshGet: 10 failed requests (reset 10); by window: start 10');
    expect(violations).toContain('freshPost: 10 failed requests (reset 10); by window: start 10');
    expect(violations).toContain('keepAliveGet: 10 failed requests (reset 10); by window: start 10');
  });

  it('(f′) maxQueuedResets allows that many keep-alive resets that were not retried; the fresh streams stay failures', async () => {
    const s = await serve((req) => req.socket.resetAndDestroy());
    const report = await startLoad({ url: s.url, rates: all(50), maxDurationMs: 200 }).done;
    const allowed = assertZeroDowntime(report, { bodiesUnchecked: true, maxQueuedResets: 10 });
    expect(allowed.filter((v) => v.startsWith('keepAliveGet'))).toEqual([]);
    expect(allowed).toContain('freshGet: 10 failed requests (reset 10); by window: start 10');
    expect(assertZeroDowntime(report, { bodiesUnchecked: true, maxQueuedResets: 9 })).toContain(
      'keepAliveGet: 10 resets on a socket that was not idle in the pool (not retried), more than the 9 allowed; by window: start 10',
    );
  });

  it('(g) a refused port: connect errors', async () => {
    const s = await serve(() => undefined);
    await s.close(); // nothing listens there any more
    const report = await startLoad({ url: s.url, rates: all(50), maxDurationMs: 100 }).done;
    expect(report.total).toMatchObject({ sent: 15, connectError: 15, failures: 15 });
    expect(report.samples[0]).toMatch(/connectError ECONNREFUSED/);
  });

  it('(h) an unexpected body: a failure of its own class, with a list or a predicate', async () => {
    let n = 0;
    const s = await serve((_req, res) => answer(res, 200, n++ % 2 ? 'oops\n' : HELLO));
    for (const expectBodies of [[HELLO], (b: string) => b === HELLO]) {
      n = 0;
      const report = await startLoad({
        url: s.url,
        rates: { freshGet: 100 },
        maxDurationMs: 100,
        expectBodies,
      }).done;
      expect(report.total).toMatchObject({ sent: 10, ok: 5, unexpectedBody: 5, failures: 5, answered: 10 });
      expect(report.total.bodies).toEqual({ [HELLO]: 5, 'oops\n': 5 });
      const seen = Array.isArray(expectBodies) ? 'unexpected bodies seen: "oops\\n"×5' : 'all bodies seen';
      expect(assertZeroDowntime(report).join('\n')).toContain(`5 answers with an unexpected body (${seen}`);
    }
  });
});

// Whether a keep-alive socket is idle in the pool when a slot fires depends on when the
// previous answer arrived: these run on their own, with slots far apart.
describe('startLoad: idle keep-alive resets', () => {
  it('(e) idle keep-alive sockets closed as a request arrives: idle reset, retried once on a fresh connection, ok', async () => {
    const served = new WeakSet<Socket>();
    let closedOnArrival = 0;
    const s = await serve((req, res) => {
      if (served.has(req.socket)) {
        closedOnArrival++; // a reused socket: closed as the request arrives
        return req.socket.destroy();
      }
      served.add(req.socket);
      answer(res, 200, HELLO);
    });
    const report = await startLoad({
      url: s.url,
      rates: { keepAliveGet: 20 },
      maxDurationMs: 400,
      expectBodies: [HELLO],
    }).done;
    const t = report.total;
    expect(t.sent).toBe(8);
    expect(t.idleResets).toBeGreaterThanOrEqual(1);
    expect(t.idleResets).toBe(closedOnArrival);
    expect(t).toMatchObject({ ok: 8, failures: 0, reset: 0 });
    expect(t.idleResetRetries).toEqual({ ok: t.idleResets });
    expect(report.samples.join('\n')).toMatch(
      /keepAliveGet: idle keep-alive reset \(ECONNRESET.*\), retry ok/,
    );
    expect(assertZeroDowntime(report, { maxIdleResets: t.idleResets })).toEqual([]);
    expect(assertZeroDowntime(report, { maxIdleResets: 0 })).toEqual([
      `${t.idleResets} idle keep-alive resets, more than the 0 allowed; by window: start ${t.idleResets}`,
    ]);
  });

  it('(e′) an idle reset whose retry fails is a failure, and stop() stays bounded by the timeout', async () => {
    let first: Socket | undefined;
    let reused = false;
    const s = await serve((req, res) => {
      first ??= req.socket;
      if (req.socket !== first) return; // every later connection stalls, the retry's too
      if (reused) return req.socket.destroy(); // the first socket, reused: closed as the request arrives
      reused = true;
      answer(res, 200, HELLO);
    });
    const started = performance.now();
    // slots at 0 and 200 ms: #1 opens the socket, #2 reuses it (reset → the retry stalls)
    const report = await startLoad({
      url: s.url,
      rates: { keepAliveGet: 5 },
      maxDurationMs: 250,
      timeoutMs: 300,
      expectBodies: [HELLO],
    }).done;
    expect(performance.now() - started).toBeLessThan(200 + 300 + 1000);
    expect(report.total).toMatchObject({ sent: 2, ok: 1, timeout: 1, idleResets: 1, failures: 1 });
    expect(report.total.idleResetRetries).toEqual({ timeout: 1 });
    expect(assertZeroDowntime(report, { maxIdleResets: 1 })).toEqual([
      'keepAliveGet: 1 failed requests (timeout 1); by window: start 1',
      '1 of 1 idle-reset retries did not end ok (timeout 1)',
    ]);
  });
});

describe('startLoad: windows, stop, snapshots and the verdict', () => {
  it('attributes a request to the window it was sent in, even when it is answered in the next', async () => {
    const s = await serve((_req, res) => void setTimeout(() => answer(res, 200, HELLO), 150));
    const load = startLoad({ url: s.url, rates: { freshGet: 50 }, firstWindow: 'a', expectBodies: [HELLO] });
    await sleep(300);
    load.mark('b');
    const atMark = load.snapshot();
    const frozen = JSON.stringify(atMark);
    await sleep(300);
    const report = await load.stop();
    const [a, b] = report.windows;
    expect(atMark.windows[0]!.pending).toBeGreaterThan(0); // answered after the mark…
    expect(a).toMatchObject({ name: 'a', pending: 0, failures: 0 }); // …and still counted in a
    expect(a!.answered).toBe(a!.sent);
    expect(b!.answered).toBe(b!.sent);
    expect(a!.sent + b!.sent).toBe(report.total.sent);
    expect(a!.latencyMs.p50).toBeGreaterThanOrEqual(150);
    expect(a!.ratePerSecond).toBeGreaterThan(40);
    expect(a!.ratePerSecond).toBeLessThan(60);
    expect(JSON.stringify(atMark)).toBe(frozen); // a snapshot is not changed by what follows
    expect(assertZeroDowntime(atMark).join('\n')).toMatch(/requests still pending/);
    const table = formatWindows(report).split('\n');
    expect(table[0]).toMatch(/^window\s+sent\s+ok\s+non2xx\s+fail\s+idle\s+p50ms\s+p99ms\s+maxms\s+rate\/s$/);
    expect(table.map((l) => l.split(/\s+/)[0])).toEqual(['window', 'a', 'b', 'total']);
    expect(table[3]).toMatch(
      new RegExp(`^total\\s+${report.total.sent}\\s+${report.total.ok}\\s+0\\s+0\\s+0\\s`),
    );
  });

  it('stop() returns within timeout + 1 s while every request stalls; the stopped load counts them as timeouts', async () => {
    const s = await serve(() => undefined);
    const load = startLoad({ url: s.url, rates: all(50), timeoutMs: 400 });
    await sleep(200);
    const stopping = performance.now();
    const report = await load.stop();
    expect(performance.now() - stopping).toBeLessThan(400 + 1000);
    expect(report.stopped).toBe(true);
    expect(report.total.sent).toBeGreaterThan(0);
    expect(report.total).toMatchObject({ pending: 0, timeout: report.total.sent });
    expect(await load.stop()).toBe(report); // idempotent
    load.mark('late'); // a window after the end stays empty, and says so
    expect(assertZeroDowntime(load.snapshot(), { bodiesUnchecked: true, maxDropped: 0 })).toContain(
      'the last window "late" has no answered requests: the load did not run to the end',
    );
  });

  it('assertZeroDowntime: non-2xx, unchecked bodies, and the latency rule per named window', async () => {
    let status = 200;
    let delayMs = 0;
    const s = await serve((_req, res) => {
      const [st, ms] = [status, delayMs]; // as the request arrives
      setTimeout(() => answer(res, st, HELLO), ms);
    });
    const load = startLoad({ url: s.url, rates: { freshGet: 50, freshPost: 50 }, firstWindow: 'steady' });
    // the server changes 100 ms into a gap window: by then every request sent in the window
    // before has arrived
    await sleep(300);
    load.mark('gap');
    await sleep(100);
    delayMs = 600; // far over 3 × a loopback p99 + 50 ms
    load.mark('slow');
    await sleep(200);
    [status, delayMs] = [503, 0];
    load.mark('broken');
    await sleep(150);
    const report = await load.stop();
    const violations = assertZeroDowntime(report, {
      latency: { steady: 'steady', windows: ['slow', 'nowhere'] },
    });
    expect(violations).toHaveLength(4);
    // the last requests of "slow" may arrive after the switch: they count in "slow"
    expect(violations[0]).toMatch(/^(\d+) non-2xx answers \(503×\1\); by window: (slow \d+, )?broken \d+$/);
    expect(violations[1]).toBe('the load ran without expectBodies: nothing checked what the answers said');
    expect(violations[2]).toMatch(
      /^window "slow": p99 [\d.]+ms > 3 × [\d.]+ms \(p99 of "steady"\) \+ 50ms = [\d.]+ms$/,
    );
    expect(report.windows[2]!.latencyMs.p99).toBeGreaterThanOrEqual(600);
    expect(violations[3]).toBe('latency rule: no window named "nowhere"');
    // a window where containers start gets 150 ms of slack instead of 50
    const starting = assertZeroDowntime(report, {
      latency: { steady: 'steady', windows: ['slow'], starting: ['slow', 'other'] },
      bodiesUnchecked: true,
    });
    expect(starting).toEqual([
      violations[0],
      'latency rule: "other" is starting but not one of the windows',
      expect.stringMatching(
        /^window "slow": p99 [\d.]+ms > 3 × [\d.]+ms \(p99 of "steady"\) \+ 150ms = [\d.]+ms$/,
      ),
    ]);
    // a steady p99 given as a number: 3 × 1000 + 50 ms leaves room for 600 ms
    expect(
      assertZeroDowntime(report, { latency: { steady: 1000, windows: ['slow'] }, bodiesUnchecked: true }),
    ).toEqual([violations[0]]);
  });

  it('percentile: nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 99), percentile(xs, 100), percentile([], 50)]).toEqual([
      50, 99, 100, 0,
    ]);
    expect(percentile([7], 99)).toBe(7);
  });

  it('rejects a negative or non-numeric rate, naming the stream', () => {
    expect(() => startLoad({ url: 'http://127.0.0.1:1/', rates: { freshPost: -1 } })).toThrow(
      'rates.freshPost: expected a number ≥ 0, got -1',
    );
  });
});

// ------------------------------------------------------------------ the example app
const APP = resolve('examples/app/app.js');
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
});

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

interface RunningApp {
  child: ChildProcess;
  base: string;
  ws: string;
  exited: Promise<{ code: number | null; at: number }>;
  output: () => string;
}

/** Starts the app on 127.0.0.1 and resolves once it says it listens. */
async function startApp(script = APP, env: Record<string, string> = {}): Promise<RunningApp> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      APP_VERSION: '3.1.4',
      GREETING: 'Hi',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const exited = new Promise<{ code: number | null; at: number }>((r) =>
    child.on('exit', (code) => r({ code, at: performance.now() })),
  );
  await new Promise<void>((ready, fail) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`listening on 127.0.0.1:${port}`)) ready();
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    void exited.then(() => fail(new Error(`app exited before listening:\n${output}`)));
  });
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    exited,
    output: () => output,
  };
}

function get(url: string, init: { method?: string; body?: string } = {}) {
  return new Promise<{ status: number; body: string }>((ok, fail) => {
    const req = http.request(url, { method: init.method ?? 'GET', agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += String(c)));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end(init.body);
  });
}

describe('examples/app under the harness', () => {
  it('answers GET and POST alike, streams events to their end, echoes over a WebSocket', async () => {
    const app = await startApp();
    const load = startLoad({
      url: `${app.base}/any/path`,
      rates: all(50),
      maxDurationMs: 200,
      expectBodies: ['Hi\n'],
    });
    const [report, sse, ws] = await Promise.all([
      load.done,
      openSse(`${app.base}/events`, { seconds: 0.5 }),
      openWebSocket(app.ws, { messages: 5, intervalMs: 10 }),
    ]);
    expect(report.total).toMatchObject({ sent: 30, ok: 30 });
    expect(report.total.servers).toEqual({ '127.0.0.1': 30 });
    expect(assertZeroDowntime(report)).toEqual([]);
    // a large POST is read to its end before the answer
    expect(await get(`${app.base}/`, { method: 'POST', body: 'x'.repeat(200_000) })).toEqual({
      status: 200,
      body: 'Hi\n',
    });
    expect(sse).toMatchObject({
      outcome: 'served',
      served: true,
      events: 5,
      inOrder: true,
      versions: ['3.1.4'],
    });
    expect(ws).toMatchObject({ outcome: 'clean', clean: true, echoed: 5, closeCode: 1000, version: '3.1.4' });
    for (const bad of ['0', '601', 'x'])
      expect(await openSse(`${app.base}/events?seconds=${bad}`)).toMatchObject({
        outcome: 'non2xx',
        status: 400,
      });
    expect(await get(`${app.base}/ws`)).toMatchObject({ status: 426 });
  });

  it('on SIGTERM: refuses new connections, serves open event streams to their end, then says goodbye to WebSockets and exits', async () => {
    const app = await startApp();
    const streamsOpen: Promise<void>[] = [];
    const open = <T>(start: (onOpen: () => void) => Promise<T>) => {
      let ready!: () => void;
      streamsOpen.push(new Promise<void>((r) => (ready = r)));
      return start(() => ready());
    };
    const long = open((onOpen) => openSse(`${app.base}/events`, { seconds: 0.8, onOpen }));
    const short = open((onOpen) => openSse(`${app.base}/events`, { seconds: 0.4, onOpen }));
    const ws = open((onOpen) => openWebSocket(app.ws, { messages: 200, intervalMs: 10, onOpen }));
    await Promise.all(streamsOpen);
    const signalled = performance.now();
    app.child.kill('SIGTERM');
    // new connections are refused while the streams still run
    let refused = false;
    for (let i = 0; i < 50 && !refused; i++) {
      refused = await get(`${app.base}/`).then(
        () => false,
        (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED',
      );
      if (!refused) await sleep(10);
    }
    expect(refused).toBe(true);
    const [l, s, w, exit] = await Promise.all([long, short, ws, app.exited]);
    expect(performance.now() - signalled).toBeLessThan(800 + 1000);
    expect(l).toMatchObject({ outcome: 'served', events: 8, inOrder: true });
    expect(s).toMatchObject({ outcome: 'served', events: 4, inOrder: true });
    expect(w).toMatchObject({ outcome: 'closedByServer', closeCode: 1001, clean: false });
    // it kept echoing through the drain; only what was in flight at the goodbye is missing
    expect(w.echoed).toBeGreaterThan(0);
    expect(w.sent - w.echoed).toBeLessThanOrEqual(3);
    expect(exit.code).toBe(0);
    expect(app.output()).toMatch(/SIGTERM: closing server, 2 event stream\(s\) to finish in \d+ms/);
  });

  it('runs without ws (no node_modules above it): /ws answers 501', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluegreen-app-'));
    try {
      copyFileSync(APP, join(dir, 'app.js'));
      copyFileSync(resolve('examples/app/package.json'), join(dir, 'package.json'));
      const app = await startApp(join(dir, 'app.js'));
      expect(await get(`${app.base}/ws`)).toEqual({ status: 501, body: 'ws is not installed\n' });
      expect(await openWebSocket(app.ws, { messages: 1 })).toMatchObject({
        outcome: 'rejected',
        status: 501,
      });
      expect(await get(`${app.base}/`)).toEqual({ status: 200, body: 'Hi\n' });
      expect(app.output()).toContain('the ws package is not installed: /ws answers 501');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
