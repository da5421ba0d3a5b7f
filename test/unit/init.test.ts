// `bluegreen init`: the pure parts — flags read into a request, the config rendered and read
// back by the loader (refusals name the flag), the overwrite refusal (all or nothing), the
// ssh-keyscan command and its output, and the CLI's help. The workflow has its own file.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { keyscan } from '../../src/commands/keyscan.js';
import { parseConfig } from '../../src/config/load.js';
import { registryOf } from '../../src/config/schema.js';
import { checkedConfig, nameFlags, renderConfig } from '../../src/init/config-file.js';
import { refuseExisting } from '../../src/init/files.js';
import {
  describeKeys,
  parseKeyscan,
  scanHostKeys,
  scanTargets,
  type Runner,
} from '../../src/init/host-keys.js';
import { initRequest, type InitFlags } from '../../src/init/request.js';
import { runInit } from '../../src/init/run.js';

const FLAGS: InitFlags = {
  green: 'web1,web2:2222',
  blue: 'web3,10.0.0.4',
  balancer: 'lb1',
  image: 'registry.example.com:5000/team/shop',
};
const request = (over: InitFlags = {}) => initRequest({ ...FLAGS, ...over });
const rendered = (over: InitFlags = {}) => checkedConfig(renderConfig(request(over)));

// A real ed25519 public key and the fingerprint `ssh-keygen -lf` prints for it.
const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAINLrRAPuOAhRII1jwAGTfP6KWs7b8W7q1a+j0MPUR8md';
const KEY_FP = 'SHA256:qxFlRATV9IVwGEI3gZ08C9oNgqA4vxrMYVlnwNd5pRQ';

/** A fake ssh-keyscan: every host answers with KEY, except those listed as down. */
function fakeScan(down: string[] = []): Runner & { calls: string[][] } {
  const calls: string[][] = [];
  const run = async (argv: string[]) => {
    calls.push(argv);
    const host = argv.at(-1)!;
    const port = argv[argv.indexOf('-p') + 1];
    if (down.includes(host))
      return { code: 1, stdout: '', stderr: `connect to ${host} port ${port}: Connection refused\n` };
    const name = port === '22' ? host : `[${host}]:${port}`;
    return {
      code: 0,
      stdout: `# ${host}:${port} SSH-2.0-OpenSSH_9.2\n${name} ssh-ed25519 ${KEY}\n`,
      stderr: '',
    };
  };
  return Object.assign(run, { calls });
}

describe('init: the config it writes', () => {
  it('is read by the loader as the flags said', () => {
    const config = rendered({
      port: '3000',
      registry: 'registry.example.com:5000',
      user: 'deploy',
      key: '~/.ssh/id_deploy',
      app: 'shop',
    });
    expect(config.app).toBe('shop');
    expect(config.image).toBe('registry.example.com:5000/team/shop');
    expect(registryOf(config)?.server).toBe('registry.example.com:5000');
    expect(config.pools.green.map((h) => [h.ssh.host, h.ssh.port])).toEqual([
      ['web1', undefined],
      ['web2', 2222],
    ]);
    expect(config.pools.blue.map((h) => h.ssh.host)).toEqual(['web3', '10.0.0.4']);
    expect(config.balancer).toMatchObject({
      type: 'nginx',
      file: '/etc/nginx/conf.d/upstream.conf',
      url: 'http://lb1/',
    });
    expect(config.balancer.hosts).toEqual([{ host: 'lb1', port: undefined }]);
    expect(config.container.port).toBe(3000);
    expect(config.ssh).toMatchObject({
      user: 'deploy',
      private_key: '~/.ssh/id_deploy',
      known_hosts: 'known_hosts',
    });
  });

  it('--registry none: no registry, the image streamed from this machine', () => {
    const config = rendered({ registry: 'none' });
    expect(config.registry).toBe('none');
    expect(registryOf(config)).toBeUndefined();
  });

  it('is commented, and leaves out what was not given', () => {
    const text = renderConfig(request());
    expect(text).toMatch(/^# bluegreen config, written by `bluegreen init`/);
    expect(text).not.toMatch(/^registry:/m);
    expect(text).toMatch(/^ {2}# user: deploy/m);
    const config = parseConfig(text);
    expect(config.app).toBe('shop'); // from the image
    expect(config.ssh.user).toBeUndefined();
    expect(config.ssh.private_key).toBeUndefined();
  });

  it('quotes every value: YAML syntax in a flag stays a value, and is then refused by the loader', () => {
    expect(() => rendered({ balancer: 'lb1\nssh: { insecure_ignore_host_keys: true }' })).toThrow(
      /--balancer \(balancer\.host\): expected "host" or "host:port"/,
    );
    // A URL the loader accepts keeps its quote and '#': the YAML scalar carries it unchanged.
    expect(rendered({ url: 'http://lb1/" # x' }).balancer.url).toBe('http://lb1/" # x');
  });

  it.each<[InitFlags, RegExp]>([
    [{ green: 'web 1' }, /--green \(pools\.green\.0\): expected "host" or "host:port"/],
    [{ blue: 'web3,bad_host' }, /--blue \(pools\.blue\.1\)/],
    [{ image: 'Team/Shop:1.0' }, /--image \(image\): a docker repository/],
    [{ app: 'Shop!' }, /--app \(app\): lowercase letters/],
    [{ url: 'ftp://lb1/' }, /--url \(balancer\.url\): an http:\/\/ or https:\/\/ URL/],
    [{ 'balancer-file': 'relative/path' }, /--balancer-file \(balancer\.file\): an absolute path/],
    [{ registry: 'https://registry' }, /--registry \(registry\.server\): a registry host\[:port\]/],
    [{ user: 'Root User' }, /--user \(ssh\.user\): a Unix user name/],
    [{ blue: 'web1' }, /--blue \(pools\.blue\.0\): host web1 is already listed at pools\.green\.0/],
    [{ 'balancer-type': 'traefik' }, /--balancer-type "traefik": expected one of nginx, haproxy, apache/],
    [{ port: '80x' }, /--port "80x": expected the port/],
    [{ port: '70000' }, /--port "70000"/],
    [{ green: 'web1,,web2' }, /--green "web1,,web2" has an empty item/],
    [{ balancer: 'lb1,lb2' }, /--balancer takes one host/],
    [
      { action: 'owner/bluegreen@v1' },
      /--action "owner\/bluegreen@v1": expected OWNER\/REPO@<full 40-character commit SHA>/,
    ],
  ])('refuses %j naming the flag', (over, message) => {
    expect(() => rendered(over)).toThrow(message);
  });

  it.each(['green', 'balancer', 'image'] as const)('requires --%s and says what to give', (flag) => {
    expect(() => initRequest({ ...FLAGS, [flag]: undefined })).toThrow(
      new RegExp(`^init: --${flag} is required, e\\.g\\. --${flag} `),
    );
  });

  it('takes the balancer type and its usual file; the url defaults to the balancer', () => {
    expect(rendered({ 'balancer-type': 'haproxy', balancer: 'lb1:2200' }).balancer).toMatchObject({
      type: 'haproxy',
      file: '/etc/haproxy/haproxy.cfg',
      url: 'http://lb1/',
      hosts: [{ host: 'lb1', port: 2200 }],
    });
    expect(rendered({ 'balancer-type': 'apache' }).balancer.file).toMatch(/^\/etc\/apache2\//);
  });

  it('names flags in every line of a many-field message, and leaves other fields as they are', () => {
    expect(nameFlags('init: \n  - app: x\n  - pools.blue.1: y\n  - checks.path: z')).toBe(
      'init: \n  - --app (app): x\n  - --blue (pools.blue.1): y\n  - checks.path: z',
    );
  });
});

describe('init: host keys', () => {
  it('scans every host and the balancer once, on its SSH port', async () => {
    const config = rendered({ blue: 'web3', balancer: 'web1' });
    expect(scanTargets(config)).toEqual([
      { host: 'web1', port: 22, flag: '--green' },
      { host: 'web2', port: 2222, flag: '--green' },
      { host: 'web3', port: 22, flag: '--blue' },
    ]);
    const scan = fakeScan();
    const keys = await scanHostKeys(scanTargets(config), scan);
    expect(scan.calls).toContainEqual(['ssh-keyscan', '-T', '5', '-p', '2222', '--', 'web2']);
    expect(keys.map((k) => k.line)).toEqual([
      `web1 ssh-ed25519 ${KEY}`,
      `[web2]:2222 ssh-ed25519 ${KEY}`,
      `web3 ssh-ed25519 ${KEY}`,
    ]);
    expect(describeKeys(keys)[1]).toBe(`  [web2]:2222  ssh-ed25519  ${KEY_FP}`);
  });

  it('computes the fingerprint ssh-keygen shows, and skips comment lines', () => {
    const keys = parseKeyscan(`# web1:22 SSH-2.0-OpenSSH_9.2\nweb1 ssh-ed25519 ${KEY}\n\n`, {
      host: 'web1',
      port: 22,
      flag: '--green',
    });
    expect(keys).toHaveLength(1);
    expect(keys[0]!.fingerprint).toBe(KEY_FP);
  });

  it('names every host that gave no key, with its flag and what ssh-keyscan said', async () => {
    const targets = scanTargets(rendered());
    const err = await scanHostKeys(targets, fakeScan(['web3', 'lb1'])).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^init: no SSH host key from web3:22 \(--blue\), lb1:22 \(--balancer\):/,
    );
    expect((err as Error).message).toContain(
      'ssh-keyscan -T 5 -p 22 -- web3: connect to web3 port 22: Connection refused',
    );
    expect((err as Error).message).toMatch(/Nothing was written\.$/);
  });

  it('keyscan: the argv (no shell), and the same command quoted for messages', () => {
    expect(keyscan('web1', 22)).toEqual({
      argv: ['ssh-keyscan', '-T', '5', '-p', '22', '--', 'web1'],
      display: 'ssh-keyscan -T 5 -p 22 -- web1',
    });
  });
});

describe('init: files', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'bluegreen-init-unit-'));
    dirs.push(d);
    return d;
  };
  const files = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();

  it('refuseExisting names every existing target; --force lets them be', () => {
    const exists = (p: string) => p !== 'c';
    expect(() => refuseExisting(['a', 'b', 'c'], false, exists)).toThrow(
      /^init: a, b already exist: nothing was written\. Pass --force/,
    );
    expect(() => refuseExisting(['a', 'b'], true, exists)).not.toThrow();
  });

  it('writes the config, the workflow and (trusted) known_hosts; the config loads from its directory', async () => {
    const dir = tempDir();
    const { written, report } = await runInit(request({ dir, 'trust-scanned-keys': true }), fakeScan());
    expect(files(dir)).toEqual(['.github/workflows/bluegreen.yml', 'bluegreen.yml', 'known_hosts']);
    expect(written).toHaveLength(3);
    expect(readFileSync(join(dir, 'known_hosts'), 'utf8')).toContain(`[web2]:2222 ssh-ed25519 ${KEY}\n`);
    expect(report).toContain(KEY_FP);
    expect(report).toMatch(/ssh-keygen -lf \/etc\/ssh\/ssh_host_ed25519_key\.pub/);
    expect(report).toMatch(/Written as .*known_hosts \(--trust-scanned-keys\)/);
  });

  it('without --trust-scanned-keys prints the lines to save and writes no known_hosts', async () => {
    const dir = tempDir();
    const { report } = await runInit(request({ dir }), fakeScan());
    expect(existsSync(join(dir, 'known_hosts'))).toBe(false);
    expect(report).toMatch(/Not written: .*known_hosts/);
    expect(report).toContain(`web1 ssh-ed25519 ${KEY}`);
  });

  it('writes nothing (and scans nothing) when any target exists, until --force', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'known_hosts'), 'mine\n');
    const scan = fakeScan();
    await expect(runInit(request({ dir, 'trust-scanned-keys': true }), scan)).rejects.toThrow(
      /known_hosts already exists: nothing was written/,
    );
    expect(scan.calls).toEqual([]);
    expect(files(dir)).toEqual(['known_hosts']);
    // The same without --trust-scanned-keys: known_hosts is not a target, so it stays as it is.
    await runInit(request({ dir }), scan);
    expect(readFileSync(join(dir, 'known_hosts'), 'utf8')).toBe('mine\n');
    await runInit(request({ dir, 'trust-scanned-keys': true, force: true }), scan);
    expect(readFileSync(join(dir, 'known_hosts'), 'utf8')).toContain('ssh-ed25519');
  });

  it('a host without a key: nothing written', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    await expect(runInit(request({ dir: join(dir, 'sub') }), fakeScan(['web1']))).rejects.toThrow(
      /web1:22 \(--green\)/,
    );
    expect(files(dir)).toEqual([]);
  });
});

describe('init: the CLI', () => {
  let out = '';
  afterEach(() => vi.restoreAllMocks());
  const capture = () => {
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((out += String(c)), true));
  };

  it('bluegreen --help lists init; init --help documents the flags and the host-key flow', async () => {
    capture();
    expect(await main(['--help'])).toBe(0);
    expect(out).toMatch(/bluegreen init --green H1,H2 --blue H3,H4 --balancer LB --image REPO/);
    capture();
    expect(await main(['init', '--help'])).toBe(0);
    for (const flag of [
      '--green',
      '--blue',
      '--balancer',
      '--image',
      '--app',
      '--balancer-type',
      '--balancer-file',
      '--url',
      '--port',
      '--registry',
      '--user',
      '--key',
      '--action',
      '--dir',
      '--trust-scanned-keys',
      '--force',
    ])
      expect(out).toContain(flag);
    expect(out).toMatch(/ssh-keygen -lf \/etc\/ssh\/ssh_host_ed25519_key\.pub/);
  });

  it('an unknown flag or a missing one exits 2 naming it', async () => {
    capture();
    expect(await main(['init', '--greeen', 'web1'])).toBe(2);
    expect(out).toMatch(/bluegreen init: Unknown option '--greeen'/);
    capture();
    expect(await main(['init', '--green', 'web1', '--balancer', 'lb1'])).toBe(2);
    expect(out).toMatch(/^bluegreen init: --image is required/);
  });
});
