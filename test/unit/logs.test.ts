import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker } from '../../src/commands/docker.js';
import { logsElsewhere, streamLogs } from '../../src/deploy/logs.js';
import { UsageError } from '../../src/errors.js';
import { fakeContext } from '../fakes/context.js';

// `bluegreen logs`: which containers, how lines are prefixed and interleaved, how -f ends,
// and where the logs are when a log driver sends them away.

describe('logs', () => {
  it('reads the live pool by default: every host at once, each line prefixed with its host', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    f.remote.on('g1', /docker logs/, { stdout: 'listening on 8000\nGET / 200\n' });
    f.remote.on('g2', /docker logs/, { stdout: 'listening on 8000', stderr: 'warn: slow\n' });
    const lines: string[] = [];
    await streamLogs(f.ctx, f.state, { pool: 'live', since: '10m', follow: false }, (l) => lines.push(l));
    expect(f.remote.calls.map((c) => `${c.host}$ ${c.command}`)).toEqual(
      ['g1', 'g2', 'g3'].map((h) => `${h}$ docker logs --since 10m webapp-1.0.0`),
    );
    expect(lines.sort()).toEqual([
      'g1 | GET / 200',
      'g1 | listening on 8000',
      'g2 | listening on 8000',
      'g2 | warn: slow',
    ]);
  });

  it('names the pool that runs nothing, and a host that cannot be read', async () => {
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' } });
    await expect(
      streamLogs(f.ctx, f.state, { pool: 'candidate', follow: false }, () => undefined),
    ).rejects.toThrow(
      new UsageError('--pool candidate: there is no candidate pool now (live: green, candidate: none)'),
    );
    await expect(
      streamLogs(f.ctx, f.state, { pool: 'blue', follow: false }, () => undefined),
    ).rejects.toThrow(/--pool blue: blue runs nothing of webapp now/);
    f.remote.fail('g3', /docker logs/, 'Error: No such container: webapp-1.0.0');
    const lines: string[] = [];
    await expect(
      streamLogs(f.ctx, f.state, { pool: 'green', tail: 5, follow: false }, (l) => lines.push(l)),
    ).rejects.toThrow(/^g3: docker logs webapp-1\.0\.0 exited 1$/);
    expect(lines).toEqual(['g3 | Error: No such container: webapp-1.0.0']);
  });

  it('-f: every session keeps its stdin open until the run is stopped; stopping is not a failure', async () => {
    const controller = new AbortController();
    const f = fakeContext({ live: { pool: 'green', version: '1.0.0' }, signal: controller.signal });
    f.remote.on(undefined, /docker logs/, { code: 143 });
    let done = false;
    const run = streamLogs(f.ctx, f.state, { pool: 'live', follow: true }, () => undefined).then(
      () => (done = true),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    controller.abort();
    await run;
    expect(f.remote.calls.map((c) => c.host)).toEqual(['g1', 'g2', 'g3']);
    for (const c of f.remote.calls) {
      expect(c.command).toContain('docker logs --follow webapp-1.0.0 </dev/null & p=$!');
      // The stream the session read until it ended: nothing is sent, only the end.
      expect(c.streamed).toEqual(Buffer.alloc(0));
    }
  });

  it('a log driver that docker logs cannot read: says where the logs go', () => {
    expect(
      logsElsewhere([
        '--network',
        'host',
        '--log-driver',
        'syslog',
        '--log-opt',
        'syslog-address=udp://10.0.0.1:514',
      ]),
    ).toMatch(
      /^container\.options sends the app's logs to the syslog log driver at udp:\/\/10\.0\.0\.1:514: read them there/,
    );
    expect(logsElsewhere(['--log-driver=fluentd', '--log-opt=fluentd-address=10.0.0.2:24224'])).toMatch(
      /fluentd log driver at 10\.0\.0\.2:24224/,
    );
    expect(logsElsewhere(['--log-driver', 'json-file'])).toBeUndefined();
    expect(logsElsewhere(['--init'])).toBeUndefined();
  });

  it('the -f command (run by sh, a docker stand-in on PATH) ends and leaves nothing running once its stdin closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluegreen-logs-'));
    writeFileSync(join(dir, 'docker'), '#!/bin/sh\necho "line from $*"\nexec sleep 30\n');
    chmodSync(join(dir, 'docker'), 0o755);
    const child = spawn('sh', ['-c', docker.readLogs('webapp-1.0.0', { tail: 3, follow: true })], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => setTimeout(r, 300));
    expect(out).toBe('line from logs --tail 3 --follow webapp-1.0.0\n');
    const started = Date.now();
    child.stdin.end();
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(code).not.toBe(0);
  });
});
