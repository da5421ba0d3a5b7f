import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { imageRef, parseChallenge, resolveDigest } from '../../src/registry/digest.js';

// The decisions of the digest lookup (which registry, which challenge, which error) against a
// small stand-in registry on 127.0.0.1; the real registry (open and with htpasswd) is the e2e's.

const DIGEST = `sha256:${'ab'.repeat(32)}`;
let server: Server | undefined;
afterEach(() => server?.close());

async function registry(
  handler: (req: IncomingMessage, base: string) => [number, Record<string, string>, string?],
) {
  server = createServer((req, res) => {
    const [status, headers, body] = handler(req, base);
    res.writeHead(status, headers).end(body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

describe('image references', () => {
  it('names the registry the API is asked, Docker Hub included', () => {
    expect(imageRef('10.0.0.1:5000/hubuser/app', '2.0.0')).toEqual({
      registry: '10.0.0.1:5000',
      repository: 'hubuser/app',
      tag: '2.0.0',
    });
    expect(imageRef('hubuser/app', 'x')).toMatchObject({
      registry: 'registry-1.docker.io',
      repository: 'hubuser/app',
    });
    expect(imageRef('nginx', 'x')).toMatchObject({
      registry: 'registry-1.docker.io',
      repository: 'library/nginx',
    });
    expect(imageRef('ghcr.io/o/r', 'x')).toMatchObject({ registry: 'ghcr.io', repository: 'o/r' });
  });

  it('parses a bearer challenge', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/nginx:pull',
      },
    });
  });
});

describe('resolveDigest', () => {
  it('takes Docker-Content-Digest from a HEAD, asking for every manifest type', async () => {
    let accept = '';
    const base = await registry((req) => {
      accept = String(req.headers.accept);
      return req.method === 'HEAD' ? [200, { 'docker-content-digest': DIGEST }] : [500, {}];
    });
    expect(await resolveDigest(imageRef(`${base}/hubuser/app`, '1.0.0'), { insecure: true })).toBe(DIGEST);
    expect(accept).toContain('application/vnd.oci.image.index.v1+json');
    expect(accept).toContain('application/vnd.docker.distribution.manifest.v2+json');
  });

  it('follows a bearer challenge with the credentials, then asks again with the token', async () => {
    const seen: string[] = [];
    const base = await registry((req, b) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
      if (req.url?.startsWith('/token'))
        return req.headers.authorization === `Basic ${Buffer.from('ci:pw').toString('base64')}`
          ? [200, { 'content-type': 'application/json' }, '{"token":"t0k"}']
          : [401, {}];
      if (req.headers.authorization !== 'Bearer t0k')
        return [
          401,
          {
            'www-authenticate': `Bearer realm="http://${b}/token",service="lab",scope="repository:hubuser/app:pull"`,
          },
        ];
      return [200, { 'docker-content-digest': DIGEST }];
    });
    expect(
      await resolveDigest(imageRef(`${base}/hubuser/app`, '1.0.0'), {
        insecure: true,
        username: 'ci',
        password: 'pw',
      }),
    ).toBe(DIGEST);
    expect(seen[1]).toMatch(/^GET \/token\?service=lab&scope=repository%3Ahubuser%2Fapp%3Apull Basic /);
  });

  it('answers basic auth; says what to set when there are no credentials', async () => {
    const base = await registry((req) =>
      req.headers.authorization
        ? [200, { 'docker-content-digest': DIGEST }]
        : [401, { 'www-authenticate': 'Basic realm="lab"' }],
    );
    await expect(resolveDigest(imageRef(`${base}/app`, '1'), { insecure: true })).rejects.toThrow(
      /wants a user name and password \(set registry\.username and registry\.password_env\)/,
    );
    expect(
      await resolveDigest(imageRef(`${base}/app`, '1'), { insecure: true, username: 'a', password: 'b' }),
    ).toBe(DIGEST);
  });

  it('hashes the manifest when a HEAD has no digest header', async () => {
    const manifest = '{"schemaVersion":2}';
    const base = await registry((req) => (req.method === 'HEAD' ? [200, {}] : [200, {}, manifest]));
    const { createHash } = await import('node:crypto');
    expect(await resolveDigest(imageRef(`${base}/app`, '1'), { insecure: true })).toBe(
      `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    );
  });

  it('names the missing tag, and the unreachable registry with what to check', async () => {
    const base = await registry(() => [404, {}]);
    await expect(resolveDigest(imageRef(`${base}/hubuser/app`, '9.9.9'), { insecure: true })).rejects.toThrow(
      `image ${base}/hubuser/app:9.9.9: the registry has no such tag (was it pushed?)`,
    );
    server?.close();
    // nothing listens there any more
    await expect(resolveDigest(imageRef(`${base}/hubuser/app`, '1'), { timeoutMs: 2000 })).rejects.toThrow(
      `cannot reach the registry at https://${base}: ECONNREFUSED (a plain-HTTP registry needs registry.insecure: true)`,
    );
  });
});
