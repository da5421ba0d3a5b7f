// Seed web app for bluegreen: answers "${GREETING}\n" on every path, to GET and to POST.
// Runtime knobs (for fault tests): PORT, HOST, STATUS, STARTUP_DELAY_MS, RESPONSE_DELAY_MS, EXIT_AT_START=1.
// Long-lived endpoints (to show what a switch does to open connections):
//   GET /events?seconds=N  server-sent events, one every 100 ms for N s (≤ 600), then `event: end`
//   /ws                    WebSocket echo (needs the `ws` package; answers 501 without it)
// SIGTERM: stop accepting, let open event streams run to their end, close WebSockets (1001), exit.
import http from 'node:http';

const port = Number(process.env.PORT || 8000);
const host = process.env.HOST || '0.0.0.0';
const greeting = process.env.GREETING ?? 'Hello World';
const status = Number(process.env.STATUS || 200);
const version = process.env.APP_VERSION || 'unknown';
const startupDelayMs = Number(process.env.STARTUP_DELAY_MS || 0);
const responseDelayMs = Number(process.env.RESPONSE_DELAY_MS || 0);
const EVENT_INTERVAL_MS = 100;
const MAX_EVENT_SECONDS = 600;

if (process.env.EXIT_AT_START === '1') {
  console.error('EXIT_AT_START=1: exiting with status 1');
  process.exit(1);
}

// ws is optional: the image carries a vendored copy (see README); without it /ws answers 501.
const ws = await import('ws').catch(() => undefined);
if (!ws) console.warn('the ws package is not installed: /ws answers 501');
const sockets = ws ? new ws.WebSocketServer({ noServer: true }) : undefined;
sockets?.on('headers', (lines, req) =>
  lines.push(`X-Server: ${req.socket.localAddress}`, `X-Version: ${version}`),
);
sockets?.on('connection', (socket) =>
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })),
);

let closing = false;
/** Open event streams and when each ends (Date.now() ms): the drain waits for them. */
const streams = new Map();

function headers(req, extra) {
  return {
    'X-Server': String(req.socket.localAddress),
    'X-Version': version,
    // while draining, every answer closes its connection so that nothing new arrives on it
    ...(closing ? { Connection: 'close' } : {}),
    ...extra,
  };
}

function answer(req, res, code, body) {
  res.writeHead(
    code,
    headers(req, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }),
  );
  res.end(body);
}

function events(req, res, url) {
  const seconds = Number(url.searchParams.get('seconds') ?? 5);
  if (!(seconds > 0 && seconds <= MAX_EVENT_SECONDS))
    return answer(req, res, 400, `seconds must be a number in (0, ${MAX_EVENT_SECONDS}]\n`);
  const count = Math.max(1, Math.round((seconds * 1000) / EVENT_INTERVAL_MS));
  res.writeHead(
    200,
    headers(req, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    }),
  );
  res.flushHeaders();
  let seq = 0;
  const timer = setInterval(() => {
    seq++;
    res.write(`id: ${seq}\ndata: ${JSON.stringify({ version, seq })}\n\n`);
    if (seq < count) return;
    res.end(`event: end\ndata: ${JSON.stringify({ version, events: seq })}\n\n`);
    finished();
  }, EVENT_INTERVAL_MS);
  const finished = () => {
    clearInterval(timer);
    streams.delete(res);
    if (closing) releaseWebSockets();
  };
  streams.set(res, Date.now() + count * EVENT_INTERVAL_MS);
  res.on('close', finished);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://app');
  if (url.pathname === '/events' && req.method === 'GET') return events(req, res, url);
  if (url.pathname === '/ws')
    return answer(req, res, ws ? 426 : 501, ws ? 'WebSocket upgrade required\n' : 'ws is not installed\n');
  // a POST is read to its end and answered like a GET, so it passes the same body checks
  try {
    for await (const _ of req);
  } catch {
    return; // the client went away mid-body
  }
  if (responseDelayMs > 0) await new Promise((r) => setTimeout(r, responseDelayMs));
  answer(req, res, status, `${greeting}\n`);
});

if (sockets)
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://app').pathname !== '/ws' || closing) {
      socket.end(
        `HTTP/1.1 ${closing ? 503 : 404} ${closing ? 'Service Unavailable' : 'Not Found'}\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    sockets.handleUpgrade(req, socket, head, (client) => sockets.emit('connection', client, req));
  });

// While draining: once no event stream is open any more, WebSockets (which have no natural
// end) are told to go away (1001). The process exits when the last connection has closed.
function releaseWebSockets() {
  if (streams.size > 0) return;
  for (const client of sockets?.clients ?? []) client.close(1001, 'server shutting down');
}

function shutdown(signal) {
  if (closing) return;
  closing = true;
  const drainMs = Math.max(0, ...[...streams.values()].map((end) => end - Date.now()));
  console.log(`${signal}: closing server, ${streams.size} event stream(s) to finish in ${drainMs}ms`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  releaseWebSockets();
  // whatever still hangs (a stalled client, a WebSocket that never answers the close) is cut
  setTimeout(() => process.exit(0), drainMs + 5000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

setTimeout(() => {
  server.listen(port, host, () => {
    console.log(`app ${version} listening on ${host}:${port} (status ${status})`);
  });
}, startupDelayMs);
