import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lockFile } from '../../src/commands/lock.js';
import { files } from '../../src/commands/files.js';
import { LockFile, thisMachine, type LockInfo } from '../../src/deploy/lock.js';
import { emptyState, StateFile } from '../../src/deploy/state.js';
import { Journal } from '../fakes/journal.js';
import { FakeRemoteHosts } from '../fakes/remote.js';

// The lock file and the state file over a recording fake shell: which commands they send
// and what they decide from the answers.

const PATH = '/etc/nginx/conf.d/bluegreen-webapp.state.json.lock';
const lb = { name: 'lb', host: 'lb', port: 22 };
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A shell whose lock file is one variable: create fails while it exists, remove needs its token. */
function lockHost(initial?: LockInfo) {
  const remote = new FakeRemoteHosts(new Journal());
  let content = initial ? JSON.stringify(initial) : undefined;
  remote.on('lb', new RegExp(`^${escape(lockFile.create(PATH))}$`), ({ stdin }) => {
    if (content !== undefined) return { code: 2, stderr: `sh: 1: cannot create ${PATH}: File exists` };
    content = stdin;
    return {};
  });
  remote.on('lb', new RegExp(`^${escape(lockFile.read(PATH))}$`), () => ({ stdout: content ?? '' }));
  // The atomic take-over: only a rename of the stale lock itself removes it.
  remote.on('lb', /^t=/, ({ command }) => {
    if (content === undefined) return { code: 3 };
    if (command === lockFile.takeOver(PATH, (JSON.parse(content) as LockInfo).token)) {
      content = undefined;
      return {};
    }
    return { code: 4 };
  });
  remote.on('lb', /^grep -q /, ({ command }) => {
    if (
      content !== undefined &&
      command === lockFile.removeIfHeld(PATH, (JSON.parse(content) as LockInfo).token)
    )
      content = undefined;
    return {};
  });
  return { remote, content: () => content };
}

const other = (over: Partial<LockInfo> = {}): LockInfo => ({
  owner: 'ci@runner-7 pid 4242',
  host: 'runner-7',
  pid: 4242,
  command: 'promote',
  token: 'feedfacecafe',
  since: '2026-01-01T00:00:00.000Z',
  expires: Date.now() + 60_000,
  ...over,
});

describe('the lock file', () => {
  it('is created exclusively with who holds it, and released only with its own token', async () => {
    const host = lockHost();
    const lock = new LockFile(await host.remote.get(lb), PATH);
    await lock.acquire('deploy', 60_000, 0);
    const held = JSON.parse(host.content()!) as LockInfo;
    expect([held.command, held.host, held.pid]).toEqual(['deploy', hostname(), process.pid]);
    expect(held.expires).toBeGreaterThan(Date.now());
    await lock.release();
    expect(host.content()).toBeUndefined();
    expect(host.remote.commandsOn('lb')).toEqual([
      lockFile.create(PATH),
      lockFile.removeIfHeld(PATH, held.token),
    ]);
    await lock.release(); // a second release sends nothing
    expect(host.remote.calls).toHaveLength(2);
  });

  it('held by a live run: refused, naming the holder and what to do; the holder’s file is left alone', async () => {
    const host = lockHost(other());
    const lock = new LockFile(await host.remote.get(lb), PATH);
    await expect(lock.acquire('deploy', 60_000, 0)).rejects.toThrow(
      `another bluegreen run holds the lock ${PATH}: ci@runner-7 pid 4242 (promote, since 2026-01-01T00:00:00.000Z, expires ${new Date(other().expires).toISOString().slice(0, 17)}`,
    );
    expect(JSON.parse(host.content()!)).toMatchObject({ token: 'feedfacecafe' });
    expect(host.remote.calls.some((c) => c.command.startsWith('grep'))).toBe(false);
  });

  it('held past its expiry (its holder died elsewhere): taken over', async () => {
    const host = lockHost(other({ expires: Date.now() - 1 }));
    const lock = new LockFile(await host.remote.get(lb), PATH);
    await lock.acquire('deploy', 60_000, 0);
    expect(host.remote.commandsOn('lb')).toEqual([
      lockFile.create(PATH),
      lockFile.read(PATH),
      lockFile.takeOver(PATH, 'feedfacecafe'),
      lockFile.create(PATH),
    ]);
    expect(JSON.parse(host.content()!)).toMatchObject({ command: 'deploy' });
  });

  it('held by a process of this machine (same machine id and boot) that is gone (kill -9): taken over before its expiry, atomically', async () => {
    const host = lockHost(other({ host: hostname(), machine: thisMachine(), pid: 2 ** 22 + 12345 }));
    const lock = new LockFile(await host.remote.get(lb), PATH);
    await lock.acquire('deploy', 60_000, 0);
    expect(JSON.parse(host.content()!)).toMatchObject({
      command: 'deploy',
      pid: process.pid,
      machine: thisMachine(),
    });
    expect(host.remote.commandsOn('lb')).toContain(lockFile.takeOver(PATH, 'feedfacecafe'));
  });

  it('a machine with the same host name is another machine: its lock is not taken over before its TTL', async () => {
    const host = lockHost(
      other({ host: hostname(), machine: 'another-machine-same-name', pid: 2 ** 22 + 12345 }),
    );
    const lock = new LockFile(await host.remote.get(lb), PATH);
    await expect(lock.acquire('deploy', 60_000, 0)).rejects.toThrow(/another bluegreen run holds the lock/);
    expect(JSON.parse(host.content()!)).toMatchObject({ token: 'feedfacecafe' });
  });

  it('a live PID of this machine that now belongs to another process (start time differs) is a dead holder', async () => {
    const host = lockHost(other({ machine: thisMachine(), pid: process.ppid, pidStart: '1' }));
    const lock = new LockFile(await host.remote.get(lb), PATH);
    await lock.acquire('deploy', 60_000, 0);
    expect(JSON.parse(host.content()!)).toMatchObject({ pid: process.pid });
    // …and one whose start time matches is alive: no take-over.
    const alive = lockHost(other({ machine: thisMachine(), pid: process.pid, pidStart: undefined }));
    await expect(new LockFile(await alive.remote.get(lb), PATH).acquire('deploy', 60_000, 0)).rejects.toThrow(
      /holds the lock/,
    );
  });

  it('a take-over that finds a new lock in place of the stale one (another run was quicker) leaves it and waits', async () => {
    const host = lockHost(other({ expires: Date.now() - 1000 }));
    host.remote.on('lb', /^t=/, { code: 4 });
    const lock = new LockFile(await host.remote.get(lb), PATH);
    await expect(lock.acquire('deploy', 60_000, 0)).rejects.toThrow(/holds the lock/);
    expect(host.remote.commandsOn('lb').filter((c) => c.startsWith('t='))).toHaveLength(1);
  });
});

describe('the state file', () => {
  const path = '/etc/nginx/conf.d/bluegreen-webapp.state.json';

  it('reads no file as an empty record, and refuses one that is not JSON or belongs to another app', async () => {
    const remote = new FakeRemoteHosts(new Journal());
    const store = new StateFile(await remote.get(lb), path, 'webapp');
    expect(await store.read()).toEqual(emptyState('webapp'));
    expect(remote.commandsOn('lb')).toEqual([files.readIfExists(path)]);

    remote.on('lb', /^if \[ -e /, { stdout: '{"schema":1,' });
    await expect(store.read()).rejects.toThrow(
      `state record ${path} on lb is not valid JSON; the previous one is at ${path}.bak`,
    );
    remote.on('lb', /^if \[ -e /, { stdout: JSON.stringify(emptyState('other')) });
    await expect(store.read()).rejects.toThrow(
      `state record ${path} belongs to app "other" (schema 1), not webapp`,
    );
  });

  it('writes atomically keeping a .bak, with the history trimmed to the last 30 runs', async () => {
    const remote = new FakeRemoteHosts(new Journal());
    const store = new StateFile(await remote.get(lb), path, 'webapp');
    const state = emptyState('webapp');
    state.history = Array.from({ length: 35 }, (_, i) => ({
      at: `t${i}`,
      by: 'me',
      command: 'status',
      result: 'success' as const,
      message: `run ${i}`,
    }));
    await store.write(state);
    const [call] = remote.calls;
    expect(call?.command).toBe(files.writeAtomic(path, `${path}.bak`));
    const written = JSON.parse(call!.stdin!) as typeof state;
    expect(written.history.map((h) => h.message)).toEqual(
      Array.from({ length: 30 }, (_, i) => `run ${i + 5}`),
    );
    expect(call!.stdin!.endsWith('}\n')).toBe(true);
  });
});

describe('the take-over command, in a real shell', () => {
  const run = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).status;
  const dir = () => mkdtempSync(join(tmpdir(), 'bg-lock-'));

  it('removes the stale lock it names (exit 0); leaves a new one in place (exit 4); a gone one is exit 3', () => {
    const d = dir();
    const path = join(d, 'x.lock');
    writeFileSync(path, '{"token":"stale1"}');
    expect(run(lockFile.takeOver(path, 'stale1'))).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(run(lockFile.takeOver(path, 'stale1'))).toBe(3);
    writeFileSync(path, '{"token":"fresh2"}');
    expect(run(lockFile.takeOver(path, 'stale1'))).toBe(4);
    expect(readFileSync(path, 'utf8')).toBe('{"token":"fresh2"}');
    expect(readdirSync(d)).toEqual(['x.lock']);
  });
});
