import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { configError } from '../fakes/config-error.js';
import { serviceOptions } from '../../src/swarm/options.js';
import { fixedFlags, swarm } from '../../src/commands/swarm.js';

const swarmConfig = (
  extra = '',
  pools = 'green: { swarm: { label: pool=green } }\n  blue: { swarm: { label: pool=blue } }',
) => `
app: webapp
image: hubuser/app
swarm:
  manager: dockerhost
pools:
  ${pools}
balancer:
  host: dockerhost
  file: /etc/nginx/nginx.conf
  url: http://dockerhost/
${extra}`;

const error = configError;

describe('swarm config', () => {
  it('keeps the pools as (empty) host lists and puts the labels under swarm.labels', () => {
    const c = parseConfig(swarmConfig());
    expect(c.pools).toEqual({ green: [], blue: [] });
    expect(c.swarm).toMatchObject({
      manager: { host: 'dockerhost' },
      start_timeout: 120_000,
      labels: { green: { key: 'pool', value: 'green' }, blue: { key: 'pool', value: 'blue' } },
    });
  });

  it('refuses mixed pools, a missing manager, equal labels and bluegreen-owned keys, naming the field', () => {
    expect(error(swarmConfig('', 'green: { swarm: { label: pool=green } }\n  blue: [bluehost00]'))).toMatch(
      /pools\.blue.*both pools must be the same kind/s,
    );
    expect(error(swarmConfig().replace('swarm:\n  manager: dockerhost\n', ''))).toMatch(
      /swarm\.manager.*required/s,
    );
    expect(
      error(swarmConfig('', 'green: { swarm: { label: pool=x } }\n  blue: { swarm: { label: pool=x } }')),
    ).toMatch(/pools\.blue\.swarm\.label.*different nodes/s);
    expect(
      error(
        swarmConfig(
          '',
          'green: { swarm: { label: bluegreen.webapp=green } }\n  blue: { swarm: { label: pool=b } }',
        ),
      ),
    ).toMatch(/bluegreen's own/);
    expect(
      error(
        swarmConfig('', 'green: { swarm: { label: "pool green" } }\n  blue: { swarm: { label: pool=b } }'),
      ),
    ).toMatch(/KEY=VALUE/);
  });

  it('refuses registry: none and the release phase, which need SSH hosts, saying what to use instead', () => {
    expect(error(swarmConfig('registry: none'))).toMatch(/registry: none .*Swarm nodes pull it themselves/);
    expect(error(swarmConfig('release:\n  command: node migrate.js'))).toMatch(
      /release: .*not supported for Swarm pools.*hooks\.pre_deploy/,
    );
  });

  it('refuses container options that have no service equivalent, by name', () => {
    expect(error(swarmConfig('container: { options: ["-p", "80:8000"] }'))).toMatch(
      /container\.options: -p cannot be used/,
    );
    expect(error(swarmConfig('container: { options: ["--privileged"] }'))).toMatch(
      /--privileged cannot be used/,
    );
    expect(error(swarmConfig('container: { options: ["--network", "bridge"] }'))).toMatch(/host networking/);
  });
});

describe('service options', () => {
  it('maps docker run options to docker service flags', () => {
    expect(
      serviceOptions([
        '--network=host',
        '-e',
        'A=1',
        '--memory',
        '256m',
        '-v',
        '/srv:/data:ro',
        '--init',
        '-l',
        'x=y',
      ]),
    ).toEqual([
      '--env',
      'A=1',
      '--limit-memory',
      '256m',
      '--mount',
      'type=bind,source=/srv,target=/data,readonly',
      '--init',
      '--container-label',
      'x=y',
    ]);
  });
});

describe('swarm commands', () => {
  const spec = {
    app: 'webapp',
    pool: 'green',
    env: { PORT: '8000' },
    options: [],
    restart: 'unless-stopped',
    stopSeconds: 10,
  };
  it('a global service on host networking, placed by bluegreen’s own label, stop-first', () => {
    const flags = fixedFlags(spec);
    expect(flags.join(' ')).toContain(
      '--mode global --constraint node.labels.bluegreen.webapp==green --network host',
    );
    expect(flags.join(' ')).toContain('--update-order stop-first');
    expect(flags.join(' ')).toContain('--restart-condition any');
    expect(flags.join(' ')).toContain('--env PORT=8000');
  });
  it('runs the image by digest with registry auth', () => {
    const cmd = swarm.create(spec, {
      image: 'hubuser/app@sha256:' + 'a'.repeat(64),
      version: '1.0.0',
      run: 'r1',
    });
    expect(cmd).toContain('--with-registry-auth');
    expect(cmd).toMatch(/hubuser\/app@sha256:a{64}$/);
    expect(swarm.place('webapp', 'green', ['n1', 'n2'])).toContain(
      'docker node update --label-add bluegreen.webapp=green n1',
    );
  });
});
