import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApacheDriver } from '../../src/balancer/apache.js';
import { apache } from '../../src/commands/apache.js';
import { processes } from '../../src/commands/files.js';
import { parseConfig } from '../../src/config/load.js';
import type { ExecOptions, ExecResult, RemoteShell } from '../../src/ssh/remote.js';
import { silentLogger } from '../../src/util/log.js';

// The decision the Apache driver adds to the shared file mechanism: a reload counts only when
// Apache started a new generation (its pid file written anew) AND a new child runs, because
// Apache also starts children by itself under load. A fake host answers the driver's commands.

const config = parseConfig(`
app: webapp
image: hubuser/app
pools: { green: [g0], blue: [b0] }
balancer:
  type: apache
  host: lb
  file: /srv/apache/app.conf
  pid_file: /srv/apache/apache2.pid
  test: apache2 -f /srv/apache/apache2.conf -t
  reload: apache2 -f /srv/apache/apache2.conf -k graceful
  url: http://lb/
  drain_timeout: 5s
`);

const before =
  '<Proxy "balancer://app_server">\n    BalancerMember "http://10.0.0.1:8000" retry=10\n</Proxy>\n';

class FakeApache {
  file = before;
  stamp = 1;
  children = [101, 102];
  alive = new Set([101, 102]);
  nextPid = 200;
  commands: string[] = [];
  /** What a graceful restart does: by default a new generation. */
  onReload: () => void = () => {
    this.stamp++;
    this.children = [this.nextPid++, this.nextPid++];
    for (const p of this.children) this.alive.add(p);
  };
  stampText = () => `${this.stamp} 2026-12-01 06:00:0${this.stamp}`;
  /** What happens on the host while the test command runs. */
  onTest: () => void = () => undefined;

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    const ok = (stdout = ''): Promise<ExecResult> => Promise.resolve({ code: 0, stdout, stderr: '' });
    const fail = (stdout = ''): Promise<ExecResult> => Promise.resolve({ code: 1, stdout, stderr: '' });
    // The host-side wait for a reload (processes.waitForNewWorkers): a new generation, if asked
    // for, and a child that was not there.
    if (command.includes('while [ "$i" -lt')) {
      // processes.reloadAndWaitForNewWorkers: the marker read, then the reload, then the wait.
      let before = command.includes('before=$(') ? this.stampText() : undefined;
      if (/-k graceful|--signal USR1/.test(command)) this.onReload();
      const old = (/old=' ([\d ]*) '/.exec(command)?.[1] ?? '').split(' ').map(Number);
      before ??= /before='([^']*)'/.exec(command)?.[1];
      const renewed = before === undefined || this.stampText() !== before;
      return renewed && this.children.some((p) => !old.includes(p)) ? ok(this.children.join(' ')) : fail();
    }
    // The host-side wait for the old children (processes.waitForExit): they finish their
    // requests and exit, unless they are still the running generation.
    if (command.includes('kill -0')) {
      const asked = (/for p in ([\d ]+);/.exec(command)?.[1] ?? '').trim().split(' ').map(Number);
      for (const p of asked) if (!this.children.includes(p)) this.alive.delete(p);
      const left = asked.filter((p) => this.alive.has(p));
      return left.length === 0 ? ok() : fail(left.join(' '));
    }
    if (command.includes('stat -L -c')) return ok(this.stampText());
    if (command.includes('ps -o pid=,comm= --ppid')) return ok(this.children.join('\n'));
    if (command.includes('>&2; cat ')) return ok(this.file);
    if (command.includes('cat > "$tmp"')) {
      this.file = typeof options.stdin === 'string' ? options.stdin : '';
      // files.writeAndTest: the test runs in the same exec, after the write.
      const test = /out=\$\( \{ (.*?); \} 2>&1 \)/.exec(command)?.[1];
      if (test !== undefined) {
        this.commands.push(test);
        this.onTest();
      }
      return ok();
    }
    if (command.startsWith('cat ')) return ok(this.file);
    if (command.includes('-k graceful')) {
      this.onReload();
      return ok();
    }
    if (command.includes(' -t')) return ok();
    return ok(); // recovery of an interrupted write, ss …
  }
}

function driverOn(host: FakeApache): ApacheDriver {
  const conn = {
    target: { name: 'lb', host: 'lb', port: 22 },
    exec: host.exec.bind(host),
  } as unknown as RemoteShell;
  return new ApacheDriver(conn, config, silentLogger);
}

describe('Apache driver', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a graceful restart: new generation and new children; waits for the old children to exit', async () => {
    const host = new FakeApache();
    const d = driverOn(host);
    const next = d.render(before, [{ host: '10.0.0.2', port: 8000 }]);
    const done = d.apply(before, next);
    await vi.runAllTimersAsync();
    const res = await done;
    expect(host.file).toBe(next);
    expect(res.undrained).toBe(0);
    expect(host.alive.has(101) || host.alive.has(102)).toBe(false);
    // the reload happened after the test
    const test = host.commands.findIndex((c) => c.endsWith(' -t'));
    const reload = host.commands.findIndex((c) => c.includes('-k graceful'));
    expect(test).toBeGreaterThan(-1);
    expect(reload).toBeGreaterThan(test);
  });

  it('a child Apache started by itself is no proof: without a new generation the file is restored', async () => {
    const host = new FakeApache();
    // the reload command exits 0 but reaches no Apache (another instance's pid file …), while
    // this Apache starts a spare child under load
    host.onReload = () => {
      host.children = [...host.children, host.nextPid++];
    };
    const d = driverOn(host);
    const next = d.render(before, [{ host: '10.0.0.2', port: 8000 }]);
    const done = d.apply(before, next).catch((e: Error) => e);
    await vi.runAllTimersAsync();
    const err = await done;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /apache started no new worker of a new generation within 10s after `apache2 -f \/srv\/apache\/apache2.conf -k graceful`.*previous file restored/,
    );
    expect(host.file).toBe(before);
  });

  it('the children to drain are those running right before the reload, spares started during the test included', async () => {
    const host = new FakeApache();
    // a spare child starts while the new file is tested
    host.onTest = () => {
      host.children.push(150);
      host.alive.add(150);
    };
    const d = driverOn(host);
    const next = d.render(before, [{ host: '10.0.0.2', port: 8000 }]);
    const done = d.apply(before, next);
    await vi.runAllTimersAsync();
    await done;
    const waited = host.commands.filter((c) => c.includes('kill -0'));
    expect(waited.length).toBeGreaterThan(0);
    expect(waited[0]).toContain('for p in 101 102 150;');
  });
});

describe('Apache driver, in a container (balancer.container)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const inContainer = parseConfig(`
app: webapp
image: hubuser/app
pools: { green: [g0], blue: [b0] }
balancer:
  type: apache
  host: lb
  container: web
  file: /srv/apache/app.conf
  url: http://lb/
  drain_timeout: 5s
`);

  it('runs httpd in the container, and reads its pid file (found by -D DUMP_RUN_CFG) through /proc/PID/root', async () => {
    const host = new FakeApache();
    const exec = host.exec.bind(host);
    host.exec = (command, options) => {
      if (/^docker (inspect --type container web|exec web httpd -t -D)|--signal USR1/.test(command))
        host.commands.push(command);
      if (command.startsWith('docker inspect --type container web'))
        return Promise.resolve({
          code: 0,
          stderr: '',
          stdout: JSON.stringify([
            {
              State: { Running: true, Status: 'running', Pid: 4242 },
              Mounts: [{ Source: '/srv/apache', Destination: '/usr/local/apache2/conf' }],
            },
          ]),
        });
      if (command.includes('DUMP_RUN_CFG'))
        return Promise.resolve({
          code: 0,
          stderr: '',
          stdout: 'PidFile: "/usr/local/apache2/logs/httpd.pid"\n',
        });
      if (command.startsWith('docker kill --signal USR1')) {
        host.onReload();
        return Promise.resolve({ code: 0, stdout: '', stderr: '' });
      }
      return exec(command, options);
    };
    const conn = {
      target: { name: 'lb', host: 'lb', port: 22 },
      exec: host.exec.bind(host),
    } as unknown as RemoteShell;
    const d = new ApacheDriver(conn, inContainer, silentLogger);
    expect(d.describeCommands()).toEqual({
      test: 'docker exec web httpd -t',
      reload: 'docker kill --signal USR1 web',
    });
    const next = d.render(before, [{ host: '10.0.0.2', port: 8000 }]);
    const done = d.apply(before, next);
    await vi.runAllTimersAsync();
    await done;
    expect(host.file).toBe(next);
    expect(host.commands).toContain('docker exec web httpd -t -D DUMP_RUN_CFG 2>/dev/null');
    // The marker is read and the reload sent in the exec that waits for the new generation.
    const reload = host.commands.find((c) => c.includes('while [ "$i" -lt'))!;
    expect(reload).toContain(
      "before=$(stat -L -c '%i %y' /proc/4242/root/usr/local/apache2/logs/httpd.pid 2>/dev/null; true)",
    );
    expect(reload).toContain('{ docker kill --signal USR1 web; }');
    expect(host.commands).toContain('docker exec web httpd -t');
    expect(
      host.commands.some(
        // the workers: the children of the main process docker inspect named (no second inspect)
        (c) => c.startsWith('p=4242;') && c.includes('$2 == c'),
      ),
    ).toBe(true);
  });
});

describe("Apache's children", () => {
  it('are the children running the master’s own program: a piped logger is not one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bg-apache-'));
    const pidFile = join(dir, 'master.pid');
    // a "master" (sh) with two children running sh, and one running sleep (the piped logger)
    const master = spawn(
      'sh',
      ['-c', `sh -c 'sleep 30; :' & sh -c 'sleep 30; :' & sleep 30 & echo $$ > ${pidFile}; wait`],
      { stdio: 'ignore', detached: true },
    );
    try {
      let out = '';
      for (let i = 0; i < 100 && out.split('\n').filter(Boolean).length < 2; i++) {
        spawnSync('sleep', ['0.05']);
        if (existsSync(pidFile))
          out = spawnSync('sh', ['-c', processes.childrenRunningMaster(pidFile)], {
            encoding: 'utf8',
          }).stdout;
      }
      const all = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(master.pid)], {
        encoding: 'utf8',
      }).stdout;
      const byComm = (c: string) =>
        all
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((w) => w[1] === c)
          .map((w) => w[0])
          .sort();
      expect(byComm('sleep')).toHaveLength(1);
      expect(out.split('\n').filter(Boolean).sort()).toEqual(byComm('sh'));
      expect(byComm('sh')).toHaveLength(2);
    } finally {
      process.kill(-master.pid!, 'SIGTERM');
    }
  });
});

describe('the wait for a reload on the host, with a generation marker', () => {
  it('needs a new child AND the marker changed (a real shell, a file standing in for the pid file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bg-gen-'));
    const marker = join(dir, 'apache2.pid');
    writeFileSync(marker, '1\n');
    const stamp = apache.pidFileStamp(marker);
    const before = spawnSync('sh', ['-c', stamp], { encoding: 'utf8' }).stdout.trim();
    const wait = (workers: string) =>
      spawnSync(
        'sh',
        ['-c', processes.waitForNewWorkers(workers, [101, 102], 3, { command: stamp, before })],
        {
          encoding: 'utf8',
        },
      );
    // a new child, the pid file untouched: no reload
    expect(wait('echo 101 102 150').status).toBe(1);
    // the pid file written anew (a new inode, as Apache writes it), the same children: not yet
    rmSync(marker);
    writeFileSync(marker, '1\n');
    expect(wait('echo 101 102').status).toBe(1);
    // both
    const done = wait('echo 102 200');
    expect([done.status, done.stdout.trim()]).toEqual([0, '102 200']);
  });
});
