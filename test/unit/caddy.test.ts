import { describe, expect, it } from 'vitest';
import { canonicalJson, parseServers, renderServers } from '../../src/balancer/caddy-config.js';
import { CaddyDriver } from '../../src/balancer/caddy.js';
import { caddyAdmin, parseAdminResponse } from '../../src/commands/caddy.js';
import { parseConfig } from '../../src/config/load.js';
import { statePath } from '../../src/deploy/state.js';
import type { ExecOptions, ExecResult, RemoteShell } from '../../src/ssh/remote.js';
import { silentLogger, type Logger } from '../../src/util/log.js';
import { RecordingLogger } from '../fakes/log.js';

// The Caddy driver's decisions: the handler as canonical JSON, weights as repeated upstreams
// (Caddy 2.6 has no weighted policy), one PATCH confirmed by reading back, a change refused
// when the handler moved meanwhile, clear errors. A fake host answers the admin API's curl.

const yaml = (balancer: string) => `
app: webapp
image: hubuser/app
pools: { green: [g0], blue: [b0] }
balancer:
  host: lb
  url: http://lb/
${balancer}`;

const config = parseConfig(yaml('  type: caddy\n  drain_timeout: 1s\n'));

const handler = {
  handler: 'reverse_proxy',
  '@id': 'app_server',
  upstreams: [{ dial: '10.0.0.1:8000' }],
  load_balancing: { selection_policy: { policy: 'round_robin' } },
};

class FakeCaddy {
  objects: Record<string, unknown> = { app_server: structuredClone(handler) };
  reachable = true;
  /** What PATCH does: by default Caddy takes it. */
  onPatch: (id: string, body: unknown) => number = (id, body) => {
    this.objects[id] = body;
    return 200;
  };
  /** Established connections to the leaving servers, one value per look. */
  connections: number[] = [0];
  patches: unknown[] = [];
  commands: string[] = [];
  /** What the host's /proc/sys/net/ipv4/tcp_migrate_req says ('unsupported': no such file). */
  migrateReq = '1';

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    const ok = (stdout: string): Promise<ExecResult> => Promise.resolve({ code: 0, stdout, stderr: '' });
    // the drain loop on the host: the connections it sees, poll after poll, until 0 or its tries run out
    if (command.startsWith('i=0; while')) {
      const tries = Number(/-ge (\d+)/.exec(command)![1]);
      for (let i = 0; i <= tries; i++) {
        const n = this.connections.shift() ?? 0;
        if (n === 0) return ok('');
        if (i === tries) return Promise.resolve({ code: 1, stdout: `${n}\n`, stderr: '' });
      }
    }
    if (command.startsWith('caddy version')) return ok('v2.6.2 h1:abc\n');
    if (command.includes('tcp_migrate_req')) return ok(`${this.migrateReq}\n`);
    const m = /-X (GET|PATCH) .* http:\/\/localhost:2019\/id\/(\S+)$/.exec(command);
    if (!m) throw new Error(`unexpected command: ${command}`);
    if (!this.reachable)
      return Promise.resolve({
        code: 7,
        stdout: '\n@@bluegreen-http-status 000\n',
        stderr: 'curl: (7) Failed to connect to localhost port 2019',
      });
    const [, method, id] = m as unknown as [string, string, string];
    const reply = (status: number, body: string) => ok(`${body}\n@@bluegreen-http-status ${status}\n`);
    if (!(id in this.objects)) return reply(404, `{"error":"unknown object ID '${id}'"}`);
    if (method === 'GET') return reply(200, JSON.stringify(this.objects[id]));
    const body = JSON.parse(String(options.stdin ?? '')) as unknown;
    this.patches.push(body);
    const status = this.onPatch(id, body);
    return reply(status, status === 200 ? '' : '{"error":"loading new config: bad upstream"}');
  }
}

function driverOn(fake: FakeCaddy, cfg = config, log: Logger = silentLogger): CaddyDriver {
  const shell: RemoteShell = {
    target: { name: 'lb', host: 'lb' } as RemoteShell['target'],
    exec: (c, o) => fake.exec(c, o),
  };
  return new CaddyDriver(shell, cfg, log);
}

const green = [
  { host: '10.0.0.1', port: 8000 },
  { host: '10.0.0.2', port: 8000 },
];

describe('caddy: the handler as text', () => {
  it('is canonical JSON (sorted keys), whatever order Caddy answers in', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('renders servers into upstreams and parses them back; everything else is kept', () => {
    const text = canonicalJson(handler);
    const next = renderServers(text, 'app_server', green);
    expect(parseServers(next, 'app_server')).toEqual(green);
    const parsed = JSON.parse(next) as typeof handler;
    expect(parsed.load_balancing).toEqual(handler.load_balancing);
    expect(parsed['@id']).toBe('app_server');
    expect(renderServers(next, 'app_server', green)).toBe(next);
  });

  it('writes a weight as the address listed that many times, interleaved, and reads it back', () => {
    const text = canonicalJson(handler);
    const next = renderServers(text, 'app_server', [
      { host: '10.0.0.1', port: 8000, weight: 18 },
      { host: '10.0.0.9', port: 8000, weight: 2 },
    ]);
    const dials = (JSON.parse(next) as { upstreams: { dial: string }[] }).upstreams.map((u) => u.dial);
    // divided by the common divisor: 9 and 1
    expect(dials).toEqual(['10.0.0.1:8000', '10.0.0.9:8000', ...Array<string>(8).fill('10.0.0.1:8000')]);
    expect(parseServers(next, 'app_server')).toEqual([
      { host: '10.0.0.1', port: 8000, weight: 9 },
      { host: '10.0.0.9', port: 8000, weight: 1 },
    ]);
    // equal weights are no weights
    expect(
      parseServers(
        renderServers(
          text,
          'app_server',
          green.map((s) => ({ ...s, weight: 3 })),
        ),
        'app_server',
      ),
    ).toEqual(green);
  });

  it('refuses what it cannot manage, naming it', () => {
    expect(() => parseServers('{"handler":"file_server","@id":"app_server"}', 'app_server')).toThrow(
      /is a file_server handler, not a reverse_proxy handler/,
    );
    expect(() =>
      parseServers('{"handler":"reverse_proxy","upstreams":[{"dial":"{env.UP}"}]}', 'app_server'),
    ).toThrow(/upstream "\{env.UP\}", not a host:port/);
    expect(parseServers('{"handler":"reverse_proxy","upstreams":[{"dial":"[::1]:80"}]}', 'x')).toEqual([
      { host: '::1', port: 80 },
    ]);
  });

  it('builds the admin request with curl, quoted, and reads its status line', () => {
    expect(caddyAdmin.request('localhost:2019', 'PATCH', '/id/app_server')).toBe(
      "curl -sS --max-time 10 -X PATCH -H 'Content-Type: application/json' --data-binary @- -w '\\n@@bluegreen-http-status %{http_code}\\n' http://localhost:2019/id/app_server",
    );
    expect(caddyAdmin.request('unix//run/caddy/admin.sock', 'GET', '/id/x')).toContain(
      '--unix-socket /run/caddy/admin.sock http://localhost/id/x',
    );
    expect(parseAdminResponse('{"a":1}\n@@bluegreen-http-status 200\n')).toEqual({
      status: 200,
      body: '{"a":1}',
    });
    expect(parseAdminResponse('')).toEqual({ status: 0, body: '' });
  });
});

describe('caddy: the driver against a fake admin API', () => {
  it('applies one PATCH of the handler, confirmed by reading back, and waits for the leaving connections', async () => {
    const fake = new FakeCaddy();
    fake.connections = [2, 1, 0];
    const d = driverOn(fake);
    const current = await d.read();
    const next = d.render(current, [{ host: '10.0.0.2', port: 8000 }]);
    await d.validate(current, next);
    const res = await d.apply(current, next);
    expect(fake.patches).toHaveLength(1);
    expect(await d.read()).toBe(next);
    expect(res.undrained).toBe(0);
    expect(fake.connections).toEqual([]);
  });

  it('goes ahead after drain_timeout with the connections still open counted', async () => {
    const fake = new FakeCaddy();
    fake.connections = Array<number>(100).fill(3);
    const d = driverOn(fake);
    const current = await d.read();
    const res = await d.apply(current, d.render(current, [{ host: '10.0.0.2', port: 8000 }]));
    expect(res.undrained).toBe(3);
    expect(fake.connections).toHaveLength(100 - 11); // 1s of 100 ms polls, and the first look
  });

  it('a refused PATCH leaves Caddy as it was and says so', async () => {
    const fake = new FakeCaddy();
    fake.onPatch = () => 400;
    const d = driverOn(fake);
    const current = await d.read();
    await expect(d.apply(current, d.render(current, green))).rejects.toThrow(
      /Caddy refused the new reverse_proxy handler \(PATCH \/id\/app_server: 400 .*bad upstream.*\); its running config is unchanged/,
    );
    expect(await d.read()).toBe(current);
  });

  it('puts the previous handler back when Caddy runs another one after the PATCH', async () => {
    const fake = new FakeCaddy();
    fake.onPatch = (id, body) => {
      fake.objects[id] = fake.patches.length === 1 ? { ...(body as object), upstreams: [] } : body;
      return 200;
    };
    const d = driverOn(fake);
    const current = await d.read();
    await expect(d.apply(current, d.render(current, green))).rejects.toThrow(
      /the previous handler was put back/,
    );
    expect(await d.read()).toBe(current);
  });

  it('refuses a change when the handler changed since it was read (nothing patched)', async () => {
    const fake = new FakeCaddy();
    const d = driverOn(fake);
    const current = await d.read();
    fake.objects.app_server = { ...handler, upstreams: [{ dial: '10.0.0.7:8000' }] };
    // validate() is structural (no request); apply() reads the handler right before its PATCH.
    const sent = fake.commands.length;
    await d.validate(current, d.render(current, green));
    expect(fake.commands.length).toBe(sent);
    await expect(d.apply(current, d.render(current, green))).rejects.toThrow(
      /changed in Caddy before the change/,
    );
    expect(fake.patches).toEqual([]);
  });

  it('names the host and the admin address when the API does not answer; the @id when it is missing', async () => {
    const off = new FakeCaddy();
    off.reachable = false;
    await expect(driverOn(off).prepare()).rejects.toThrow(
      /balancer lb: Caddy's admin API at localhost:2019 did not answer \(curl: \(7\).*\): is Caddy running on lb/,
    );
    const other = new FakeCaddy();
    other.objects = { web: handler };
    await expect(driverOn(other).read()).rejects.toThrow(/has no object with "@id": "app_server"/);
    const facts = await driverOn(off).facts();
    expect(facts.caddy).toMatchObject({ reachable: false, upstreamFound: false, version: 'v2.6.2 h1:abc' });
    expect((await driverOn(new FakeCaddy()).facts()).caddy).toMatchObject({
      reachable: true,
      upstreamFound: true,
    });
  });
});

describe('caddy: config', () => {
  it('needs no file; keeps state and lock in balancer.state_dir (default /var/lib/bluegreen)', () => {
    expect(statePath(config)).toBe('/var/lib/bluegreen/bluegreen-webapp.state.json');
    expect(statePath(parseConfig(yaml('  type: caddy\n  state_dir: /srv/bg\n')))).toBe(
      '/srv/bg/bluegreen-webapp.state.json',
    );
    expect(statePath(parseConfig(yaml('  file: /etc/nginx/up.conf\n')))).toBe(
      '/etc/nginx/bluegreen-webapp.state.json',
    );
  });

  it('refuses balancer.file (and test, reload, container) for caddy, and requires it for the others', () => {
    expect(() => parseConfig(yaml('  type: caddy\n  file: /etc/caddy/x.json\n'))).toThrow(
      /balancer\.file: is not used by balancer\.type caddy/,
    );
    expect(() => parseConfig(yaml('  type: caddy\n  container: caddy\n'))).toThrow(
      /balancer\.container: is not supported for balancer\.type caddy yet/,
    );
    expect(() => parseConfig(yaml('  type: haproxy\n'))).toThrow(
      /balancer\.file: is required for balancer\.type haproxy/,
    );
    expect(() => parseConfig(yaml('  file: /etc/x.conf\n  admin: localhost:2019\n'))).toThrow(
      /balancer\.admin: is for balancer\.type caddy/,
    );
    expect(() => parseConfig(yaml('  type: caddy\n  admin: "localhost:2019; rm -rf /"\n'))).toThrow(
      /balancer\.admin/,
    );
  });
});

describe('caddy: the listener swap at a config change', () => {
  it('warns before a change when the host would reset the connections queued on the old listener', async () => {
    for (const [migrateReq, warned] of [
      ['1', undefined],
      [
        '0',
        /net\.ipv4\.tcp_migrate_req is 0 there: .*reset before its request is read\. Set it \(sysctl -w net\.ipv4\.tcp_migrate_req=1/,
      ],
      ['unsupported', /no net\.ipv4\.tcp_migrate_req \(Linux < 5\.14\)/],
    ] as const) {
      const fake = new FakeCaddy();
      fake.migrateReq = migrateReq;
      const log = new RecordingLogger();
      await driverOn(fake, config, log).prepare();
      if (warned) expect(log.warnings).toEqual([expect.stringMatching(warned)]);
      else expect(log.warnings).toEqual([]);
    }
  });

  it('status shows the setting', async () => {
    const fake = new FakeCaddy();
    fake.migrateReq = '0';
    expect((await driverOn(fake).facts()).caddy?.listenerMigration).toBe('off');
    fake.migrateReq = '1';
    expect((await driverOn(fake).facts()).caddy?.listenerMigration).toBe('on');
  });
});
