import net from 'node:net';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { KnownHosts, type HostKeyPolicy } from '../../src/ssh/known-hosts.js';
import { SshPool } from '../../src/ssh/pool.js';
import type { SshTarget } from '../../src/ssh/remote.js';
import type { Auth, Endpoint, Route } from '../../src/ssh/route.js';

// The pool's jump hosts against real SSH servers (ssh2's) on loopback: one bastion, and two
// hosts that accept TCP only from the bastion's source address (127.0.0.9), as a firewall
// lets only the bastion reach the hosts' sshd.

const { Server, utils } = ssh2;
const BASTION_SOURCE = '127.0.0.9';

const clientKey = utils.generateKeyPairSync('ed25519');
const clientPublic = utils.parseKey(clientKey.public) as ssh2.ParsedKey;

interface TestServer {
  name: string;
  port: number;
  /** `[127.0.0.1]:PORT ssh-ed25519 …` */
  knownHostsLine: string;
  logins: number;
  /** TCP connections refused for coming from elsewhere than the bastion. */
  refused: number;
  /** Server-side client connections, to drop them. */
  clients: Set<ssh2.Connection>;
  server: ssh2.Server;
}

/** A real SSH server: public key auth with the test's key, `exec` answers `NAME: COMMAND`, `direct-tcpip` forwards. */
async function startServer(name: string, opts: { onlyFrom?: string } = {}): Promise<TestServer> {
  const hostKey = utils.generateKeyPairSync('ed25519');
  const s: TestServer = {
    name,
    port: 0,
    knownHostsLine: '',
    logins: 0,
    refused: 0,
    clients: new Set(),
    server: undefined as never,
  };
  s.server = new Server({ hostKeys: [hostKey.private] }, (client, info) => {
    if (opts.onlyFrom && info.ip !== opts.onlyFrom) {
      s.refused++;
      client.end();
      return;
    }
    s.clients.add(client);
    client.on('close', () => s.clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || !ctx.key.data.equals(clientPublic.getPublicSSH()))
        return ctx.reject();
      if (ctx.signature && ctx.blob && !clientPublic.verify(ctx.blob, ctx.signature, ctx.hashAlgo))
        return ctx.reject();
      if (ctx.signature) s.logins++;
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().once('exec', (acceptExec, _reject, execInfo) => {
          const stream = acceptExec();
          stream.write(`${name}: ${execInfo.command}`);
          stream.exit(0);
          stream.end();
        });
      });
      client.on('tcpip', (accept, reject, t) => {
        const out = net.connect({ host: t.destIP, port: t.destPort, localAddress: BASTION_SOURCE });
        out.once('error', () => reject());
        out.once('connect', () => {
          const ch = accept();
          ch.pipe(out).pipe(ch);
          ch.on('error', () => out.destroy());
          out.on('error', () => ch.destroy());
        });
      });
    });
  });
  // The server refuses (ends) connections from elsewhere before any SSH.
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
  s.port = (s.server.address() as net.AddressInfo).port;
  const pub = utils.parseKey(hostKey.public) as ssh2.ParsedKey;
  s.knownHostsLine = `[127.0.0.1]:${s.port} ${pub.type} ${pub.getPublicSSH().toString('base64')}`;
  return s;
}

const auth: Auth = { keys: [{ source: 'test key', text: clientKey.private }] };
const endpoint = (s: TestServer): Endpoint => ({
  name: s.name,
  host: '127.0.0.1',
  port: s.port,
  user: 'deploy',
  auth,
});
const target = (s: TestServer): SshTarget => ({ name: s.name, host: s.name, port: s.port });

function poolThrough(servers: TestServer[], jumps: TestServer[], known: TestServer[] = servers) {
  const byName = new Map(servers.map((s) => [s.name, s]));
  const policy: HostKeyPolicy = {
    kind: 'verify',
    knownHosts: new KnownHosts(known.map((s) => s.knownHostsLine).join('\n')),
    fingerprints: {},
  };
  const routes = {
    route: (t: SshTarget): Promise<Route> =>
      Promise.resolve({ jumps: jumps.map(endpoint), target: endpoint(byName.get(t.name)!) }),
  };
  return new SshPool({ routes, policy, connectTimeoutMs: 5_000 }, 4);
}

describe('SSH through a jump host (real servers on loopback)', () => {
  let bastion: TestServer;
  let hostA: TestServer;
  let hostB: TestServer;
  const pools: SshPool[] = [];
  const track = (p: SshPool) => (pools.push(p), p);

  beforeAll(async () => {
    bastion = await startServer('bastion');
    hostA = await startServer('hostA', { onlyFrom: BASTION_SOURCE });
    hostB = await startServer('hostB', { onlyFrom: BASTION_SOURCE });
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.closeAll()));
    for (const s of [bastion, hostA, hostB]) {
      s.logins = 0;
      s.refused = 0;
    }
  });
  afterAll(() => {
    for (const s of [bastion, hostA, hostB]) s.server.close();
  });

  it('runs commands on every host through one bastion login', async () => {
    const pool = track(poolThrough([bastion, hostA, hostB], [bastion]));
    await pool.openJumpHosts([target(hostA), target(hostB)]);
    const results = await Promise.all(
      [hostA, hostB, hostA, hostB].map(async (h) => (await pool.get(target(h))).exec('uptime')),
    );
    expect(results.map((r) => r.stdout)).toEqual([
      'hostA: uptime',
      'hostB: uptime',
      'hostA: uptime',
      'hostB: uptime',
    ]);
    expect(bastion.logins).toBe(1);
    expect([hostA.logins, hostB.logins]).toEqual([1, 1]);
  });

  it('the hosts refuse a direct connection: the bastion is the only way', async () => {
    const pool = track(poolThrough([bastion, hostA], []));
    await expect(pool.get(target(hostA))).rejects.toThrow(
      /^hostA: cannot connect over SSH to deploy@127\.0\.0\.1:\d+: /,
    );
    expect(hostA.refused).toBe(1);
    expect(hostA.logins).toBe(0);
  });

  it('refuses an unknown bastion key before any host is contacted, naming the bastion and what to do', async () => {
    const pool = track(poolThrough([bastion, hostA, hostB], [bastion], [hostA, hostB]));
    const opening = pool.openJumpHosts([target(hostA), target(hostB)]);
    await expect(opening).rejects.toThrow(
      new RegExp(
        `^jump host deploy@127\\.0\\.0\\.1:${bastion.port} \\(ssh\\.proxy_jump / ProxyJump\\): cannot connect over SSH: 127\\.0\\.0\\.1:${bastion.port} is not in known_hosts \\(add its key, e\\.g\\. ssh-keyscan -p ${bastion.port} 127\\.0\\.0\\.1, after checking it\\)`,
      ),
    );
    expect(bastion.logins).toBe(0);
    expect(hostA.logins + hostB.logins + hostA.refused + hostB.refused).toBe(0);
  });

  it('a dropped bastion connection is logged in to again; the hosts behind it are reached again', async () => {
    const pool = track(poolThrough([bastion, hostA, hostB], [bastion]));
    expect((await (await pool.get(target(hostA))).exec('one')).stdout).toBe('hostA: one');
    for (const c of bastion.clients) c.end();
    // The tunnelled connection notices its transport is gone.
    const deadline = Date.now() + 5_000;
    const a = await pool.get(target(hostA));
    while (!(a as unknown as { isBroken: boolean }).isBroken && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect((await (await pool.get(target(hostA))).exec('two')).stdout).toBe('hostA: two');
    expect((await (await pool.get(target(hostB))).exec('three')).stdout).toBe('hostB: three');
    expect(bastion.logins).toBe(2);
  });

  it('goes through several hops, each reached through the one before it', async () => {
    // The same bastion twice: the second login is a channel of the first.
    const pool = track(poolThrough([bastion, hostA], [bastion, bastion]));
    expect((await (await pool.get(target(hostA))).exec('hop')).stdout).toBe('hostA: hop');
    expect(bastion.logins).toBe(2);
  });

  it("turns Nagle's algorithm off on a direct connection, before its handshake", async () => {
    // Each SSH exchange is a small request answered by a small reply: with Nagle on, each one
    // waited out the peer's delayed ACK (a lab connect ~230 ms instead of ~55 ms).
    const calls: { socket: net.Socket; enable: boolean | undefined; connecting: boolean }[] = [];
    const original = net.Socket.prototype.setNoDelay;
    const spy = vi.spyOn(net.Socket.prototype, 'setNoDelay').mockImplementation(function (
      this: net.Socket,
      enable?: boolean,
    ) {
      calls.push({ socket: this, enable, connecting: this.connecting || !this.remotePort });
      return original.call(this, enable);
    });
    try {
      const pool = track(poolThrough([bastion], []));
      const shell = await pool.get(target(bastion));
      expect((await shell.exec('uptime')).stdout).toBe('bastion: uptime');
      const ours = calls.filter((c) => c.socket.remotePort === bastion.port);
      expect(ours.map((c) => [c.enable, c.connecting])).toEqual([[true, true]]);
    } finally {
      spy.mockRestore();
    }
  });
});
