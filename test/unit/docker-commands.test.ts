import { describe, expect, it } from 'vitest';
import { containerName, docker, parseContainerList } from '../../src/commands/docker.js';

const spec = {
  app: 'webapp',
  version: '2.0.0',
  pool: 'blue',
  image: 'hubuser/app:2.0.0',
  port: 8000,
  env: { NODE_ENV: 'production', MSG: "it's $HOME" },
  options: ['--log-driver', 'syslog', '--log-opt', 'syslog-tag=webapp'],
  restart: 'unless-stopped',
};

describe('docker commands', () => {
  it('builds the seed docker run, labelled and named by version', () => {
    expect(docker.run(spec)).toBe(
      "docker run -d --name webapp-2.0.0 --label bluegreen.app=webapp --label bluegreen.version=2.0.0 --label bluegreen.pool=blue --restart unless-stopped -p 8000:8000 -e NODE_ENV=production -e 'MSG=it'\\''s $HOME' --log-driver syslog --log-opt syslog-tag=webapp hubuser/app:2.0.0",
    );
  });

  it('publishes no port when the container shares the host network', () => {
    for (const options of [['--network', 'host'], ['--network=host'], ['--net', 'host']]) {
      expect(docker.run({ ...spec, options })).not.toContain(' -p ');
    }
  });

  it('reads the registry password from stdin, never from argv', () => {
    expect(docker.login('reg:5000', 'ci')).toBe('docker login --username ci --password-stdin reg:5000');
  });

  it('names containers safely and parses listings', () => {
    expect(containerName('webapp', 'a+b')).toBe('webapp-a_b');
    expect(parseContainerList('webapp-1.0.0\trunning\t1.0.0\tgreen\n')).toEqual([
      { name: 'webapp-1.0.0', state: 'running', version: '1.0.0', pool: 'green' },
    ]);
  });
});
