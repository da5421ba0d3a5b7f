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
