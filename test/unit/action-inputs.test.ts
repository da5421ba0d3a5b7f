// action.yml, the code and the README describe the same inputs and outputs: the inputs
// action.yml declares, the INPUT_* env it maps them to (composite actions pass nothing
// else), the names src/action/inputs.ts reads and the README tables are one set. Also how
// inputs are read: secrets masked first, defaults, and refusals of bad values.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { INPUT_NAMES, maskSecretInputs, readInputs } from '../../src/action/inputs.js';

const ROOT = resolve(import.meta.dirname, '../..');

interface ActionYaml {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: {
    using: string;
    steps: { id?: string; run?: string; shell?: string; env?: Record<string, string> }[];
  };
}

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYaml;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = /<!-- action:start -->([\s\S]*)<!-- action:end -->/.exec(readme)?.[1] ?? '';

/** Rows of the markdown table that follows a heading: first cell (unquoted) → the other cells. */
function table(heading: string): Map<string, string[]> {
  const lines = (section.split(`### ${heading}\n`)[1] ?? '').split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  // Skip the header row and the rule.
  const rows = lines.slice(start + 2, end).map((r) => r.replace(/^\| | \|$/g, '').split(' | '));
  return new Map(rows.map((cells) => [cells[0]!.replace(/`/g, ''), cells.slice(1)]));
}

describe('action.yml ↔ code ↔ README', () => {
  const step = action.runs.steps.find((s) => s.id === 'bluegreen')!;

  it('declares, maps and reads the same inputs', () => {
    const declared = Object.keys(action.inputs).sort();
    const mapped = Object.entries(step.env ?? {}).map(([env, expr]) => {
      const name = /^\$\{\{ inputs\.([a-z_]+) \}\}$/.exec(expr)?.[1];
      expect(env).toBe(`INPUT_${name?.toUpperCase()}`);
      return name!;
    });
    expect(mapped.sort()).toEqual(declared);
    expect([...INPUT_NAMES].sort()).toEqual(declared);
  });

  it('documents every input with its default in the README', () => {
    const rows = table('Inputs');
    expect([...rows.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, def] of Object.entries(action.inputs)) {
      const [shownDefault, description] = rows.get(name)!;
      expect(shownDefault).toBe(def.default ? `\`${def.default}\`` : '—');
      expect(description).toBe(def.description.trim());
    }
  });

  it('wires and documents every output', () => {
    for (const [name, out] of Object.entries(action.outputs))
      expect(out.value).toBe(`\${{ steps.bluegreen.outputs.${name} }}`);
    expect([...table('Outputs').keys()].sort()).toEqual(Object.keys(action.outputs).sort());
    expect(Object.keys(action.outputs).sort()).toEqual([
      'candidate_pool',
      'deployment_id',
      'digest',
      'image',
      'live_pool',
      'result',
      'sha',
      'verdict',
      'version',
    ]);
  });

  it('is a composite action that checks node first and never interpolates into a script', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps[0]!.run).toMatch(/command -v node[\s\S]*-lt 20/);
    expect(step.run).toBe('node "$GITHUB_ACTION_PATH/dist/index.js"');
    for (const s of action.runs.steps) {
      expect(s.shell).toBe('bash');
      expect(s.run).not.toContain('${{');
    }
  });
});

describe('readInputs', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('applies defaults when inputs are empty', () => {
    for (const name of INPUT_NAMES) vi.stubEnv(`INPUT_${name.toUpperCase()}`, '');
    expect(readInputs()).toEqual({
      configPath: '.github/bluegreen.yml',
      environment: 'production',
      allowedCommentersPermission: 'write',
      allowForks: false,
      dryRun: false,
      force: false,
      mode: 'run',
    });
  });

  it('reads every input, restoring the key’s final newline', () => {
    vi.stubEnv('INPUT_COMMAND', 'promote');
    vi.stubEnv('INPUT_SSH_PRIVATE_KEY', '-----BEGIN KEY-----\nabc\n-----END KEY-----');
    vi.stubEnv('INPUT_ALLOW_FORKS', 'true');
    vi.stubEnv('INPUT_DRY_RUN', 'False');
    vi.stubEnv('INPUT_ALLOWED_COMMENTERS_PERMISSION', 'maintain');
    vi.stubEnv('INPUT_REGISTRY_USERNAME', 'bot');
    vi.stubEnv('INPUT_STEPS', '10, 50,100');
    vi.stubEnv('INPUT_FORCE', 'true');
    vi.stubEnv('INPUT_MODE', 'authorize');
    expect(readInputs()).toMatchObject({
      mode: 'authorize',
      command: 'promote',
      sshPrivateKey: '-----BEGIN KEY-----\nabc\n-----END KEY-----\n',
      allowForks: true,
      dryRun: false,
      steps: [10, 50, 100],
      force: true,
      allowedCommentersPermission: 'maintain',
      registryUsername: 'bot',
    });
  });

  it.each([
    ['COMMAND', 'destroy', /unknown input command "destroy": expected one of deploy, .*, validate/],
    ['MODE', 'deploy', /input mode: "deploy" is not one of run, authorize, refusal/],
    ['VERSION', '1.0.0;rm -rf /', /input version: .* is not a valid image tag/],
    ['ALLOWED_COMMENTERS_PERMISSION', 'everyone', /not one of read, triage, write, maintain, admin/],
    ['DRY_RUN', 'yes', /input dry_run: expected true or false/],
    ['STEPS', '50,10,100', /input steps: "50,10,100" must be strictly increasing/],
    ['STEPS', '10,50', /input steps: "10,50" must end in 100/],
    ['FORCE', 'maybe', /input force: expected true or false/],
  ])('refuses INPUT_%s=%s', (name, value, message) => {
    vi.stubEnv(`INPUT_${name}`, value);
    expect(() => readInputs()).toThrow(message);
  });

  it('masks the key, each of its lines, the registry password and the token', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.stubEnv('INPUT_SSH_PRIVATE_KEY', 'line-one\nline-two\n');
    vi.stubEnv('INPUT_REGISTRY_PASSWORD', 'hunter2');
    vi.stubEnv('INPUT_GITHUB_TOKEN', 'ghs_abc');
    maskSecretInputs();
    const masked = write.mock.calls.map((c) => String(c[0]).trim());
    expect(masked).toEqual([
      '::add-mask::line-one%0Aline-two%0A',
      '::add-mask::line-one',
      '::add-mask::line-two',
      '::add-mask::hunter2',
      '::add-mask::ghs_abc',
    ]);
  });
});
