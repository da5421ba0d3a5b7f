// The CLI and the action go through one module from arguments to engine options
// (src/engine-options.ts): the same rules, the same secrets lookup, messages in each front
// end's own names. And the CLI's main() can be imported and called without running.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolve } from 'node:path';
import { main } from '../../src/cli.js';
import { parseConfig } from '../../src/config/load.js';
import { registryOf } from '../../src/config/schema.js';
import {
  ACTION_FIELDS,
  CLI_FIELDS,
  commandArgs,
  COMMANDS,
  engineOptions,
  parseCommand,
  secretsFor,
} from '../../src/engine-options.js';
import { silentLogger } from '../../src/util/log.js';

const config = parseConfig(`app: shop
image: registry.test:5000/octo/shop
registry: { server: registry.test:5000, password_env: SHOP_REGISTRY_PASSWORD }
pools: { green: [greenhost00] }
balancer: { host: lb, file: /etc/nginx/conf.d/app.conf, url: 'http://lb/' }
`);

describe('commandArgs: one set of rules for both front ends', () => {
  it.each([
    [CLI_FIELDS, '--steps applies to deploy only'],
    [ACTION_FIELDS, 'input steps applies to deploy only'],
  ])('refuses steps for a command other than deploy (%#)', (names, message) => {
    expect(() => commandArgs({ command: 'promote', steps: [10, 100] }, names)).toThrow(message);
  });

  it('refuses a version for other commands, and requires one for deploy', () => {
    expect(() => commandArgs({ command: 'rollback', version: '1.0.0' }, ACTION_FIELDS)).toThrow(
      'input version applies to deploy only',
    );
    expect(() => commandArgs({ command: 'deploy' }, CLI_FIELDS)).toThrow('--version: is required');
  });

  it('keeps a digest for deploy and an expected candidate for promote only', () => {
    expect(commandArgs({ command: 'deploy', version: 'v1', digest: 'sha256:ab' }, ACTION_FIELDS)).toEqual({
      command: 'deploy',
      version: 'v1',
      force: false,
      digest: 'sha256:ab',
    });
    expect(() => commandArgs({ command: 'status', expectCandidate: 'v1' }, ACTION_FIELDS)).toThrow(
      /promote only/,
    );
  });

  it('has one command list, validate included', () => {
    expect(COMMANDS).toEqual(['deploy', 'promote', 'rollback', 'scale', 'prune', 'status', 'validate']);
    expect(() => parseCommand('destroy', 'command')).toThrow(/^unknown command "destroy": expected one of/);
  });
});

describe('secretsFor: given, else the environment, never the config file', () => {
  it('takes what was given over the environment', () => {
    const env = { BLUEGREEN_SSH_KEY: 'env-key', SHOP_REGISTRY_PASSWORD: 'env-pw' };
    expect(secretsFor(config, { privateKey: 'input-key', registryPassword: '' }, env)).toEqual({
      privateKey: 'input-key',
      registryPassword: 'env-pw',
    });
    expect(secretsFor(config, {}, { BLUEGREEN_KNOWN_HOSTS: 'kh' })).toEqual({ knownHosts: 'kh' });
  });
});

describe('engineOptions', () => {
  const base = {
    config,
    configPath: '/repo/.github/bluegreen.yml',
    log: silentLogger,
    dryRun: false,
    signal: new AbortController().signal,
  };

  it('anchors relative paths at the config and applies the registry user', () => {
    const opts = engineOptions({ ...base, secrets: {}, registryUsername: 'bot' });
    expect(opts.baseDir).toBe('/repo/.github');
    expect(registryOf(opts.config)?.username).toBe('bot');
  });

  it('warns when a registry password has no user to log in with', () => {
    const warn = vi.fn();
    engineOptions({ ...base, secrets: { registryPassword: 'pw' }, log: { ...silentLogger, warn } });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/no registry user/));
  });
});

describe('the CLI, imported', () => {
  afterEach(() => vi.restoreAllMocks());

  function capture() {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((out += String(c)), true));
    return () => out;
  }

  it('refuses --steps for promote before reading any config (exit 2)', async () => {
    const out = capture();
    expect(await main(['promote', '--steps', '10,100', '-c', '/nonexistent.yml'])).toBe(2);
    expect(out()).toContain('--steps applies to deploy only');
  });

  it('validates a config without contacting a host (exit 0)', async () => {
    const out = capture();
    const path = resolve(import.meta.dirname, '../../examples/bluegreen.yml');
    expect(await main(['validate', '-c', path])).toBe(0);
    expect(out()).toMatch(/is valid\napp webapp: .*\npools: green 3 hosts, blue 3 hosts/);
  });
});
