import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quote, sh } from '../../src/commands/shell.js';

// The remote side must receive exactly the string given. Checked against a real POSIX
// shell (dash, as /bin/sh on Debian, and bash as sshd runs it): every generated string is
// quoted, printed back by the shell, and compared byte for byte.

const hostile = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({
      unit: fc.constantFrom(
        "'",
        '"',
        '\\',
        '$',
        '`',
        ';',
        '|',
        '&',
        '\n',
        ' ',
        '*',
        '?',
        '!',
        '#',
        '~',
        '(',
        ')',
        '{',
        '}',
        '<',
        '>',
        '\t',
        'a',
        '-',
      ),
      maxLength: 30,
    }),
  )
  .filter((s) => !s.includes('\0'));

function echoBack(shell: string, values: string[]): string[] {
  const script = `printf '%s\\0' ${values.map(quote).join(' ')}`;
  const out = execFileSync(shell, ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.split('\0').slice(0, -1);
}

describe('quote', () => {
  it('leaves plain words alone and quotes everything else', () => {
    expect(quote('hubuser/app:2.0.0')).toBe('hubuser/app:2.0.0');
    expect(quote('a b')).toBe("'a b'");
    expect(quote("it's")).toBe("'it'\\''s'");
    expect(quote('')).toBe("''");
    expect(sh('docker', 'run', '-e', 'A=$(id)')).toBe("docker run -e 'A=$(id)'");
  });

  it('refuses NUL, which no argv can carry', () => {
    expect(() => quote('a\0b')).toThrow(/NUL/);
  });

  for (const shell of ['sh', 'bash']) {
    it(`round-trips 20,000 hostile strings through ${shell}`, () => {
      const samples = fc.sample(hostile, { numRuns: 20_000, seed: 42 });
      // Batches keep each command line well under ARG_MAX.
      for (let i = 0; i < samples.length; i += 2000) {
        const batch = samples.slice(i, i + 2000);
        expect(echoBack(shell, batch)).toEqual(batch);
      }
    });
  }

  it('round-trips random strings (property)', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 20 }), (values) => {
        expect(echoBack('sh', values)).toEqual(values);
      }),
      { numRuns: 100 },
    );
  });
});
