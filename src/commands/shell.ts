// The single quoting function for every value that reaches a remote shell.
// POSIX single quotes pass every byte through literally except the quote itself,
// which is closed, escaped and reopened. NUL cannot be passed in an argv at all.

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

export function quote(value: string): string {
  if (value.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte');
  if (SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Joins argv into one shell command line, quoting every word. */
export function sh(...argv: string[]): string {
  return argv.map(quote).join(' ');
}
