import { describe, expect, it } from 'vitest';
import { parseConfig, validateVersion } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { configError } from '../fakes/config-error.js';

const minimal = `
app: webapp
image: hubuser/app
pools:
  green: [greenhost00, "greenhost01:2222", { ssh: gh2.example.com, address: 10.0.0.12, name: greenhost02 }]
  blue: [bluehost00]
balancer:
  host: dockerhost
  file: /etc/nginx/nginx.conf
  url: http://dockerhost/
`;

const error = configError;

describe('config', () => {
  it('fills defaults and normalises hosts', () => {
    const c = parseConfig(minimal);
    // ssh.user and ssh.port stay unset: root and 22 unless ~/.ssh/config says otherwise (CLI).
    expect(c.ssh).toMatchObject({ concurrency: 10, connect_timeout: 10_000, proxy_jump: {} });
    expect(c.ssh.user).toBeUndefined();
    expect(c.ssh.port).toBeUndefined();
    expect(c.container).toMatchObject({ port: 8000, options: [], env: {}, restart: 'unless-stopped' });
    expect(c.balancer).toMatchObject({ type: 'nginx', upstream: 'app_server' });
    // test, reload and pid_file default in the driver (some only on the host: nginx -T's pid).
    expect(c.balancer.test).toBeUndefined();
    expect(c.balancer.reload).toBeUndefined();
    expect(c.balancer.pid_file).toBeUndefined();
    expect(c.checks).toEqual({ path: '/', status: 200, timeout: 2000, interval: 1000, retries: 15 });
    expect(c.pools.green).toEqual([
      { name: 'greenhost00', ssh: { host: 'greenhost00', port: undefined }, address: 'greenhost00' },
      { name: 'greenhost01', ssh: { host: 'greenhost01', port: 2222 }, address: 'greenhost01' },
      { name: 'greenhost02', ssh: { host: 'gh2.example.com', port: undefined }, address: '10.0.0.12' },
    ]);
  });

  it('parses durations', () => {
    const c = parseConfig(`${minimal}checks: { timeout: 500ms, interval: 2, retries: 3 }\n`);
    expect(c.checks).toMatchObject({ timeout: 500, interval: 2000, retries: 3 });
    expect(error(`${minimal}checks: { timeout: soon }\n`)).toMatch(/checks\.timeout: expected a duration/);
  });

  it.each([
    ['a typo in a key', `${minimal}pool: {}\n`, /unknown key\(s\) "pool"/],
    ['a missing field', minimal.replace('app: webapp\n', ''), /app: is required/],
    ['a bad app name', minimal.replace('app: webapp', 'app: "web app; rm -rf /"'), /app: lowercase letters/],
    [
      'an image with a tag',
      minimal.replace('image: hubuser/app', 'image: hubuser/app:1.0'),
      /image: a docker repository/,
    ],
    [
      'a host with shell syntax',
      minimal.replace('bluehost00', '"bluehost00;reboot"'),
      /pools\.blue\.0: expected "host" or "host:port"/,
    ],
    ['a host with nginx syntax', minimal.replace('bluehost00', '"a}b"'), /pools\.blue\.0/],
    ['a host with a newline', minimal.replace('bluehost00', '"a\\nb"'), /pools\.blue\.0/],
    ['a port out of range', minimal.replace('bluehost00', '"bluehost00:70000"'), /pools\.blue\.0/],
    [
      'an option with a space',
      `${minimal}container: { options: ["--log-opt tag=$(id)"] }\n`,
      /container\.options\.0: docker option words/,
    ],
    [
      'an env value with a newline',
      `${minimal}container: { env: { A: "x\\ny" } }\n`,
      /container\.env\.A: printable text/,
    ],
    ['an env name with a space', `${minimal}container: { env: { "A B": x } }\n`, /container\.env/],
    ['an upstream with a brace', minimal.replace('url:', 'upstream: "app}"\n  url:'), /balancer\.upstream/],
    [
      'a relative file',
      minimal.replace('/etc/nginx/nginx.conf', 'nginx.conf'),
      /balancer\.file: an absolute path/,
    ],
    [
      'a file path with a space',
      minimal.replace('/etc/nginx/nginx.conf', '"/etc/ngi nx.conf"'),
      /balancer\.file/,
    ],
    ['a url that is not http', minimal.replace('http://dockerhost/', 'ftp://x/'), /balancer\.url/],
    [
      'a host in both pools',
      minimal.replace('blue: [bluehost00]', 'blue: [greenhost00]'),
      /pools\.blue\.0: host greenhost00 is already listed at pools\.green\.0/,
    ],
    ['malformed YAML', 'app: [unclosed', /invalid YAML/],
    ['duplicate keys', `${minimal}app: other\n`, /invalid YAML/],
    [
      'no hosts',
      minimal.replace(/green: \[.*\]/, 'green: []').replace('blue: [bluehost00]', 'blue: []'),
      /pools: list at least one host/,
    ],
  ])('rejects %s, naming the field', (_what, text, pattern) => {
    expect(error(text)).toMatch(pattern);
  });

  it('validates versions as image tags', () => {
    expect(validateVersion('2.0.0')).toBe('2.0.0');
    expect(validateVersion('abc1234')).toBe('abc1234');
    for (const bad of ['', '-rf', '.hidden', '1.0;id', 'a b', 'x'.repeat(129), '1.0\n']) {
      expect(() => validateVersion(bad)).toThrow(UsageError);
    }
  });
});

describe('image and registry (as Kamal names them)', () => {
  const withRegistry = (image: string, server: string) =>
    parseConfig(minimal.replace('image: hubuser/app', `image: ${image}\nregistry: { server: "${server}" }`));

  it('an image without a registry host comes from registry.server', () => {
    expect(withRegistry('hubuser/app', '10.0.0.1:5000').image).toBe('10.0.0.1:5000/hubuser/app');
    expect(withRegistry('app', 'registry.example.com').image).toBe('registry.example.com/app');
  });

  it('an image that names the same host is used as it is; Docker Hub stays Docker Hub', () => {
    expect(withRegistry('10.0.0.1:5000/hubuser/app', '10.0.0.1:5000').image).toBe(
      '10.0.0.1:5000/hubuser/app',
    );
    expect(withRegistry('hubuser/app', 'docker.io').image).toBe('hubuser/app');
    expect(parseConfig(minimal).image).toBe('hubuser/app');
  });

  it('two different registries: exit 2 naming both fields', () => {
    expect(() => withRegistry('ghcr.io/team/app', '10.0.0.1:5000')).toThrow(
      /image: "ghcr.io\/team\/app" names registry ghcr.io, but registry.server is 10.0.0.1:5000/,
    );
  });
});

describe('balancer.container', () => {
  it('takes a container name and refuses a pid_file beside it', () => {
    const c = parseConfig(minimal.replace('  host: dockerhost', '  host: dockerhost\n  container: balancer'));
    expect(c.balancer.container).toBe('balancer');
    expect(
      error(minimal.replace('  host: dockerhost', '  host: dockerhost\n  container: "bal;ancer"')),
    ).toMatch(/balancer.container: a docker container name/);
    expect(
      error(
        minimal.replace(
          '  host: dockerhost',
          '  host: dockerhost\n  container: balancer\n  pid_file: /run/nginx.pid',
        ),
      ),
    ).toMatch(/balancer.pid_file: is not used with balancer.container/);
  });
});
