import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { liveLogger } from '../../src/util/log.js';

/** A tiny terminal: applies "cursor up N lines + erase below" (ESC[NF ESC[J) to a line buffer. */
function terminal() {
  let screen: string[] = [''];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      let text = chunk.toString();
      // eslint-disable-next-line no-control-regex
      const erase = /^\x1b\[(\d+)F\x1b\[J/.exec(text);
      if (erase) {
        screen = screen.slice(0, screen.length - 1 - Number(erase[1]));
        screen.push('');
        text = text.slice(erase[0].length);
      }
      const parts = text.split('\n');
      screen[screen.length - 1] = `${screen.at(-1) ?? ''}${parts[0] ?? ''}`;
      screen.push(...parts.slice(1));
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  // eslint-disable-next-line no-control-regex
  return { stream, lines: () => screen.filter(Boolean).map((l) => l.replace(/\x1b\[\d+m/g, '')) };
}

describe('live progress view', () => {
  it('keeps one line per host and rewrites it in place as steps finish', async () => {
    const t = terminal();
    const log = liveLogger(t.stream);
    await log.group('start 2.0.0 on blue', async () => {
      log.hostStep('bluehost00', 'pull', true, 1200);
      log.hostStep('bluehost01', 'pull', true, 900);
      log.info('a message scrolls above the host lines');
      log.hostStep('bluehost00', 'start', true, 300);
      log.hostStep('bluehost01', 'start', false, 100, 'exited 125');
    });
    const lines = t.lines();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/== start 2\.0\.0 on blue$/);
    expect(lines[1]).toMatch(/a message scrolls above the host lines$/);
    expect(lines[2]).toBe('  bluehost00     pull ✓ 1.2s  start ✓ 0.3s');
    expect(lines[3]).toBe('  bluehost01     pull ✓ 0.9s  start ✗ 0.1s exited 125');
  });
});
