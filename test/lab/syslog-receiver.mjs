// The lab's syslog server: receives the apps' log lines (docker --log-driver syslog over
// UDP) and appends each datagram as one line to a file, prefixed with the address it came
// from (as rsyslog's fromhost-ip: docker's default syslog format names no host).
// Usage: node syslog-receiver.mjs ADDRESS PORT FILE
import { createSocket } from 'node:dgram';
import { appendFileSync } from 'node:fs';

const [address, port, file] = process.argv.slice(2);
if (!address || !port || !file) {
  console.error('usage: node syslog-receiver.mjs ADDRESS PORT FILE');
  process.exit(2);
}
const socket = createSocket('udp4');
socket.on('message', (msg, from) =>
  appendFileSync(file, `${from.address} ${msg.toString('utf8').replace(/\n+$/, '')}\n`),
);
socket.on('error', (err) => {
  console.error(`syslog receiver: ${err.message}`);
  process.exit(1);
});
socket.bind(Number(port), address, () =>
  console.log(`syslog receiver on udp://${address}:${port} → ${file}`),
);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => socket.close(() => process.exit(0)));
