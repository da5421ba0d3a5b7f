import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHostKey, fingerprint, hostKeyAlgorithms, KnownHosts } from '../../src/ssh/known-hosts.js';

// Real ed25519 public key blobs in SSH wire format (string "ssh-ed25519", string key).
function blob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const type = Buffer.from('ssh-ed25519');
  const len = (b: Buffer) => Buffer.from([0, 0, 0, b.length]);
  return Buffer.concat([len(type), type, len(raw), raw]);
}

const a = blob();
const b = blob();
const line = (names: string, key: Buffer) => `${names} ssh-ed25519 ${key.toString('base64')}`;
const hashed = (name: string, key: Buffer) => {
  const salt = Buffer.from('0123456789abcdef0123');
  return line(`|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`, key);
};

const verify = (text: string, fingerprints: Record<string, string> = {}) => ({
  kind: 'verify' as const,
  knownHosts: new KnownHosts(text),
  fingerprints,
});

describe('host key verification', () => {
  it('ignores lines with markers it does not know, as OpenSSH does: they never trust a key', () => {
    for (const marker of ['@cert-authority', '@revoke', '@trusted', '@']) {
      expect(checkHostKey(verify(`${marker} ${line('host1', a)}`), 'host1', 22, a)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/host1 is not in known_hosts/),
      });
    }
  });

  it('accepts the recorded key for plain, bracketed-port and hashed entries', () => {
    expect(checkHostKey(verify(line('host1,10.0.0.1', a)), '10.0.0.1', 22, a).ok).toBe(true);
    expect(checkHostKey(verify(line('[host1]:2222', a)), 'host1', 2222, a).ok).toBe(true);
    expect(checkHostKey(verify(hashed('host2', a)), 'host2', 22, a).ok).toBe(true);
    expect(checkHostKey(verify(line('*.example.com', a)), 'web.example.com', 22, a).ok).toBe(true);
  });

  it('fails closed: unknown host, changed key, wrong port, negated pattern, revoked key', () => {
    expect(checkHostKey(verify(line('host1', a)), 'host9', 22, a)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/host9 is not in known_hosts/),
    });
    expect(checkHostKey(verify(line('host1', a)), 'host1', 22, b)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match known_hosts/),
    });
    expect(checkHostKey(verify(line('host1', a)), 'host1', 2222, a).ok).toBe(false);
    expect(checkHostKey(verify(line('*.example.com,!bad.example.com', a)), 'bad.example.com', 22, a).ok).toBe(
      false,
    );
    expect(
      checkHostKey(verify(`${line('host1', a)}\n@revoked ${line('*', a)}`), 'host1', 22, a),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/revoked/) });
    expect(checkHostKey(verify(`@cert-authority ${line('*', a)}`), 'host1', 22, a).ok).toBe(false);
  });

  it('pinned SHA256 fingerprints win over known_hosts', () => {
    expect(fingerprint(a)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(checkHostKey(verify('', { host1: fingerprint(a) }), 'host1', 22, a).ok).toBe(true);
    expect(checkHostKey(verify(line('host1', b), { host1: fingerprint(a) }), 'host1', 22, b)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/is pinned/),
    });
  });

  it('offers only the key types it can check', () => {
    expect(hostKeyAlgorithms(verify(line('host1', a)), 'host1', 22)).toEqual(['ssh-ed25519']);
    expect(hostKeyAlgorithms(verify(line('host1', a)), 'other', 22)).toBeUndefined();
    expect(checkHostKey({ kind: 'insecure' }, 'x', 22, a).ok).toBe(true);
  });
});
