import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAndPush } from '../../src/deploy/build.js';
import { fakeContext } from '../fakes/context.js';

// The local build runs the docker CLI through @actions/exec; here a `docker` script on PATH
// records what it was given (argv, stdin, DOCKER_BUILDKIT) and fails when told to.

const SCRIPT = `#!/bin/sh
input=$(cat)
printf 'argv: %s | stdin: %s | buildkit: %s\\n' "$*" "$input" "$DOCKER_BUILDKIT" >> "$FAKE_DOCKER_LOG"
if [ "$1" = "$FAKE_DOCKER_FAIL" ]; then
  for i in 1 2 3 4 5 6; do echo "Step $i/6"; done
  echo "error: the $1 broke" >&2
  exit 1
fi
echo "$1 done"
`;

let dir: string;
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bluegreen-build-'));
  writeFileSync(join(dir, 'docker'), SCRIPT);
  chmodSync(join(dir, 'docker'), 0o755);
  process.env.PATH = `${dir}:${saved.PATH}`;
  process.env.FAKE_DOCKER_LOG = join(dir, 'log');
  delete process.env.DOCKER_BUILDKIT;
});

afterEach(() => {
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

const withBuild = () =>
  fakeContext({
    config: { build: { context: 'app' }, registry: { server: 'registry.test:5000', username: 'ci' } },
    secrets: { registryPassword: 'pa$$ word' },
  });
const log = () => readFileSync(join(dir, 'log'), 'utf8').trim().split('\n');

describe('build and push (local docker via @actions/exec)', () => {
  it('logs in with the password on stdin, then builds (legacy builder) and pushes the tag', async () => {
    const f = withBuild();
    await buildAndPush(f.ctx, '2.0.0');
    expect(log()).toEqual([
      'argv: login --username ci --password-stdin registry.test:5000 | stdin: pa$$ word | buildkit: 0',
      'argv: build --file /work/app/app/Dockerfile --tag registry.test:5000/team/app:2.0.0 /work/app/app | stdin:  | buildkit: 0',
      'argv: push registry.test:5000/team/app:2.0.0 | stdin:  | buildkit: 0',
    ]);
    expect(f.log.infos).toEqual([
      expect.stringMatching(/^docker build registry\.test:5000\/team\/app:2\.0\.0: \d+\.\ds$/),
      expect.stringMatching(/^docker push registry\.test:5000\/team\/app:2\.0\.0: \d+\.\ds$/),
    ]);
  });

  it('keeps a DOCKER_BUILDKIT the user set', async () => {
    process.env.DOCKER_BUILDKIT = '1';
    await buildAndPush(withBuild().ctx, '2.0.0');
    expect(log()[1]).toMatch(/buildkit: 1$/);
  });

  it('a failed build: the error holds the last five lines of its output, and nothing is pushed', async () => {
    process.env.FAKE_DOCKER_FAIL = 'build';
    await expect(buildAndPush(withBuild().ctx, '2.0.0')).rejects.toThrow(
      'docker build failed: Step 3/6\nStep 4/6\nStep 5/6\nStep 6/6\nerror: the build broke',
    );
    expect(log()).toHaveLength(2);
  });

  it('a failed login: the error names the registry and the last line; nothing is built', async () => {
    process.env.FAKE_DOCKER_FAIL = 'login';
    await expect(buildAndPush(withBuild().ctx, '2.0.0')).rejects.toThrow(
      'docker login registry.test:5000 failed: error: the login broke',
    );
    expect(log()).toHaveLength(1);
  });

  it('no docker CLI: says so', async () => {
    process.env.PATH = join(dir, 'empty');
    await expect(buildAndPush(withBuild().ctx, '2.0.0')).rejects.toThrow(
      /^cannot run docker locally: .*docker.* \(is the docker CLI installed\?\)$/,
    );
  });
});
