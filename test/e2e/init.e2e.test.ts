import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { bluegreen, CLI } from '../harness/bluegreen.js';
import { dockerOn, loadLab, resetLab, sh, type Lab } from '../harness/lab.js';

// `bluegreen init` against the lab's real hosts: it scans their sshd for host keys, writes a
// config that `bluegreen deploy --dry-run` runs as it is, refuses to overwrite, and names a
// host that gives no key. The balancer is lb2's nginx (installed on its host).

const skip = inject('labSkip');

function init(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'init', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under dir with its text: what "nothing changed / nothing written" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p.slice(dir.length + 1)] = readFileSync(p, 'utf8');
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** SHA256 fingerprints of a known_hosts file, as OpenSSH computes them. */
function fingerprints(knownHosts: string): string[] {
  return sh(`ssh-keygen -lf ${knownHosts}`)
    .stdout.split('\n')
    .map((l) => l.split(' ')[1])
    .filter((f): f is string => !!f)
    .sort();
}

describe.skipIf(skip)('init: a config for the lab that deploy --dry-run runs', () => {
  let lab: Lab;
  let flags: string[];
  let hosts: string[];

  beforeAll(async () => {
    lab = loadLab();
    await resetLab(lab);
    const b = lab.balancers.nginxHost;
    const green = lab.hosts.green.slice(0, 2).map((h) => h.address);
    const blue = lab.hosts.blue.slice(0, 2).map((h) => h.address);
    hosts = [...green, ...blue, b.address];
    flags = [
      '--green',
      green.join(','),
      '--blue',
      blue.join(','),
      '--balancer',
      b.address,
      '--balancer-file',
      b.file,
      '--url',
      b.url,
      '--image',
      lab.images.v1.replace(/:[^:/]+$/, ''),
      '--app',
      'initapp',
      '--user',
      lab.sshUser,
      '--key',
      lab.sshKey,
    ];
  });

  it("writes config, known_hosts and workflow; the fingerprints printed are the hosts' real ones; deploy --dry-run succeeds and changes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluegreen-init-'));
    const res = init([...flags, '--dir', dir, '--trust-scanned-keys']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(Object.keys(snapshot(dir)).sort()).toEqual([
      '.github/workflows/bluegreen.yml',
      'bluegreen.yml',
      'known_hosts',
    ]);
    // Every host and the balancer scanned; what init printed is what ssh-keygen says of the
    // lab's own known_hosts (written by up.sh from the hosts' key files).
    const written = readFileSync(join(dir, 'known_hosts'), 'utf8');
    for (const h of hosts)
      expect(written).toMatch(new RegExp(`^${h.replaceAll('.', '\\.')} ssh-ed25519 `, 'm'));
    const printed = [...res.stdout.matchAll(/SHA256:[A-Za-z0-9+/]{43}/g)].map((m) => m[0]);
    const real = fingerprints(lab.knownHosts);
    for (const fp of fingerprints(join(dir, 'known_hosts'))) {
      expect(printed).toContain(fp);
      expect(real).toContain(fp);
    }
    expect(res.stdout).toMatch(/ssh-keygen -lf \/etc\/ssh\/ssh_host_ed25519_key\.pub/);

    const b = lab.balancers.nginxHost;
    const balancerDir = snapshot(dirname(b.localFile));
    const containers = () =>
      [...lab.hosts.green.slice(0, 2), ...lab.hosts.blue.slice(0, 2)].map(
        (h) => dockerOn(lab, h.name, ['ps', '-a', '--format', '{{.Names}} {{.Status}}']).stdout,
      );
    const before = containers();
    const config = join(dir, 'bluegreen.yml');
    const validate = await bluegreen(config, ['validate']);
    expect(validate.code, validate.stderr).toBe(0);
    const dry = await bluegreen(config, ['deploy', '--version', '1.0.0', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would deploy 1\.0\.0 to green \(2 hosts\)/);
    for (const h of lab.hosts.green.slice(0, 2)) expect(dry.stdout).toContain(h.address);
    // Nothing changed: no container, no balancer file, no state or lock file beside it.
    expect(containers()).toEqual(before);
    expect(snapshot(dirname(b.localFile))).toEqual(balancerDir);
  });

  it('refuses to overwrite any existing file without --force, and then writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluegreen-init-'));
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, '.github/workflows/bluegreen.yml'), 'mine\n');
    const before = snapshot(dir);
    const res = init([...flags, '--dir', dir, '--trust-scanned-keys']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /\.github\/workflows\/bluegreen\.yml already exists: nothing was written\. Pass --force/,
    );
    expect(snapshot(dir)).toEqual(before);
    // With --force it overwrites.
    const forced = init([...flags, '--dir', dir, '--trust-scanned-keys', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, '.github/workflows/bluegreen.yml'), 'utf8')).toMatch(/^on:/m);
  });

  it('without --trust-scanned-keys prints the keys and leaves known_hosts unwritten', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluegreen-init-'));
    const res = init([...flags, '--dir', dir]);
    expect(res.code, res.stderr).toBe(0);
    expect(existsSync(join(dir, 'known_hosts'))).toBe(false);
    expect(res.stdout).toMatch(/Not written: .*known_hosts/);
    for (const h of hosts)
      expect(res.stdout).toMatch(new RegExp(`^${h.replaceAll('.', '\\.')} ssh-ed25519 `, 'm'));
  });

  it('names a host whose ssh-keyscan gets no key, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluegreen-init-'));
    // Port 1 on loopback: nothing listens there.
    const res = init([
      ...flags.map((f) => (f === flags[3] ? `${f},127.0.0.1:1` : f)),
      '--dir',
      dir,
      '--trust-scanned-keys',
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no SSH host key from 127\.0\.0\.1:1 \(--blue\)/);
    expect(res.stderr).toMatch(/Nothing was written/);
    expect(snapshot(dir)).toEqual({});
  });
});
