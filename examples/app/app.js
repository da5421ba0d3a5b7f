// Seed web app for bluegreen: answers "${GREETING}\n" on every path.
// Runtime knobs (for fault tests): PORT, STATUS, STARTUP_DELAY_MS, RESPONSE_DELAY_MS, EXIT_AT_START=1.
import http from 'node:http';

const port = Number(process.env.PORT || 8000);
const greeting = process.env.GREETING ?? 'Hello World';
const status = Number(process.env.STATUS || 200);
const version = process.env.APP_VERSION || 'unknown';
const startupDelayMs = Number(process.env.STARTUP_DELAY_MS || 0);
const responseDelayMs = Number(process.env.RESPONSE_DELAY_MS || 0);

if (process.env.EXIT_AT_START === '1') {
  console.error('EXIT_AT_START=1: exiting with status 1');
  process.exit(1);
}

const server = http.createServer(async (req, res) => {
  if (responseDelayMs > 0) await new Promise((r) => setTimeout(r, responseDelayMs));
  const body = `${greeting}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Server': String(req.socket.localAddress),
    'X-Version': version,
  });
  res.end(body);
});

function shutdown(signal) {
  console.log(`${signal}: closing server`);
  server.close(() => process.exit(0));
  if (typeof server.closeIdleConnections === 'function') server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

setTimeout(() => {
  server.listen(port, '0.0.0.0', () => {
    console.log(`app ${version} listening on 0.0.0.0:${port} (status ${status})`);
  });
}, startupDelayMs);
