import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMount, parseInspect } from '../../src/balancer/container-facts.js';
import { signalsContainer } from '../../src/balancer/file-balancer.js';
import { container } from '../../src/commands/container.js';
import { files } from '../../src/commands/files.js';
import { nginx, pidDirective } from '../../src/commands/nginx.js';
import { sha256 } from '../../src/util/hash.js';

// The remote file commands run here, in a real shell on a temp directory: what matters is
// what they do to inodes, backups and journals, not how the command line looks.

function run(command: string, stdin = ''): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', command], { input: stdin, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function scratch(): { dir: string; file: string; backup: string; journal: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bg-files-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'nginx.conf');
  return { dir, file, backup: `${file}.bluegreen.bak`, journal: `${file}.bluegreen.writing` };
}

describe('files.writeInPlace', () => {
  it('keeps the inode (a single-file bind mount sees the change), keeps a backup, leaves no temp file', () => {
    const { dir, file, backup, journal } = scratch();
    writeFileSync(file, 'one\n', { mode: 0o640 });
    const inode = statSync(file).ino;
    const r = run(files.writeInPlace(file, backup, journal, sha256('two\n')), 'two\n');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(statSync(file).ino).toBe(inode);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readFileSync(backup, 'utf8')).toBe('one\n');
    expect(existsSync(journal)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['nginx.conf', 'nginx.conf.bluegreen.bak']);
  });

  it('refuses a directory every user may write to, and changes nothing', () => {
    const { dir, file, backup, journal } = scratch();
    writeFileSync(file, 'one\n');
    chmodSync(dir, 0o777);
    const r = run(files.writeInPlace(file, backup, journal, sha256('two\n')), 'two\n');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is writable by every user');
    expect(readFileSync(file, 'utf8')).toBe('one\n');
    expect(existsSync(backup)).toBe(false);
  });

  it('creates the file when it does not exist yet', () => {
    const { file, backup, journal } = scratch();
    const r = run(files.writeInPlace(file, backup, journal, sha256('x\n')), 'x\n');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('x\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });
});

describe('files.writeAndTest (the change before a reload, one exec)', () => {
  // `seen` stands for the file as the container sees it (/proc/PID/root/…): here the same
  // file (a bind mount that follows the inode) or another one (a pinned, stale inode).
  const write = (s: ReturnType<typeof scratch>, text: string) =>
    files.writeInPlace(s.file, s.backup, s.journal, sha256(text));

  it('checks what the container sees, writes, checks again and runs the test: 0', () => {
    const s = scratch();
    writeFileSync(s.file, 'one\n');
    const seen = { path: s.file, before: sha256('one\n'), after: sha256('two\n') };
    const r = run(files.writeAndTest(write(s, 'two\n'), `grep -q two ${s.file}`, seen), 'two\n');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(s.file, 'utf8')).toBe('two\n');
  });

  it('writes nothing when the container sees another text before (12) or cannot be read (11)', () => {
    const s = scratch();
    writeFileSync(s.file, 'one\n');
    writeFileSync(`${s.file}.pinned`, 'older\n');
    const stale = { path: `${s.file}.pinned`, before: sha256('one\n'), after: sha256('two\n') };
    expect(run(files.writeAndTest(write(s, 'two\n'), 'true', stale), 'two\n').code).toBe(12);
    const gone = { ...stale, path: `${s.dir}/missing` };
    expect(run(files.writeAndTest(write(s, 'two\n'), 'true', gone), 'two\n').code).toBe(11);
    expect(readFileSync(s.file, 'utf8')).toBe('one\n');
    expect(existsSync(s.backup)).toBe(false);
  });

  it('14 when the container does not see the write; 15 with the output when the test refuses it', () => {
    const s = scratch();
    writeFileSync(s.file, 'one\n');
    writeFileSync(`${s.file}.pinned`, 'one\n');
    const pinned = { path: `${s.file}.pinned`, before: sha256('one\n'), after: sha256('two\n') };
    expect(run(files.writeAndTest(write(s, 'two\n'), 'true', pinned), 'two\n').code).toBe(14);
    const r = run(files.writeAndTest(write(s, 'three\n'), 'echo "bad directive"; exit 1'), 'three\n');
    expect(r.code).toBe(15);
    expect(r.stderr).toBe('bad directive\n');
    // The caller puts the previous text back: the backup holds it.
    expect(readFileSync(s.backup, 'utf8')).toBe('two\n');
  });

  it("a failed write keeps its own exit code and message (not one of the check's)", () => {
    const s = scratch();
    writeFileSync(s.file, 'one\n');
    chmodSync(s.dir, 0o777);
    const r = run(files.writeAndTest(write(s, 'two\n'), 'true'), 'two\n');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is writable by every user');
    expect(readFileSync(s.file, 'utf8')).toBe('one\n');
  });
});

describe('files.recoverInterrupted', () => {
  it('does nothing without a journal', () => {
    const { file, backup, journal } = scratch();
    writeFileSync(file, 'live\n');
    const r = run(files.recoverInterrupted(file, backup, journal));
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(file, 'utf8')).toBe('live\n');
  });

  it('undoes a write killed half way: the backup goes back into the same inode', () => {
    const { file, backup, journal } = scratch();
    writeFileSync(backup, 'before\n');
    writeFileSync(file, 'aft'); // the copy was cut short
    writeFileSync(journal, `${sha256('after\n')}\n`);
    const inode = statSync(file).ino;
    const r = run(files.recoverInterrupted(file, backup, journal));
    expect(r.stdout.trim()).toBe('restored');
    expect(readFileSync(file, 'utf8')).toBe('before\n');
    expect(statSync(file).ino).toBe(inode);
    expect(existsSync(journal)).toBe(false);
  });

  it('keeps a write that completed before the journal was removed', () => {
    const { file, backup, journal } = scratch();
    writeFileSync(backup, 'before\n');
    writeFileSync(file, 'after\n');
    writeFileSync(journal, `${sha256('after\n')}\n`);
    const r = run(files.recoverInterrupted(file, backup, journal));
    expect(r.stdout.trim()).toBe('completed');
    expect(readFileSync(file, 'utf8')).toBe('after\n');
  });
});

describe('files.writeAtomic (the state record)', () => {
  it('replaces the file by rename and keeps the previous one', () => {
    const { file, backup } = scratch();
    writeFileSync(file, '{"a":1}\n');
    const r = run(files.writeAtomic(file, backup), '{"a":2}\n');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}\n');
    expect(readFileSync(backup, 'utf8')).toBe('{"a":1}\n');
  });
});

describe('a balancer in a container', () => {
  const inspect = JSON.stringify([
    {
      Id: 'a5060dbdb0aed30b0a7cdf86efec907e98b4f701a588570ef72e1184d2f33679',
      State: { Running: true, Status: 'running', Pid: 4242 },
      Mounts: [
        { Type: 'bind', Source: '/root/nginx.conf', Destination: '/etc/nginx/nginx.conf' },
        { Type: 'bind', Source: '/srv/haproxy', Destination: '/usr/local/etc/haproxy' },
        { Type: 'bind', Source: '/srv/haproxy/run', Destination: '/run/haproxy' },
      ],
    },
  ]);

  it('reads docker inspect', () => {
    expect(parseInspect(inspect)).toMatchObject({
      running: true,
      status: 'running',
      pid: 4242,
      id: 'a5060dbdb0aed30b0a7cdf86efec907e98b4f701a588570ef72e1184d2f33679',
    });
  });

  it('finds where a host file appears inside: the file itself, or below a mounted directory', () => {
    const { mounts } = parseInspect(inspect);
    expect(findMount(mounts, '/root/nginx.conf')).toBe('/etc/nginx/nginx.conf');
    expect(findMount(mounts, '/srv/haproxy/haproxy.cfg')).toBe('/usr/local/etc/haproxy/haproxy.cfg');
    expect(findMount(mounts, '/srv/haproxy/run/admin.sock')).toBe('/run/haproxy/admin.sock');
    expect(findMount(mounts, '/root/other.conf')).toBeUndefined();
    expect(findMount(mounts, '/srv/haproxy-old/haproxy.cfg')).toBeUndefined();
  });
});

describe('container.signalMain (the default reload of a balancer in a container)', () => {
  const id = 'a5060dbdb0aed30b0a7cdf86efec907e98b4f701a588570ef72e1184d2f33679';

  // A live process that records the HUPs it gets; a fake /proc where its cgroup is `cgroup`;
  // a fake `docker` that records its arguments.
  async function setup(cgroup: string) {
    const dir = mkdtempSync(join(tmpdir(), 'bg-signal-'));
    const got = join(dir, 'got');
    const child = spawn('sh', ['-c', `trap 'echo HUP >> ${got}' HUP; while :; do sleep 0.05; done`], {
      stdio: 'ignore',
      cwd: '/', // not this process's: a command run in its namespaces works where it works
    });
    await new Promise((r) => setTimeout(r, 150)); // the trap is set
    const pid = child.pid!;
    mkdirSync(join(dir, 'proc', String(pid)), { recursive: true });
    writeFileSync(join(dir, 'proc', String(pid), 'cgroup'), cgroup);
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'docker'), `#!/bin/sh\necho "$@" >> ${join(dir, 'docker')}\n`, {
      mode: 0o755,
    });
    const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
    const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
    const signal = (main: { pid: number; id: string }) =>
      spawnSync('sh', ['-c', container.signalMain('balancer', 'HUP', main, join(dir, 'proc'))], { env });
    return { pid, child, read, signal, env, proc: join(dir, 'proc') };
  }

  it('signals the main process itself when its cgroup names the container (no docker CLI)', async () => {
    const s = await setup(`0::/system.slice/docker-${id}.scope\n`);
    try {
      expect(s.signal({ pid: s.pid, id }).status).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(s.read('got')).toBe('HUP\n');
      expect(s.read('docker')).toBe('');
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it("asks docker when the PID is not the container's (restarted since) or the ID is not one", async () => {
    const s = await setup('0::/user.slice/session-1.scope\n');
    try {
      expect(s.signal({ pid: s.pid, id }).status).toBe(0);
      expect(s.signal({ pid: s.pid, id: 'not-an-id' }).status).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(s.read('got')).toBe('');
      expect(s.read('docker')).toBe('kill --signal HUP balancer\nkill --signal HUP balancer\n');
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('runs the test in the namespaces of the main process when it runs as root; else docker exec', async () => {
    const s = await setup(`0::/docker/${id}\n`);
    try {
      const main = { pid: s.pid, id, user: '', path: '/usr/bin:/bin' };
      const exec = (argv: string[], m = main) =>
        spawnSync('sh', ['-c', container.execMain('balancer', argv, m, s.proc)], {
          env: s.env,
          encoding: 'utf8',
        });
      const inside = exec(['sh', '-c', 'echo "in $PWD"; exit 3']);
      if (process.getuid?.() === 0) {
        // nsenter, as root: the command's own exit code and output, no docker CLI
        expect([inside.status, inside.stdout]).toEqual([3, 'in /\n']);
        expect(s.read('docker')).toBe('');
      } else {
        expect(s.read('docker')).toBe('exec balancer sh -c echo "in $PWD"; exit 3\n');
      }
      // A command the container does not have (127): docker exec says so itself.
      exec(['no-such-command-here']);
      // A container that runs as another user: docker exec, as that user.
      exec(['nginx', '-t'], { ...main, user: 'nginx' });
      expect(s.read('docker')).toMatch(/exec balancer no-such-command-here\nexec balancer nginx -t\n$/);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('takes a balancer.reload that says the same as the default, and nothing else', () => {
    expect(signalsContainer('docker kill -s HUP balancer', 'balancer', 'HUP')).toBe(true);
    expect(signalsContainer(' docker kill --signal=SIGHUP balancer ', 'balancer', 'HUP')).toBe(true);
    expect(signalsContainer('docker kill --signal HUP balancer', 'balancer', 'HUP')).toBe(true);
    expect(signalsContainer('docker kill -s HUP other', 'balancer', 'HUP')).toBe(false);
    expect(signalsContainer('docker kill -s USR2 balancer', 'balancer', 'HUP')).toBe(false);
    expect(signalsContainer('docker kill -s HUP balancer && logger reloaded', 'balancer', 'HUP')).toBe(false);
    expect(signalsContainer('sudo docker kill -s HUP balancer', 'balancer', 'HUP')).toBe(false);
  });
});

describe('nginx without a pid_file', () => {
  it('turns the configured test command into nginx -T with the same options', () => {
    expect(nginx.dumpConfig(undefined)).toBe('nginx -T');
    expect(nginx.dumpConfig('nginx -c /srv/nginx.conf -t')).toBe('nginx -c /srv/nginx.conf -T');
    expect(nginx.dumpConfig('/usr/sbin/nginx -t -q')).toBe('/usr/sbin/nginx -T -q');
    expect(nginx.dumpConfig('sudo /usr/local/bin/check')).toBe('nginx -T');
  });

  it('takes the pid directive of the main context', () => {
    const dump = [
      'nginx: the configuration file /srv/nginx.conf syntax is ok',
      '# configuration file /srv/nginx.conf:',
      'user root;',
      'pid /var/lib/lab/nginx.pid;',
      'http { }',
    ].join('\n');
    expect(pidDirective(dump)).toBe('/var/lib/lab/nginx.pid');
    expect(pidDirective('events {}\n')).toBeUndefined();
  });

  // nginx is a Debian package (.ci/run installs it; a skip fails CI there).
  const hasNginx = spawnSync('sh', ['-c', 'command -v nginx']).status === 0;
  it.skipIf(!hasNginx)('finds the pid file of a real nginx config (nginx -T)', () => {
    const { dir } = scratch();
    const conf = join(dir, 'n.conf');
    writeFileSync(conf, `pid ${dir}/n.pid;\nerror_log ${dir}/e.log;\nevents {}\nhttp { access_log off; }\n`);
    const out = execFileSync('sh', ['-c', nginx.dumpConfig(`nginx -e ${dir}/e.log -c ${conf} -t`)], {
      encoding: 'utf8',
    });
    expect(pidDirective(out)).toBe(`${dir}/n.pid`);
  });
});
