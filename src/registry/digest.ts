import { createHash } from 'node:crypto';
import { DeployError } from '../errors.js';

// Resolves an image tag to its content digest once, on the machine running bluegreen, with
// the registry's HTTP API (distribution v2): every host then runs `image@sha256:…`, so a tag
// moved while a deploy runs (or between deploy and rollback) cannot change what runs.

export interface ImageRef {
  /** The registry host[:port] the API is asked (Docker Hub: registry-1.docker.io). */
  registry: string;
  /** The repository path in that registry (Docker Hub: library/ for official images). */
  repository: string;
  tag: string;
}

export interface RegistryAccess {
  username?: string;
  password?: string;
  /** Plain HTTP (a registry in docker's insecure-registries). */
  insecure?: boolean;
  timeoutMs?: number;
}

const DOCKER_HUB_API = 'registry-1.docker.io';

/** Manifest types a multi-platform or single image may be stored as: the digest is of what the registry returns. */
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Splits `registry:5000/team/app` (or `hubuser/app`, `nginx`) and a tag into what the API needs. */
export function imageRef(image: string, tag: string): ImageRef {
  const first = image.split('/')[0]!;
  const named = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (named) return { registry: first, repository: image.slice(first.length + 1), tag };
  return { registry: DOCKER_HUB_API, repository: image.includes('/') ? image : `library/${image}`, tag };
}

/** Parses a `WWW-Authenticate` challenge: its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^(\w+)\s*(.*)$/.exec(header.trim());
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: (m?.[1] ?? '').toLowerCase(), params };
}

function basic(access: RegistryAccess): string | undefined {
  if (!access.username || access.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${access.username}:${access.password}`).toString('base64')}`;
}

async function request(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  return fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
}

/** The authorization a 401 challenge asks for (a bearer token from its realm, or basic). */
async function authorize(
  challenge: string,
  access: RegistryAccess,
  what: string,
  timeoutMs: number,
): Promise<string> {
  const { scheme, params } = parseChallenge(challenge);
  const credentials = basic(access);
  if (scheme === 'basic') {
    if (!credentials)
      throw new DeployError(
        `${what}: the registry wants a user name and password (set registry.username and registry.password_env)`,
      );
    return credentials;
  }
  if (scheme !== 'bearer' || !params.realm)
    throw new DeployError(
      `${what}: the registry asks for an authentication bluegreen does not know: ${challenge}`,
    );
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  const res = await request(
    url.href,
    { headers: credentials ? { authorization: credentials } : {} },
    timeoutMs,
  );
  if (!res.ok)
    throw new DeployError(
      `${what}: the registry's token service (${url.origin}) answered ${res.status}${credentials ? ': check registry.username and the password' : ': set registry.username and registry.password_env'}`,
    );
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new DeployError(`${what}: the registry's token service gave no token`);
  return `Bearer ${token}`;
}

/**
 * The digest (`sha256:…`) the registry serves for `ref`: the manifest list/index for a
 * multi-platform image (docker picks the platform on each host), else the image manifest.
 */
export async function resolveDigest(ref: ImageRef, access: RegistryAccess = {}): Promise<string> {
  const timeoutMs = access.timeoutMs ?? 15_000;
  const what = `image ${ref.registry}/${ref.repository}:${ref.tag}`;
  const url = `${access.insecure ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}/manifests/${encodeURIComponent(ref.tag)}`;
  const ask = async (method: 'HEAD' | 'GET', authorization?: string) => {
    try {
      return await request(
        url,
        { method, headers: { accept: MANIFEST_TYPES, ...(authorization ? { authorization } : {}) } },
        timeoutMs,
      );
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new DeployError(
        `${what}: cannot reach the registry at ${url.split('/v2/')[0]}: ${why}${access.insecure ? '' : ' (a plain-HTTP registry needs registry.insecure: true)'}`,
      );
    }
  };
  let authorization: string | undefined;
  let res = await ask('HEAD');
  if (res.status === 401) {
    authorization = await authorize(res.headers.get('www-authenticate') ?? '', access, what, timeoutMs);
    res = await ask('HEAD', authorization);
  }
  if (res.status === 404) throw new DeployError(`${what}: the registry has no such tag (was it pushed?)`);
  if (res.status === 401 || res.status === 403)
    throw new DeployError(
      `${what}: the registry refused the credentials (${res.status}): check registry.username and the password`,
    );
  if (!res.ok) throw new DeployError(`${what}: the registry answered ${res.status} ${res.statusText}`);
  const header = res.headers.get('docker-content-digest');
  if (header && /^sha256:[0-9a-f]{64}$/.test(header)) return header;
  // Some registries omit the header on HEAD: the digest is the sha256 of the manifest's bytes.
  const get = await ask('GET', authorization);
  if (!get.ok) throw new DeployError(`${what}: the registry answered ${get.status} to GET`);
  return `sha256:${createHash('sha256')
    .update(Buffer.from(await get.arrayBuffer()))
    .digest('hex')}`;
}
