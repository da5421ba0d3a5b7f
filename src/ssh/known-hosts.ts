import { createHash, createHmac } from 'node:crypto';

// Host key verification against OpenSSH known_hosts entries (plain names, "[host]:port",
// hashed "|1|salt|hmac" names; @revoked markers) and pinned SHA256 fingerprints.
// ssh2 accepts any key unless told otherwise, so this fails closed: no entry, no connection.

export interface KnownKey {
  type: string;
  /** base64 of the key blob, as in the file. */
  key: string;
  revoked: boolean;
}

interface Entry {
  patterns: string[];
  hashed?: { salt: Buffer; hash: string };
  key: KnownKey;
}

export class KnownHosts {
  private readonly entries: Entry[] = [];

  constructor(text = '') {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const parts = line.split(/\s+/);
      let revoked = false;
      if (parts[0]?.startsWith('@')) {
        const marker = parts.shift();
        // @revoked distrusts a key. Every other marker is ignored, as OpenSSH ignores markers it
        // does not know: @cert-authority (certificates are not supported) and typos such as
        // @revoke must never turn into a trusted key.
        if (marker !== '@revoked') continue;
        revoked = true;
      }
      const [names, type, key] = parts;
      if (!names || !type || !key) continue;
      const entry: Entry = { patterns: [], key: { type, key, revoked } };
      if (names.startsWith('|1|')) {
        const [, , salt, hash] = names.split('|');
        if (!salt || !hash) continue;
        entry.hashed = { salt: Buffer.from(salt, 'base64'), hash };
      } else {
        entry.patterns = names.split(',');
      }
      this.entries.push(entry);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** Keys recorded for host:port (port 22 is written as the bare host name). */
  lookup(host: string, port: number): KnownKey[] {
    const name = port === 22 ? host : `[${host}]:${port}`;
    return this.entries.filter((e) => matches(e, name)).map((e) => e.key);
  }
}

function matches(entry: Entry, name: string): boolean {
  if (entry.hashed) {
    const digest = createHmac('sha1', entry.hashed.salt).update(name).digest('base64');
    return digest === entry.hashed.hash;
  }
  let hit = false;
  for (const p of entry.patterns) {
    const negated = p.startsWith('!');
    const pattern = negated ? p.slice(1) : p;
    if (globMatch(pattern.toLowerCase(), name.toLowerCase())) {
      if (negated) return false;
      hit = true;
    }
  }
  return hit;
}

function globMatch(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(name);
}

/** OpenSSH's "SHA256:…" fingerprint of a key blob. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyPolicy =
  { kind: 'verify'; knownHosts: KnownHosts; fingerprints: Record<string, string> } | { kind: 'insecure' };

export interface HostKeyDecision {
  ok: boolean;
  reason?: string;
}

/** Decides whether the key a host presented may be trusted. */
export function checkHostKey(
  policy: HostKeyPolicy,
  host: string,
  port: number,
  keyBlob: Buffer,
  /** The name the config gives the host when ~/.ssh/config maps it to another HostName. */
  alias?: string,
): HostKeyDecision {
  if (policy.kind === 'insecure') return { ok: true };
  const presented = keyBlob.toString('base64');
  const fp = fingerprint(keyBlob);
  const names = alias !== undefined && alias !== host ? [host, alias] : [host];
  const pinned = names
    .flatMap((n) => [policy.fingerprints[n], policy.fingerprints[`${n}:${port}`]])
    .find((f) => f !== undefined);
  const known = policy.knownHosts.lookup(host, port);
  if (known.some((k) => k.revoked && k.key === presented))
    return { ok: false, reason: `host key ${fp} of ${host} is marked @revoked` };
  if (pinned !== undefined) {
    return pinned === fp
      ? { ok: true }
      : {
          ok: false,
          reason: `host key of ${host} is ${fp}, but ${pinned} is pinned: the key changed or this is not the host you meant`,
        };
  }
  const trusted = known.filter((k) => !k.revoked);
  if (trusted.length === 0) {
    return {
      ok: false,
      reason: `${host}${port === 22 ? '' : `:${port}`} is not in known_hosts (add its key, e.g. ssh-keyscan -p ${port} ${host}, after checking it)`,
    };
  }
  if (trusted.some((k) => k.key === presented)) return { ok: true };
  return {
    ok: false,
    reason: `host key of ${host} (${fp}) does not match known_hosts: the key changed or this is not the host you meant`,
  };
}

/** Host key algorithms to offer for a host: the types known for it, so the server presents one we can check. */
export function hostKeyAlgorithms(policy: HostKeyPolicy, host: string, port: number): string[] | undefined {
  if (policy.kind === 'insecure') return undefined;
  const types = [
    ...new Set(
      policy.knownHosts
        .lookup(host, port)
        .filter((k) => !k.revoked)
        .map((k) => k.type),
    ),
  ];
  return types.length ? types : undefined;
}
