import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './bluegreen.js';

// What the suites measured, kept as JSON in the ignored folder .results/ (one file per suite,
// one entry per scenario, each with the time it ran). `npm run report` renders the docs and
// README tables from these files; no test writes a tracked file.

export const RESULTS_DIR = join(ROOT, '.results');

export interface ResultFile<T> {
  suite: string;
  entries: Record<string, { at: string; commit?: string; data: T }>;
}

export function readResults<T>(suite: string): ResultFile<T> {
  try {
    return JSON.parse(readFileSync(join(RESULTS_DIR, `${suite}.json`), 'utf8')) as ResultFile<T>;
  } catch {
    return { suite, entries: {} };
  }
}

/** Records one scenario's figures (a filtered run replaces only the scenarios it ran). */
export function saveResult<T>(suite: string, name: string, data: T): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = readResults<T>(suite);
  file.entries[name] = { at: new Date().toISOString(), data };
  const path = join(RESULTS_DIR, `${suite}.json`);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/**
 * Replaces the text between `<!-- report:NAME:start -->` and `<!-- report:NAME:end -->` in a
 * rendered document (`npm run report` and `npm run bench -- --render` both render this way);
 * everything outside the markers is hand-written and stays as it is.
 */
export function spliceSection(text: string, name: string, body: string, file: string): string {
  const start = `<!-- report:${name}:start -->`;
  const end = `<!-- report:${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} has no ${start} … ${end} section`);
  return `${text.slice(0, a + start.length)}\n${body.trim()}\n${text.slice(b)}`;
}

/** A tracked file (relative to the repository) and how to render it from its current text. */
export type RenderedFile = [rel: string, render: (old: string) => string | undefined];

/**
 * Renders each file from its current text (empty for a new file) and writes those that
 * change, unless `check`; returns the changed files. The one writer of rendered documents
 * (`npm run report` and `npm run bench -- --render`).
 */
export function renderFiles(files: readonly RenderedFile[], check = false): string[] {
  const changed: string[] = [];
  for (const [rel, render] of files) {
    const path = join(ROOT, rel);
    let old = '';
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      // a new file
    }
    const next = render(old);
    if (next === undefined || next === old) continue;
    changed.push(rel);
    if (!check) writeFileSync(path, next);
  }
  return changed;
}
