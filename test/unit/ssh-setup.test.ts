import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { sshSetup, type SshSetupRequest } from '../../src/ssh/setup.js';
import { UserSshConfig } from '../../src/ssh/ssh-config.js';
import { RecordingLogger } from '../fakes/log.js';

// What a run's SSH is built from: which known_hosts and which key win, what ~/.ssh/config
// completes in the config's hosts, and that the action never reads ~/.ssh.

const key = ssh2.utils.generateKeyPairSync('ed25519');
const encrypted = ssh2.utils.generateKeyPairSync('ed25519', {
  passphrase: 'secret',
  cipher: 'aes256-ctr',
  rounds: 4,
});
const KH = (host: string) =>
  `${host} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDzFQmbvLhRHmaZeKEt1zyJrp7hwZ+oymmVudQZSzRO2`;

function home(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-home-'));
  mkdirSync(join(dir, '.ssh'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const config = (ssh: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
  validateConfig({
    app: 'webapp',
    image: 'hubuser/app',
    ssh,
    pools: {
      green: ['web1', 'web2:2200', { ssh: 'web3', address: '10.9.9.9' }],
      blue: ['blue1'],
    },
    balancer: { host: 'lb', file: '/etc/nginx/nginx.conf', url: 'http://lb/' },
    ...more,
  });

function request(over: Partial<SshSetupRequest> & { homeDir: string }): SshSetupRequest {
  const { homeDir, ...rest } = over;
  return {
    config: config(),
    baseDir: homeDir,
    secrets: {},
    openssh: true,
    log: new RecordingLogger(),
    home: homeDir,
    env: {},
    globalKnownHosts: join(homeDir, 'no-global-known-hosts'),
    ...rest,
  };
}

const trusted = async (req: SshSetupRequest, host: string) => {
  const { policy } = (await sshSetup(req)).pool;
  return policy.kind === 'verify' && policy.knownHosts.lookup(host, 22).length > 0;
};

describe('known hosts: which source wins', () => {
  it('the secret (BLUEGREEN_KNOWN_HOSTS / known_hosts input) > ssh.known_hosts > ~/.ssh/known_hosts + the global file', async () => {
    const h = home({ '.ssh/known_hosts': KH('from-home'), kh: KH('from-config'), global: KH('from-global') });
    const base = { homeDir: h, globalKnownHosts: join(h, 'global'), secrets: { privateKey: key.private } };
    const secret = request({
      ...base,
      secrets: { ...base.secrets, knownHosts: KH('from-secret') },
      config: config({ known_hosts: 'kh' }),
    });
    expect(await trusted(secret, 'from-secret')).toBe(true);
    expect(await trusted(secret, 'from-config')).toBe(false);
    const file = request({ ...base, config: config({ known_hosts: 'kh' }) });
    expect(await trusted(file, 'from-config')).toBe(true);
    expect(await trusted(file, 'from-home')).toBe(false);
    const user = request(base);
    expect(await trusted(user, 'from-home')).toBe(true);
    expect(await trusted(user, 'from-global')).toBe(true);
  });

  it('the action (no OpenSSH setup) never reads ~/.ssh/known_hosts: no keys, no run', async () => {
    const h = home({ '.ssh/known_hosts': KH('web1') });
    const req = request({ homeDir: h, openssh: false, secrets: { privateKey: key.private } });
    await expect(sshSetup(req)).rejects.toThrow(
      new UsageError(
        'ssh.known_hosts: no known host keys (set ssh.known_hosts or ssh.fingerprints, or pass known_hosts); bluegreen never trusts unknown hosts',
      ),
    );
    await expect(sshSetup({ ...req, openssh: true })).resolves.toBeDefined();
  });
});

describe('keys and hosts', () => {
  it('an explicit key must be usable: an encrypted one is refused with what to do', async () => {
    const h = home({ '.ssh/known_hosts': KH('web1'), enc: encrypted.private });
    await expect(sshSetup(request({ homeDir: h, config: config({ private_key: 'enc' }) }))).rejects.toThrow(
      /^ssh\.private_key: enc is not a usable private key: .*(bluegreen cannot ask for a passphrase: pass an unencrypted key, or with the CLI leave ssh\.private_key unset and load the key into ssh-agent)/,
    );
    await expect(sshSetup(request({ homeDir: h, secrets: { privateKey: 'not a key' } }))).rejects.toThrow(
      /^ssh\.private_key: the key in BLUEGREEN_SSH_KEY \/ ssh_private_key is not a usable private key/,
    );
  });

  it('the CLI skips an encrypted default identity with a word, and uses the next one', async () => {
    const h = home({
      '.ssh/known_hosts': KH('web1'),
      '.ssh/id_ed25519': encrypted.private,
      '.ssh/id_rsa': key.private,
    });
    const log = new RecordingLogger();
    const setup = await sshSetup(request({ homeDir: h, log }));
    const route = await setup.pool.routes.route({ name: 'web1', host: 'web1', port: 22 });
    expect(route.target.auth.keys.map((k) => k.source)).toEqual([join(h, '.ssh/id_rsa')]);
    expect(log.warnings.join('\n')).toMatch(
      new RegExp(
        `skipping ${join(h, '.ssh/id_ed25519')}: .*\\(an encrypted key is used through ssh-agent: ssh-add `,
      ),
    );
  });

  it('~/.ssh/config completes ports and addresses the config leaves out; what the config says wins', async () => {
    const h = home({
      '.ssh/known_hosts': KH('web1'),
      '.ssh/config': 'Host web*\n  HostName %h.example.net\n  Port 2022\nHost lb\n  Port 2223\n',
    });
    const { config: done } = await sshSetup(request({ homeDir: h, secrets: { privateKey: key.private } }));
    expect(done.pools.green.map((x) => [x.ssh.host, x.ssh.port, x.address])).toEqual([
      ['web1', 2022, 'web1.example.net'], // Port and HostName
      ['web2', 2200, 'web2.example.net'], // host:port wins
      ['web3', 2022, '10.9.9.9'], // address wins
    ]);
    expect(done.pools.blue[0]!.ssh.port).toBe(22);
    expect(done.balancer.hosts[0]!.port).toBe(2223);
    // ssh.port wins over Port.
    const fixed = await sshSetup(
      request({ homeDir: h, secrets: { privateKey: key.private }, config: config({ port: 22 }) }),
    );
    expect(fixed.config.pools.green[0]!.ssh.port).toBe(22);
    // The action: the config as written.
    const action = await sshSetup(
      request({ homeDir: h, openssh: false, secrets: { privateKey: key.private, knownHosts: KH('web1') } }),
    );
    expect(action.config.pools.green[0]).toMatchObject({ ssh: { host: 'web1' }, address: 'web1' });
  });

  it('every host gets its group, so per-pool proxy_jump applies', async () => {
    const h = home({ '.ssh/known_hosts': KH('web1') });
    const setup = await sshSetup(
      request({
        homeDir: h,
        secrets: { privateKey: key.private },
        config: config({ proxy_jump: { green: 'bg', blue: 'bb', balancer: 'none' } }),
      }),
    );
    const via = async (host: string, port = 22) =>
      (await setup.pool.routes.route({ name: host, host, port })).jumps.map((j) => j.name);
    expect(await via('web1')).toEqual(['bg']);
    expect(await via('web2', 2200)).toEqual(['bg']);
    expect(await via('blue1')).toEqual(['bb']);
    expect(await via('lb')).toEqual([]);
  });
});

describe('~/.ssh/config reading', () => {
  it('follows Include (relative to ~/.ssh, globs) in place; first value wins as in ssh', async () => {
    const h = home({
      '.ssh/config': 'Include conf.d/*\nHost *\n  User everyone\n  Port 2000\n',
    });
    mkdirSync(join(h, '.ssh/conf.d'));
    writeFileSync(join(h, '.ssh/conf.d/10-web'), 'Host web1\n  HostName 10.1.1.1\n  User webuser\n');
    writeFileSync(join(h, '.ssh/conf.d/20-more'), 'Host web1\n  User ignored\n  Port 2201\n');
    const c = await UserSshConfig.load({ home: h, env: {} });
    expect(c.lookup('web1')).toMatchObject({ hostName: '10.1.1.1', user: 'webuser', port: 2201 });
    expect(c.lookup('other')).toMatchObject({ user: 'everyone', port: 2000 });
  });

  it('a missing file is an empty config; a bad Port is named', async () => {
    const empty = await UserSshConfig.load({ home: home(), env: {} });
    expect(empty.lookup('x')).toEqual({ identityFiles: [] });
    const bad = UserSshConfig.parse('Host x\n  Port http\n', { home: '/h', env: {} });
    expect(() => bad.lookup('x')).toThrow(/~\/\.ssh\/config: Port for x: expected 1 to 65535, got "http"/);
  });

  it('does not run Match exec', () => {
    const c = UserSshConfig.parse('Match exec "touch /tmp/bluegreen-should-not-exist"\n  User ran\n', {
      home: '/h',
      env: {},
    });
    expect(c.lookup('x').user).toBeUndefined();
  });
});
