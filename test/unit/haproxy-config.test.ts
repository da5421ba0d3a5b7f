import { describe, expect, it } from 'vitest';
import {
  addressKey,
  escapeHaproxyValue,
  findBackend,
  parseBackendServers,
  planBackendChange,
  replaceBackend,
  serverName,
} from '../../src/balancer/haproxy-config.js';
import { parseShowStat } from '../../src/balancer/haproxy.js';
import { haproxy } from '../../src/commands/haproxy.js';

const file = `global
    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners

defaults
    mode http

# backend app_server (a comment, not the section)
backend app_server_old
    server old 10.0.0.9:80 check

backend app_server
    balance roundrobin   # keep me
    # servers below are managed by bluegreen
    server bg-10-0-0-1-8000 10.0.0.1:8000 check
    server bg-10-0-0-2-8000 10.0.0.2:8000 check weight 3
    server spare 10.0.0.3:8000 check backup
    server off 127.0.0.1:9 disabled
    http-request set-header X-Y z

frontend web
    bind :80
    default_backend app_server
`;

describe('HAProxy backend section', () => {
  it('finds the named section up to the next section keyword', () => {
    const s = findBackend(file, 'app_server')!;
    expect(file.slice(s.start, s.bodyStart)).toBe('backend app_server\n');
    expect(file.slice(s.end).startsWith('frontend web\n')).toBe(true);
    expect(findBackend(file, 'app')).toBeUndefined();
    expect(findBackend(file, 'nope')).toBeUndefined();
  });

  it('reads the servers that take traffic (not backup, not disabled)', () => {
    const s = findBackend(file, 'app_server')!;
    expect(parseBackendServers(file, s)).toEqual([
      { name: 'bg-10-0-0-1-8000', host: '10.0.0.1', port: 8000 },
      { name: 'bg-10-0-0-2-8000', host: '10.0.0.2', port: 8000, weight: 3 },
    ]);
  });

  it('replaces only the server lines, in place; everything else is byte-identical', () => {
    const out = replaceBackend(file, 'app_server', [
      { host: '10.0.0.5', port: 8000 },
      { host: '10.0.0.6', port: 8000, weight: 9 },
    ]);
    const before = findBackend(file, 'app_server')!;
    const after = findBackend(out, 'app_server')!;
    expect(out.slice(0, after.bodyStart)).toBe(file.slice(0, before.bodyStart));
    expect(out.slice(after.end)).toBe(file.slice(before.end));
    expect(out.slice(after.bodyStart, after.end)).toBe(
      [
        '    balance roundrobin   # keep me',
        '    # servers below are managed by bluegreen',
        '    server bg-10-0-0-5-8000 10.0.0.5:8000 check',
        '    server bg-10-0-0-6-8000 10.0.0.6:8000 check weight 9',
        '    http-request set-header X-Y z',
        '',
        '',
      ].join('\n'),
    );
    // and it reads back
    expect(parseBackendServers(out, after).map((s) => [s.host, s.weight])).toEqual([
      ['10.0.0.5', undefined],
      ['10.0.0.6', 9],
    ]);
  });

  it('adds servers to a section without any, before trailing blank lines; and at the end of a file', () => {
    const t = 'backend b\n  balance first\n\n\nfrontend f\n  bind :80\n';
    expect(replaceBackend(t, 'b', [{ host: 'h1', port: 1 }])).toBe(
      'backend b\n  balance first\n  server bg-h1-1 h1:1 check\n\n\nfrontend f\n  bind :80\n',
    );
    expect(replaceBackend('backend b', 'b', [{ host: '10.0.0.1', port: 80 }])).toBe(
      'backend b\n    server bg-10-0-0-1-80 10.0.0.1:80 check\n',
    );
    expect(replaceBackend('backend b\n    mode http', 'b', [{ host: '10.0.0.1', port: 80 }])).toBe(
      'backend b\n    mode http\n    server bg-10-0-0-1-80 10.0.0.1:80 check\n',
    );
  });

  it('every section keyword ends the section', () => {
    for (const kw of [
      'global',
      'defaults',
      'listen x',
      'peers p',
      'resolvers r',
      'userlist u',
      'program p',
      'http-errors e',
      'ring r',
      'cache c',
      'mailers m',
      'backend other',
    ]) {
      const t = `backend b\n    server a 10.0.0.1:80\n${kw}\n    server z 10.0.0.9:80\n`;
      const out = replaceBackend(t, 'b', [{ host: '10.0.0.2', port: 80 }]);
      expect(out).toBe(
        `backend b\n    server bg-10-0-0-2-80 10.0.0.2:80 check\n${kw}\n    server z 10.0.0.9:80\n`,
      );
    }
    // not a keyword: a word that merely starts like one, or an indented line
    const t = 'backend b\n    server a 10.0.0.1:80\nbackendish\n  global\n';
    expect(findBackend(t, 'b')!.end).toBe(t.length);
  });

  it('refuses a missing section, an empty server list and anything that is not a host, port or weight', () => {
    expect(() => replaceBackend(file, 'nope', [{ host: '10.0.0.1', port: 1 }])).toThrow(
      /backend nope not found/,
    );
    expect(() => replaceBackend(file, 'app_server', [])).toThrow(/without servers/);
    for (const host of ['a b', 'a\nserver evil 1.2.3.4:80', 'x#y', '"q"', 'a;b'])
      expect(() => replaceBackend(file, 'app_server', [{ host, port: 80 }])).toThrow(/refusing to render/);
    expect(() => replaceBackend(file, 'app_server', [{ host: '10.0.0.1', port: 80, weight: 257 }])).toThrow(
      /weight/,
    );
    expect(() => escapeHaproxyValue(-1)).toThrow();
    expect(() => escapeHaproxyValue(1.5)).toThrow();
    expect(escapeHaproxyValue('::1')).toBe('[::1]');
  });

  it('derives safe server names', () => {
    expect(serverName('10.88.0.60', 8000)).toBe('bg-10-88-0-60-8000');
    expect(serverName('web-1.example.com', 80)).toBe('bg-web-1-example-com-80');
    expect(serverName('::1', 80)).toBe('bg-1-80');
  });
});

// Issue #15: a backend whose servers already are (some of) the pool's hosts under the
// operator's own names. Every file bluegreen writes must list each address once.
describe('HAProxy backend adopted with its own server names', () => {
  const adopted = `backend app_server
    balance roundrobin
    server seed0 10.210.0.100:8000
`;
  const green = ['10.210.0.100', '10.210.0.101', '10.210.0.102'].map((host) => ({ host, port: 8000 }));
  const serverLines = (text: string) => text.split('\n').filter((l) => /^\s*server /.test(l));
  const addressesOf = (text: string) => serverLines(text).map((l) => l.trim().split(/\s+/)[2]);
  const namesOf = (text: string) => serverLines(text).map((l) => l.trim().split(/\s+/)[1]);
  const once = (text: string) => {
    for (const list of [addressesOf(text), namesOf(text)]) expect(new Set(list).size).toBe(list.length);
  };

  it('a server whose address stays keeps its name; new addresses get bg- names', () => {
    const next = replaceBackend(adopted, 'app_server', green);
    expect(serverLines(next)).toEqual([
      '    server seed0 10.210.0.100:8000 check',
      '    server bg-10-210-0-101-8000 10.210.0.101:8000 check',
      '    server bg-10-210-0-102-8000 10.210.0.102:8000 check',
    ]);
    once(next);
  });

  it('the first deploy over it changes no server that stays: nothing leaves, nothing is staged', () => {
    const next = replaceBackend(adopted, 'app_server', green);
    expect(planBackendChange(adopted, next, 'app_server')).toEqual({ leaving: [] });
  });

  it('a change that adds and removes: the both-sets file keeps the running names, each address once', () => {
    // live green under the operator's names (two of three), then blue replaces it
    const live = `backend app_server
    balance roundrobin
    server seed0 10.210.0.100:8000 check
    server web_1 10.210.0.101:8000 check
    server bg-10-210-0-102-8000 10.210.0.102:8000 check
`;
    const blue = ['10.210.0.110', '10.210.0.111'].map((host) => ({ host, port: 8000 }));
    const next = replaceBackend(live, 'app_server', blue);
    const plan = planBackendChange(live, next, 'app_server');
    expect(plan.leaving.map((s) => s.name)).toEqual(['seed0', 'web_1', 'bg-10-210-0-102-8000']);
    expect(serverLines(plan.staged!)).toEqual([
      '    server bg-10-210-0-110-8000 10.210.0.110:8000 check',
      '    server bg-10-210-0-111-8000 10.210.0.111:8000 check',
      '    server seed0 10.210.0.100:8000 check',
      '    server web_1 10.210.0.101:8000 check',
      '    server bg-10-210-0-102-8000 10.210.0.102:8000 check',
    ]);
    once(plan.staged!);
    once(next);
    // the servers that stay are named alike in the staged and the final file
    expect(serverLines(next)).toEqual(serverLines(plan.staged!).slice(0, 2));
  });

  it('a deploy beside an adopted live pool keeps its names, so nothing drains (the issue: a rejected file)', () => {
    const live = `backend app_server
    server seed0 10.210.0.100:8000 check
    server seed1 10.210.0.101:8000 check weight 3
`;
    const next = replaceBackend(live, 'app_server', [...green, { host: '10.210.0.110', port: 8000 }]);
    expect(namesOf(next)).toEqual(['seed0', 'seed1', 'bg-10-210-0-102-8000', 'bg-10-210-0-110-8000']);
    expect(planBackendChange(live, next, 'app_server')).toEqual({ leaving: [] });
    once(next);
  });

  it('an address listed twice is rendered once; a generated name never collides with a kept one', () => {
    const odd = `backend b
    server bg-10-0-0-2-80 10.0.0.1:80
    server off 127.0.0.1:9 disabled
`;
    const out = replaceBackend(odd, 'b', [
      { host: '10.0.0.1', port: 80 },
      { host: '10.0.0.2', port: 80 },
      { host: '10.0.0.2', port: 80, weight: 5 },
    ]);
    expect(serverLines(out)).toEqual([
      '    server bg-10-0-0-2-80 10.0.0.1:80 check',
      '    server bg-10-0-0-2-80-2 10.0.0.2:80 check',
    ]);
    once(out);
  });

  it('addresses compare case-insensitively and without IPv6 brackets; names with ":" are not kept', () => {
    expect(addressKey({ host: 'Web1.Example.COM', port: 80 })).toBe(
      addressKey({ host: 'web1.example.com', port: 80 }),
    );
    expect(addressKey({ host: '[::1]', port: 80 })).toBe(addressKey({ host: '::1', port: 80 }));
    const t = 'backend b\n    server a:1 Web1.example.com:80\n    server six [::1]:80\n';
    const out = replaceBackend(t, 'b', [
      { host: 'web1.example.com', port: 80 },
      { host: '::1', port: 80 },
    ]);
    expect(serverLines(out)).toEqual([
      '    server bg-web1-example-com-80 web1.example.com:80 check',
      '    server six [::1]:80 check',
    ]);
  });
});

describe('HAProxy runtime API', () => {
  it('parses show stat: current sessions per server of one backend', () => {
    const csv = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status
web,FRONTEND,,,3,5,,,,,,,,,,,,OPEN
app_server,bg-10-0-0-1-8000,0,0,2,4,,,,,,,,,,0,0,DRAIN
app_server,bg-10-0-0-2-8000,0,0,0,4,,,,,,,,,,0,0,UP
app_server,BACKEND,0,0,2,8,,,,,,,,,,0,0,UP
other,bg-10-0-0-1-8000,0,0,7,7,,,,,,,,,,0,0,UP
`;
    expect([...parseShowStat(csv, 'app_server')]).toEqual([
      ['bg-10-0-0-1-8000', { scur: 2, status: 'DRAIN' }],
      ['bg-10-0-0-2-8000', { scur: 0, status: 'UP' }],
    ]);
  });

  it('quotes the command and the socket path for the shell', () => {
    expect(haproxy.runtime('/run/haproxy/admin.sock', 'set server app_server/bg-1 state drain')).toBe(
      "printf '%s\\n' 'set server app_server/bg-1 state drain' | socat -t 5 stdio unix-connect:/run/haproxy/admin.sock",
    );
  });
});
