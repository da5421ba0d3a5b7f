import { describe, expect, it } from 'vitest';
import {
  escapeApacheValue,
  findProxyBlock,
  loadfactors,
  parseMembers,
  parseServers,
  replaceMembers,
  words,
  type MemberOptions,
} from '../../src/balancer/apache-config.js';
import { apache, pidFileIn } from '../../src/commands/apache.js';
import { parseConfig } from '../../src/config/load.js';

const file = `# site: the app behind Apache's balancer
<VirtualHost *:80>
    ServerName app.example.com
    # <Proxy "balancer://app_server"> in a comment is not the block
    <Proxy "balancer://app_server_old">
        BalancerMember "http://10.0.0.9:80"
    </Proxy>

    <Proxy "balancer://app_server">
        # members below are managed by bluegreen
        BalancerMember "http://10.0.0.1:8000" retry=10
        BalancerMember http://10.0.0.2:8000/ loadfactor=3
        BalancerMember "http://10.0.0.3:8000" status=+H
        BalancerMember "http://127.0.0.1:9" status=+D
        BalancerMember "http://10.0.0.4:8000" \\
            status=-D+I
        ProxySet lbmethod=byrequests maxattempts=0
    </Proxy>

    ProxyPass "/" "balancer://app_server/"
</VirtualHost>
`;

const opts: MemberOptions = { retrySeconds: 10, params: [] };

describe('Apache <Proxy "balancer://NAME"> block', () => {
  it('finds the named block (quotes, case and a trailing slash do not matter), not a comment or a longer name', () => {
    const b = findProxyBlock(file, 'app_server')!;
    expect(file.slice(b.start, b.bodyStart)).toBe('    <Proxy "balancer://app_server">\n');
    expect(file.slice(b.bodyEnd).startsWith('    </Proxy>\n\n    ProxyPass')).toBe(true);
    for (const header of [
      '<proxy balancer://App_Server/>',
      "<Proxy 'balancer://app_server'>",
      '<PROXY "BALANCER://app_server">',
    ])
      expect(findProxyBlock(`${header}\nBalancerMember http://h:1\n</proxy>\n`, 'app_server')).toBeDefined();
    expect(findProxyBlock(file, 'app')).toBeUndefined();
    expect(
      findProxyBlock('<ProxyMatch "balancer://app_server">\n</ProxyMatch>\n', 'app_server'),
    ).toBeUndefined();
    expect(findProxyBlock('<Proxy "balancer://app_server">\n', 'app_server')).toBeUndefined(); // never closed
  });

  it('reads the members that take traffic: not disabled, stopped, hot standby or spare; continued lines too', () => {
    const b = findProxyBlock(file, 'app_server')!;
    expect(parseMembers(file, b).map((m) => [m.host, m.port, m.weight, m.active])).toEqual([
      ['10.0.0.1', 8000, undefined, true],
      ['10.0.0.2', 8000, 3, true],
      ['10.0.0.3', 8000, undefined, false],
      ['127.0.0.1', 9, undefined, false],
      ['10.0.0.4', 8000, undefined, true],
    ]);
    expect(parseServers(file, 'app_server')).toEqual([
      { host: '10.0.0.1', port: 8000 },
      { host: '10.0.0.2', port: 8000, weight: 3 },
      { host: '10.0.0.4', port: 8000 },
    ]);
    expect(
      parseServers(
        '<Proxy balancer://b>\n  BalancerMember http://[::1]:81\n  BalancerMember http://web\n</Proxy>\n',
        'b',
      ),
    ).toEqual([
      { host: '::1', port: 81 },
      { host: 'web', port: 80 },
    ]);
  });

  it('replaces only the member lines, in place; everything else is byte-identical', () => {
    const out = replaceMembers(
      file,
      'app_server',
      [
        { host: '10.0.0.5', port: 8000 },
        { host: '10.0.0.6', port: 8000, weight: 9 },
      ],
      { retrySeconds: 10, params: [['upgrade', 'websocket']] },
    );
    const before = findProxyBlock(file, 'app_server')!;
    const after = findProxyBlock(out, 'app_server')!;
    expect(out.slice(0, after.bodyStart)).toBe(file.slice(0, before.bodyStart));
    expect(out.slice(after.bodyEnd)).toBe(file.slice(before.bodyEnd));
    expect(out.slice(after.bodyStart, after.bodyEnd)).toBe(
      [
        '        # members below are managed by bluegreen',
        '        BalancerMember "http://10.0.0.5:8000" retry=10 upgrade=websocket',
        '        BalancerMember "http://10.0.0.6:8000" retry=10 loadfactor=9 upgrade=websocket',
        '        ProxySet lbmethod=byrequests maxattempts=0',
        '',
      ].join('\n'),
    );
    expect(parseServers(out, 'app_server')).toEqual([
      { host: '10.0.0.5', port: 8000 },
      { host: '10.0.0.6', port: 8000, weight: 9 },
    ]);
    // rendering what is there again changes nothing
    expect(
      replaceMembers(out, 'app_server', parseServers(out, 'app_server'), {
        ...opts,
        params: [['upgrade', 'websocket']],
      }),
    ).toBe(out);
  });

  it('adds members to a block without any, after its last directive; keeps CRLF line ends', () => {
    const t = '<Proxy "balancer://b">\n  ProxySet lbmethod=bybusyness\n\n  # end\n</Proxy>\n';
    expect(replaceMembers(t, 'b', [{ host: 'h1', port: 1 }], opts)).toBe(
      '<Proxy "balancer://b">\n  ProxySet lbmethod=bybusyness\n  BalancerMember "http://h1:1" retry=10\n\n  # end\n</Proxy>\n',
    );
    expect(replaceMembers('<Proxy balancer://b>\n</Proxy>', 'b', [{ host: '::1', port: 80 }], opts)).toBe(
      '<Proxy balancer://b>\n    BalancerMember "http://[::1]:80" retry=10\n</Proxy>',
    );
    const crlf =
      '<Proxy balancer://b>\r\n\tBalancerMember http://a:1\r\n\tProxySet maxattempts=0\r\n</Proxy>\r\n';
    expect(replaceMembers(crlf, 'b', [{ host: 'c', port: 2 }], opts)).toBe(
      '<Proxy balancer://b>\r\n\tBalancerMember "http://c:2" retry=10\n\tProxySet maxattempts=0\r\n</Proxy>\r\n',
    );
  });

  it('renders an address given twice once', () => {
    const out = replaceMembers(
      '<Proxy balancer://b>\n</Proxy>\n',
      'b',
      [
        { host: '10.0.0.1', port: 80, weight: 2 },
        { host: '10.0.0.1', port: 80, weight: 5 },
      ],
      opts,
    );
    expect(out.match(/BalancerMember/g)).toHaveLength(1);
    expect(out).toContain('loadfactor=2');
  });

  it('loadfactors stay in Apache’s 1..100: larger weights are scaled down, the ratio kept', () => {
    expect(
      loadfactors([
        { host: 'a', port: 1, weight: 9 },
        { host: 'b', port: 1, weight: 1 },
      ]).map((s) => s.weight),
    ).toEqual([9, 1]);
    expect(
      loadfactors([
        { host: 'a', port: 1, weight: 231 },
        { host: 'b', port: 1, weight: 1 },
      ]).map((s) => s.weight),
    ).toEqual([100, 1]);
    expect(
      loadfactors([
        { host: 'a', port: 1, weight: 256 },
        { host: 'b', port: 1, weight: 128 },
      ]).map((s) => s.weight),
    ).toEqual([100, 50]);
    expect(() => loadfactors([{ host: 'a', port: 1, weight: 0 }])).toThrow(
      /loadfactor 0 is outside 1\.\.100/,
    );
  });

  it('refuses a missing block, two blocks, members outside the block, no members, and anything not a host, port or word', () => {
    const s = [{ host: '10.0.0.1', port: 80 }];
    expect(() => replaceMembers(file, 'nope', s, opts)).toThrow(
      /<Proxy "balancer:\/\/nope"> … <\/Proxy> not found/,
    );
    const two = '<Proxy balancer://b>\n</Proxy>\n<Proxy "balancer://b/">\n</Proxy>\n';
    expect(() => replaceMembers(two, 'b', s, opts)).toThrow(/appears 2 times/);
    const outside = 'BalancerMember balancer://b http://10.0.0.9:80\n<Proxy balancer://b>\n</Proxy>\n';
    expect(() => replaceMembers(outside, 'b', s, opts)).toThrow(
      /outside its <Proxy> block: move it into the block/,
    );
    expect(() => replaceMembers(file, 'app_server', [], opts)).toThrow(/without members/);
    for (const host of ['a b', 'a\nBalancerMember http://evil', 'x"y', '#', "a'b", 'a\\b'])
      expect(() => replaceMembers(file, 'app_server', [{ host, port: 80 }], opts)).toThrow(
        /refusing to render/,
      );
    for (const p of [
      ['timeout', '1 2'],
      ['a"b', 'x'],
      ['x', 'y#z'],
      ['x', 'a:b'],
    ] as [string, string][])
      expect(() => replaceMembers(file, 'app_server', s, { retrySeconds: 1, params: [p] })).toThrow(
        /refusing to render/,
      );
    expect(() => escapeApacheValue(-1)).toThrow();
    expect(() => escapeApacheValue(1.5)).toThrow();
    expect(escapeApacheValue('fe80::1')).toBe('[fe80::1]');
  });

  it('reads directive words as Apache does', () => {
    expect(words(`  BalancerMember "http://a b" 'c d' e\\"f "g\\"h"`)).toEqual([
      'BalancerMember',
      'http://a b',
      'c d',
      'e\\"f',
      'g"h',
    ]);
  });
});

describe('Apache commands', () => {
  it('dumps the run-time config the way the test command runs Apache', () => {
    expect(apache.dumpRunConfig(undefined, ['apachectl'])).toBe('apachectl -t -D DUMP_RUN_CFG 2>/dev/null');
    expect(apache.dumpRunConfig('apache2 -f /srv/ap/apache2.conf -t', ['apachectl'])).toBe(
      'apache2 -f /srv/ap/apache2.conf -t -D DUMP_RUN_CFG 2>/dev/null',
    );
    expect(apache.dumpRunConfig('apachectl configtest', ['apachectl'])).toBe(
      'apachectl -t -D DUMP_RUN_CFG 2>/dev/null',
    );
    expect(apache.dumpRunConfig('true', ['docker', 'exec', 'web', 'httpd'])).toBe(
      'docker exec web httpd -t -D DUMP_RUN_CFG 2>/dev/null',
    );
  });

  it('finds the PidFile in the dump', () => {
    const dump = `ServerRoot: "/etc/apache2"
Main DocumentRoot: "/var/www/html"
Mutex default: dir="/var/run/apache2/" mechanism=default 
PidFile: "/var/run/apache2/apache2.pid"
Define: DUMP_RUN_CFG
`;
    expect(pidFileIn(dump)).toBe('/var/run/apache2/apache2.pid');
    expect(pidFileIn('Syntax error on line 3')).toBeUndefined();
  });
});

describe('balancer.member_params', () => {
  const base = `
app: webapp
image: hubuser/app
pools: { green: [g0], blue: [b0] }
balancer:
  host: lb
  file: /etc/apache2/sites-available/app.conf
  url: http://lb/
`;
  it('takes Apache worker parameters for balancer.type apache', () => {
    const c = parseConfig(`${base}  type: apache\n  member_params: { upgrade: websocket, timeout: 600 }\n`);
    expect(c.balancer.type).toBe('apache');
    expect(c.balancer.member_params).toEqual({ upgrade: 'websocket', timeout: 600 });
  });

  it('refuses them for another type, the parameters bluegreen sets, and values with syntax', () => {
    expect(() => parseConfig(`${base}  member_params: { upgrade: websocket }\n`)).toThrow(
      /balancer\.member_params: is for balancer\.type apache/,
    );
    for (const key of ['loadfactor', 'retry', 'route', 'status'])
      expect(() => parseConfig(`${base}  type: apache\n  member_params: { ${key}: 1 }\n`)).toThrow(
        new RegExp(`${key} is set by bluegreen`),
      );
    expect(() => parseConfig(`${base}  type: apache\n  member_params: { timeout: "1 2" }\n`)).toThrow(
      /member_params\.timeout/,
    );
  });
});
