import { describe, expect, it } from 'vitest';
import { findUpstream, parseServers, replaceUpstream } from '../../src/balancer/nginx-config.js';

const file = `# main config
http {
    upstream other { server 10.0.0.9:80; }
    # upstream app_server { server fake:1; }
    upstream app_server {
        keepalive 16;
        server 10.0.0.1:8000;   # green
        server 10.0.0.2:8000 weight=3;
        server 127.0.0.1:9 down;
    }
    server { listen 80; location / { proxy_pass http://app_server; add_header X "a}b"; } }
}
`;

const opts = { name: 'app_server', maxFails: 1, failTimeoutSeconds: 10 };

describe('nginx upstream', () => {
  it('finds the named block, not one in a comment or another name', () => {
    const b = findUpstream(file, 'app_server');
    expect(b).toBeDefined();
    expect(file.slice(b!.start, b!.start + 20)).toBe('upstream app_server ');
    expect(parseServers(b!.body)).toEqual([
      { host: '10.0.0.1', port: 8000 },
      { host: '10.0.0.2', port: 8000, weight: 3 },
    ]);
  });

  it('replaces only that block and keeps everything else byte-identical', () => {
    const out = replaceUpstream(file, { ...opts, servers: [{ host: '10.0.0.5', port: 8000 }] });
    const b = findUpstream(file, 'app_server')!;
    const nb = findUpstream(out, 'app_server')!;
    expect(out.slice(0, nb.start)).toBe(file.slice(0, b.start));
    expect(out.slice(nb.end)).toBe(file.slice(b.end));
    expect(out.slice(nb.start, nb.end)).toBe(
      'upstream app_server {\n    keepalive 16;\n    server 10.0.0.5:8000 max_fails=1 fail_timeout=10s;\n}',
    );
  });

  it('renders weights and IPv6 addresses', () => {
    const out = replaceUpstream('upstream app_server { server a:1; }', {
      ...opts,
      servers: [
        { host: 'fd00::1', port: 8000, weight: 9 },
        { host: 'greenhost00', port: 8001 },
      ],
    });
    expect(out).toContain('server [fd00::1]:8000 max_fails=1 fail_timeout=10s weight=9;');
    expect(out).toContain('server greenhost00:8001 max_fails=1');
  });

  it.each(['10.0.0.1; include /etc/passwd', 'a}b', 'x\nserver evil:1', 'h#c', ''])(
    'refuses to render %j',
    (host) => {
      expect(() => replaceUpstream(file, { ...opts, servers: [{ host, port: 8000 }] })).toThrow(
        /refusing to render/,
      );
    },
  );

  it('fails clearly when the block is missing', () => {
    expect(() => replaceUpstream(file, { ...opts, name: 'nope', servers: [{ host: 'a', port: 1 }] })).toThrow(
      /upstream nope .* not found/,
    );
  });
});
