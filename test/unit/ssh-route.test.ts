import { describe, expect, it } from 'vitest';
import { formatHop, parseHops } from '../../src/config/proxy-jump.js';
import { validateConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import type { SshTarget } from '../../src/ssh/remote.js';
import { RouteResolver, type HostGroup, type OpenSshSetup, type SshSettings } from '../../src/ssh/route.js';
import { UserSshConfig } from '../../src/ssh/ssh-config.js';

// Which user, port, address, keys and jump hosts a host is reached with: the config wins,
// ~/.ssh/config and the agent fill in where it is silent (the CLI), and the action gets
// nothing from ~/.ssh.

const HOME = '/home/dev';
const where = { home: HOME, env: { SSH_AUTH_SOCK: '/tmp/agent.sock' }, localUser: 'dev' };
const sshConfig = (text: string) => UserSshConfig.parse(text, where);

/** An OpenSSH setup whose files are `files` (path → key text). */
function openssh(text: string, files: Record<string, string> = {}, agent?: string): OpenSshSetup {
  return {
    config: sshConfig(text),
    ...(agent ? { agent } : {}),
    defaultIdentityFiles: ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => `${HOME}/.ssh/${n}`),
    readKey: (path) => Promise.resolve(files[path]),
  };
}

const settings = (s: Partial<SshSettings>): SshSettings => ({ jumps: {}, noKeyHint: 'HINT', ...s });
const target = (host: string, port = 22): SshTarget => ({ name: host, host, port });
/** A resolver for hosts of `group` (null: a host the config does not list). */
const resolver = (s: Partial<SshSettings>, group: HostGroup | null = 'green') =>
  new RouteResolver(settings(s), () => group ?? undefined);

const KEY = { source: 'ssh.private_key', text: 'EXPLICIT' };

describe('proxy_jump parsing', () => {
  it('reads ssh -J chains: user@host:port, lists, commas, none, ssh:// and [v6]', () => {
    expect(parseHops('deploy@bastion.example.com:2222')).toEqual([
      { user: 'deploy', host: 'bastion.example.com', port: 2222 },
    ]);
    expect(parseHops(['b1', 'ops@b2'])).toEqual([{ host: 'b1' }, { user: 'ops', host: 'b2' }]);
    expect(parseHops('b1,b2:22')).toEqual([{ host: 'b1' }, { host: 'b2', port: 22 }]);
    expect(parseHops('none')).toEqual([]);
    expect(parseHops('ssh://u@h:2200')).toEqual([{ user: 'u', host: 'h', port: 2200 }]);
    expect(parseHops('[fd00::7]:22')).toEqual([{ host: 'fd00::7', port: 22 }]);
    expect(formatHop({ user: 'u', host: 'fd00::7', port: 22 })).toBe('u@[fd00::7]:22');
  });

  it('says what is wrong with a hop', () => {
    expect(parseHops('bastion;reboot')).toMatch(
      /expected \[user@\]host\[:port\] with a host name .*, got "bastion;reboot"/,
    );
    expect(parseHops('a b')).toMatch(/expected \[user@\]host\[:port\], got "a b"/);
    expect(parseHops('Root!@b')).toMatch(/"Root!" in "Root!@b" is not a Unix user name/);
    expect(parseHops('b:0')).toMatch(/port 0 in "b:0" is not between 1 and 65535/);
    expect(parseHops('b1,')).toMatch(/got ""/);
  });

  const base = {
    app: 'webapp',
    image: 'hubuser/app',
    pools: { green: ['g1'], blue: ['b1'] },
    balancer: { host: 'lb', file: '/etc/nginx/nginx.conf', url: 'http://lb/' },
  };
  const parse = (proxy_jump: unknown) => validateConfig({ ...base, ssh: { proxy_jump } }, 'bluegreen.yml');

  it('ssh.proxy_jump: one chain for every host, or per pool and balancer', () => {
    expect(parse('ops@bastion').ssh.proxy_jump).toEqual({
      green: [{ user: 'ops', host: 'bastion' }],
      blue: [{ user: 'ops', host: 'bastion' }],
      balancer: [{ user: 'ops', host: 'bastion' }],
    });
    expect(parse({ green: ['b1', 'b2'], balancer: 'none' }).ssh.proxy_jump).toEqual({
      green: [{ host: 'b1' }, { host: 'b2' }],
      balancer: [],
    });
    expect(validateConfig(base).ssh.proxy_jump).toEqual({});
  });

  it('config errors name the field', () => {
    expect(() => parse('bastion;reboot')).toThrow(UsageError);
    expect(() => parse('bastion;reboot')).toThrow(
      /^bluegreen\.yml: ssh\.proxy_jump: expected \[user@\]host\[:port\]/,
    );
    expect(() => parse({ green: 'b:99999' })).toThrow(
      /ssh\.proxy_jump\.green: port 99999 in "b:99999" is not between 1 and 65535/,
    );
    expect(() => parse({ gren: 'b' })).toThrow(/ssh\.proxy_jump: unknown key\(s\) "gren"/);
    expect(() => parse(7)).toThrow(
      /ssh\.proxy_jump: expected a jump host "\[user@\]host\[:port\]", a list of them, "none", or a mapping \{ green, blue, balancer \} of those, got 7/,
    );
  });
});

describe('which user, address and jump hosts', () => {
  const cfg = `
Host web1
  HostName 10.0.0.11
  User deploy
  ProxyJump ops@jump
Host web2
  HostName %h.internal.example.com
  ProxyJump none
Host web3
  ProxyCommand ssh -W %h:%p jump
Host jump
  HostName 192.0.2.7
  Port 2222
  User jumpuser
Host *
  User fallback
`;

  it('~/.ssh/config fills HostName, User and ProxyJump; the hop gets its own HostName, Port and user@', async () => {
    const r = await resolver({ openssh: openssh(cfg, {}, '/tmp/agent.sock') }).route(target('web1'));
    expect(r.target).toMatchObject({ name: 'web1', host: '10.0.0.11', port: 22, user: 'deploy' });
    expect(r.jumps).toEqual([
      expect.objectContaining({ name: 'ops@jump', host: '192.0.2.7', port: 2222, user: 'ops' }),
    ]);
    const web2 = await resolver({ openssh: openssh(cfg, {}, '/a') }).route(target('web2'));
    expect(web2.target.host).toBe('web2.internal.example.com');
    expect(web2.target.user).toBe('fallback');
    expect(web2.jumps).toEqual([]);
  });

  it('ssh.user wins over User; a hop names its own user, else User of its Host, else ssh.user', async () => {
    const r = await resolver({
      user: 'ci',
      openssh: openssh(cfg, {}, '/a'),
      jumps: { green: [{ host: 'jump' }] },
    }).route(target('web1'));
    expect(r.target.user).toBe('ci');
    expect(r.jumps[0]!.user).toBe('jumpuser');
    const plain = await resolver({ user: 'ci', privateKey: KEY, jumps: { green: [{ host: 'b' }] } }).route(
      target('web1'),
    );
    expect(plain.jumps[0]).toMatchObject({ host: 'b', port: 22, user: 'ci' });
    expect(plain.target).toMatchObject({ host: 'web1', user: 'ci' });
    expect((await resolver({ privateKey: KEY }).route(target('x'))).target.user).toBe('root');
  });

  it('ssh.proxy_jump of the host group wins over ProxyJump; none means direct', async () => {
    const r = resolver({
      openssh: openssh(cfg, {}, '/a'),
      jumps: { green: [{ host: 'b2', port: 2200 }], balancer: [] },
    });
    expect((await r.route(target('web1'))).jumps.map((j) => j.name)).toEqual(['b2:2200']);
    const lb = resolver(
      { openssh: openssh(cfg, {}, '/a'), jumps: { green: [{ host: 'b2' }], balancer: [] } },
      'balancer',
    );
    expect((await lb.route(target('web1'))).jumps).toEqual([]);
    // blue is not given one: ~/.ssh/config decides.
    const blue = resolver({ openssh: openssh(cfg, {}, '/a'), jumps: { green: [{ host: 'b2' }] } }, 'blue');
    expect((await blue.route(target('web1'))).jumps.map((j) => j.name)).toEqual(['ops@jump']);
  });

  it('a host no longer in the config goes through the chain both pools share, if they share one', async () => {
    const shared = resolver(
      { privateKey: KEY, jumps: { green: [{ host: 'b' }], blue: [{ host: 'b' }] } },
      null,
    );
    expect((await shared.route(target('gone'))).jumps.map((j) => j.name)).toEqual(['b']);
    const apart = resolver(
      { privateKey: KEY, jumps: { green: [{ host: 'b' }], blue: [{ host: 'c' }] } },
      null,
    );
    expect((await apart.route(target('gone'))).jumps).toEqual([]);
  });

  it('refuses a ProxyCommand it would not run, unless ssh.proxy_jump decides', async () => {
    await expect(resolver({ openssh: openssh(cfg, {}, '/a') }).route(target('web3'))).rejects.toThrow(
      /web3 has a ProxyCommand, which bluegreen does not run: write it as ProxyJump there, or set ssh\.proxy_jump/,
    );
    const decided = resolver({ openssh: openssh(cfg, {}, '/a'), jumps: { green: [] } });
    expect((await decided.route(target('web3'))).jumps).toEqual([]);
  });

  it('without the OpenSSH setup (the action) ~/.ssh/config is not read', async () => {
    const r = await resolver({ privateKey: KEY }).route(target('web1'));
    expect(r).toMatchObject({ jumps: [], target: { host: 'web1', user: 'root' } });
  });
});

describe('which keys are offered', () => {
  const files = {
    [`${HOME}/.ssh/id_ecdsa`]: 'ECDSA',
    [`${HOME}/.ssh/id_rsa`]: 'RSA',
    [`${HOME}/.ssh/work_key`]: 'WORK',
  };

  it('an explicit key (secret or ssh.private_key) is the only one: no agent, no files', async () => {
    const r = await resolver({ privateKey: KEY, openssh: openssh('', files, '/tmp/agent.sock') }).route(
      target('h'),
    );
    expect(r.target.auth).toEqual({ keys: [KEY] });
  });

  it('else the agent first, then the default identity files that exist, in ssh order', async () => {
    const r = await resolver({ openssh: openssh('', files, '/tmp/agent.sock') }).route(target('h'));
    expect(r.target.auth).toEqual({
      agent: '/tmp/agent.sock',
      keys: [
        { source: `${HOME}/.ssh/id_ecdsa`, text: 'ECDSA' },
        { source: `${HOME}/.ssh/id_rsa`, text: 'RSA' },
      ],
    });
  });

  it('IdentityFile replaces the defaults (~ and %-tokens expanded); IdentityAgent none turns the agent off', async () => {
    const cfg =
      'Host h\n  IdentityFile ~/.ssh/work_key\n  IdentityFile %d/.ssh/%r_missing\n  IdentityAgent none\n  User u\n';
    const r = await resolver({ openssh: openssh(cfg, files, '/tmp/agent.sock') }).route(target('h'));
    expect(r.target.auth).toEqual({ keys: [{ source: `${HOME}/.ssh/work_key`, text: 'WORK' }] });
    expect(sshConfig(cfg).lookup('h').identityFiles).toEqual([
      `${HOME}/.ssh/work_key`,
      `${HOME}/.ssh/u_missing`,
    ]);
  });

  it('IdentityAgent may name another socket or variable', () => {
    const c = sshConfig('Host a\n  IdentityAgent ~/agent.sock\nHost b\n  IdentityAgent SSH_AUTH_SOCK\n');
    expect(c.lookup('a').identityAgent).toBe(`${HOME}/agent.sock`);
    expect(c.lookup('b').identityAgent).toBe('/tmp/agent.sock');
  });

  it('no agent and no key file: says what it looked for and what to do', async () => {
    await expect(resolver({ openssh: openssh('', {}) }).route(target('web1'))).rejects.toThrow(
      new UsageError(
        `ssh.private_key: no SSH key for web1: no ssh-agent (SSH_AUTH_SOCK is not set) and none of ${HOME}/.ssh/id_ed25519, ${HOME}/.ssh/id_ecdsa, ${HOME}/.ssh/id_rsa exists (HINT)`,
      ),
    );
  });

  it('without the OpenSSH setup (the action) and without a key: the action names its input', async () => {
    await expect(resolver({}).route(target('web1'))).rejects.toThrow(
      new UsageError('ssh.private_key: no SSH key (HINT)'),
    );
  });
});
