/** One physical line of a config file: its text, its own line ending, and where it starts. */
export interface Line {
  text: string; // without the line ending
  eol: string;
  index: number;
}

/**
 * The physical lines of `text` between offsets `from` and `to`, each with its own ending
 * (`\n`, `\r\n` or none), so a patch can write every untouched line back byte for byte.
 */
export function physicalLines(text: string, from = 0, to = text.length): Line[] {
  const out: Line[] = [];
  let i = from;
  while (i < to) {
    const nl = text.indexOf('\n', i);
    const stop = nl === -1 || nl >= to ? to : nl + 1;
    const raw = text.slice(i, stop);
    const eol = raw.endsWith('\r\n') ? '\r\n' : raw.endsWith('\n') ? '\n' : '';
    out.push({ text: raw.slice(0, raw.length - eol.length), eol, index: i });
    i = stop;
  }
  return out;
}
