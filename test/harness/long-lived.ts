import http from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { percentile, type Latency } from './report.js';

// Clients of long-lived connections, to see what a switch does to connections opened before
// it: an SSE stream (the example app's GET /events) and a WebSocket echo (its /ws). Each
// returns a promise of its result; start them before a switch and await them after it.

export interface SseResult {
  url: string;
  status?: number;
  /** the `x-server` header of the answer */
  server?: string;
  /** the versions the events name, in the order first seen */
  versions: string[];
  /** data events received (the final `end` not included) */
  events: number;
  /** the events' sequence numbers came as 1, 2, 3… without a gap */
  inOrder: boolean;
  /** the stream ended with the server's `event: end`: served to its end */
  served: boolean;
  outcome: 'served' | 'cut' | 'non2xx' | 'connectError' | 'timeout' | 'error';
  detail?: string;
  /** ms from opening to the first event, and to the end */
  firstEventMs?: number;
  durationMs: number;
}

export interface SseOptions {
  /** sets the `seconds` query parameter (the app's default is 5) */
  seconds?: number;
  /** give up (outcome timeout) after this long; default seconds + 10 s */
  timeoutMs?: number;
  /** called when the stream is open (a 2xx answer's headers arrived): a switch can start then */
  onOpen?: () => void;
}

export function openSse(url: string, options: SseOptions = {}): Promise<SseResult> {
  const target = new URL(url);
  if (options.seconds !== undefined) target.searchParams.set('seconds', String(options.seconds));
  const timeoutMs = options.timeoutMs ?? ((options.seconds ?? 5) + 10) * 1000;
  const opened = performance.now();
  const r: SseResult = {
    url: target.href,
    versions: [],
    events: 0,
    inOrder: true,
    served: false,
    outcome: 'cut',
    durationMs: 0,
  };
  return new Promise((resolve) => {
    let done = false;
    let connected = false;
    const finish = (outcome: SseResult['outcome'], detail?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      r.outcome = outcome;
      if (detail) r.detail = detail;
      r.durationMs = Math.round(performance.now() - opened);
      req.destroy();
      resolve(r);
    };
    const onEvent = (type: string, data: string) => {
      let parsed: { version?: string; seq?: number } = {};
      try {
        parsed = JSON.parse(data) as typeof parsed;
      } catch {
        /* not JSON: counted, names no version */
      }
      if (parsed.version !== undefined && !r.versions.includes(parsed.version))
        r.versions.push(parsed.version);
      if (type === 'end') {
        r.served = true;
        return;
      }
      r.events++;
      r.firstEventMs ??= Math.round(performance.now() - opened);
      if (parsed.seq !== r.events) r.inOrder = false;
    };
    const req = http.get(target, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      r.status = res.statusCode ?? 0;
      if (res.headers['x-server'] !== undefined) r.server = String(res.headers['x-server']);
      if (r.status < 200 || r.status >= 300) {
        res.resume();
        return finish('non2xx', `status ${r.status}`);
      }
      options.onOpen?.();
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        // events are separated by a blank line; the last piece may be incomplete
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop()!;
        for (const block of blocks) {
          let type = 'message';
          const data: string[] = [];
          for (const line of block.split(/\r?\n/)) {
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'event') type = value;
            else if (field === 'data') data.push(value);
          }
          if (data.length > 0) onEvent(type, data.join('\n'));
        }
      });
      res.on('error', () => undefined);
      res.on('close', () =>
        r.served && res.complete
          ? finish('served')
          : finish('cut', `ended after ${r.events} events without event: end`),
      );
    });
    req.on('socket', (s) =>
      s.connecting ? s.once('connect', () => (connected = true)) : (connected = true),
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(connected ? 'error' : 'connectError', err.code ?? err.message),
    );
    const timer = setTimeout(() => finish('timeout', `no end after ${timeoutMs}ms`), timeoutMs);
  });
}

export interface WebSocketResult {
  url: string;
  opened: boolean;
  /** status of a refused upgrade (e.g. 501 from an app without ws) */
  status?: number;
  /** `x-server` and `x-version` headers of the upgrade answer */
  server?: string;
  version?: string;
  sent: number;
  echoed: number;
  allEchoed: boolean;
  closeCode?: number;
  closeReason?: string;
  /** all echoes came back and the close we asked for completed with 1000 */
  clean: boolean;
  /** clean; closedByServer: the server sent a close frame first (e.g. 1001 going away); cut: no close frame */
  outcome: 'clean' | 'closedByServer' | 'cut' | 'connectError' | 'rejected' | 'timeout';
  detail?: string;
  /** echo round trips */
  rttMs: Latency;
  durationMs: number;
}

export interface WebSocketOptions {
  /** messages to send, one every intervalMs, each waiting for its echo (default 10, 100 ms) */
  messages?: number;
  intervalMs?: number;
  /** beyond messages × intervalMs, give up (outcome timeout) after this long (default 5000) */
  timeoutMs?: number;
  /** called once the upgrade succeeded: a switch can start then */
  onOpen?: () => void;
}

export function openWebSocket(url: string, options: WebSocketOptions = {}): Promise<WebSocketResult> {
  const messages = options.messages ?? 10;
  const intervalMs = options.intervalMs ?? 100;
  const timeoutMs = options.timeoutMs ?? 5000;
  const opened = performance.now();
  const sentAt = new Map<number, number>();
  const rtts: number[] = [];
  const r: WebSocketResult = {
    url,
    opened: false,
    sent: 0,
    echoed: 0,
    allEchoed: false,
    clean: false,
    outcome: 'cut',
    rttMs: { p50: 0, p99: 0, max: 0 },
    durationMs: 0,
  };
  return new Promise((resolve) => {
    let closing = false; // we asked for the close
    let timedOut = false;
    let sender: NodeJS.Timeout | undefined;
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const timer = setTimeout(
      () => {
        timedOut = true;
        ws.terminate();
      },
      messages * intervalMs + timeoutMs,
    );
    const closeIfDone = () => {
      if (r.sent === messages && r.echoed === messages && !closing) {
        closing = true;
        ws.close(1000, 'done');
      }
    };
    ws.on('upgrade', (res) => {
      if (res.headers['x-server'] !== undefined) r.server = String(res.headers['x-server']);
      if (res.headers['x-version'] !== undefined) r.version = String(res.headers['x-version']);
    });
    ws.on('open', () => {
      r.opened = true;
      options.onOpen?.();
      const send = () => {
        if (r.sent >= messages) return clearInterval(sender);
        r.sent++;
        sentAt.set(r.sent, performance.now());
        ws.send(String(r.sent));
      };
      send();
      sender = setInterval(send, intervalMs);
      closeIfDone();
    });
    ws.on('message', (data) => {
      const n = Number(data.toString('utf8'));
      const t = sentAt.get(n);
      if (t === undefined) return; // not one of ours: not an echo
      sentAt.delete(n);
      rtts.push(performance.now() - t);
      r.echoed++;
      closeIfDone();
    });
    ws.on('error', (err) => {
      r.detail = err.code ?? err.message;
      const refused = /Unexpected server response: (\d+)/.exec(err.message);
      if (refused) r.status = Number(refused[1]);
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      clearInterval(sender);
      r.closeCode = code;
      r.closeReason = reason.toString('utf8');
      r.allEchoed = r.echoed === messages;
      r.clean = r.opened && r.allEchoed && closing && code === 1000;
      r.outcome = timedOut
        ? 'timeout'
        : !r.opened
          ? r.status !== undefined
            ? 'rejected'
            : 'connectError'
          : r.clean
            ? 'clean'
            : code !== 1005 && code !== 1006 && !closing
              ? 'closedByServer'
              : 'cut';
      rtts.sort((a, b) => a - b);
      const round = (ms: number) => Math.round(ms * 10) / 10;
      r.rttMs = {
        p50: round(percentile(rtts, 50)),
        p99: round(percentile(rtts, 99)),
        max: round(rtts.at(-1) ?? 0),
      };
      r.durationMs = Math.round(performance.now() - opened);
      resolve(r);
    });
  });
}
