import { execFile } from 'node:child_process';
import { keyscan } from '../commands/keyscan.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { fingerprint } from '../ssh/known-hosts.js';

// The host keys of a new config's hosts, as `ssh-keyscan` reports them. A scanned key is only
// what answered on the network: `bluegreen init` prints each with its SHA256 fingerprint for
// the user to compare with the host's own (`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on
// it), and writes them as known_hosts only when told to (--trust-scanned-keys).

export interface ScanTarget {
  host: string;
  port: number;
  /** The flag the host came from, for messages. */
  flag: string;
}

export interface ScannedKey {
  /** The known_hosts line as ssh-keyscan printed it: `host type base64` (`[host]:port …`). */
  line: string;
  host: string;
  port: number;
  type: string;
  fingerprint: string;
}

/** Every host of the config and its balancer, once each, with the flag that named it. */
export function scanTargets(config: Config): ScanTarget[] {
  const defaultPort = config.ssh.port ?? 22;
  const targets: ScanTarget[] = [];
  const add = (host: string, port: number | undefined, flag: string) => {
    const p = port ?? defaultPort;
    if (!targets.some((t) => t.host === host && t.port === p)) targets.push({ host, port: p, flag });
  };
  for (const h of config.pools.green) add(h.ssh.host, h.ssh.port, '--green');
  for (const h of config.pools.blue) add(h.ssh.host, h.ssh.port, '--blue');
  for (const h of config.balancer.hosts) add(h.host, h.port, '--balancer');
  return targets;
}

/** The keys in ssh-keyscan's output (comment lines, which newer versions print, skipped). */
export function parseKeyscan(output: string, target: ScanTarget): ScannedKey[] {
  const keys: ScannedKey[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [, type, blob] = line.split(/\s+/);
    if (!type || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) continue;
    keys.push({
      line,
      host: target.host,
      port: target.port,
      type,
      fingerprint: fingerprint(Buffer.from(blob, 'base64')),
    });
  }
  return keys;
}

export type Runner = (argv: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Runs a local program without a shell (the argv of src/commands). */
export const runLocal: Runner = (argv) =>
  new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === -1 ? err.message : '') });
    });
  });

/** Scans every target at once; a host that gives no key fails the whole scan, naming it. */
export async function scanHostKeys(targets: ScanTarget[], run: Runner = runLocal): Promise<ScannedKey[]> {
  const results = await Promise.all(
    targets.map(async (t) => {
      const cmd = keyscan(t.host, t.port);
      const res = await run(cmd.argv);
      const keys = parseKeyscan(res.stdout, t);
      const why = res.stderr
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#'))
        .join('; ');
      return {
        t,
        keys,
        problem: keys.length > 0 ? undefined : `${cmd.display}: ${why || 'no host key received'}`,
      };
    }),
  );
  const failed = results.filter((r) => r.problem !== undefined);
  if (failed.length > 0)
    throw new UsageError(
      `init: no SSH host key from ${failed.map((r) => `${r.t.host}:${r.t.port} (${r.t.flag})`).join(', ')}:\n${failed
        .map((r) => `  ${r.problem}`)
        .join(
          '\n',
        )}\nCheck that each host is up and its sshd listens on that port (or fix the flag). Nothing was written.`,
    );
  return results.flatMap((r) => r.keys);
}

/** The keys as a person compares them: host, key type and SHA256 fingerprint. */
export function describeKeys(keys: ScannedKey[]): string[] {
  const name = (k: ScannedKey) => (k.port === 22 ? k.host : `[${k.host}]:${k.port}`);
  const hostWidth = Math.max(0, ...keys.map((k) => name(k).length));
  const typeWidth = Math.max(0, ...keys.map((k) => k.type.length));
  return keys.map((k) => `  ${name(k).padEnd(hostWidth)}  ${k.type.padEnd(typeWidth)}  ${k.fingerprint}`);
}

export function knownHostsText(keys: ScannedKey[]): string {
  return `${keys.map((k) => k.line).join('\n')}\n`;
}
