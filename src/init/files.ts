import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { UsageError } from '../errors.js';

// The files of `bluegreen init`, written all or none: every target is checked before the
// first is written, so a refusal leaves the directory as it was.

export interface PlannedFile {
  path: string;
  text: string;
}

/** A path as the user would type it: relative below the current directory, else absolute. */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** Refuses (naming every one) when a target exists and --force was not given. */
export function refuseExisting(
  paths: string[],
  force: boolean,
  exists: (path: string) => boolean = existsSync,
): void {
  if (force) return;
  const there = paths.filter((p) => exists(p));
  if (there.length > 0)
    throw new UsageError(
      `init: ${there.map(shownPath).join(', ')} already exist${there.length === 1 ? 's' : ''}: nothing was written. Pass --force to overwrite, or --dir DIR to write elsewhere.`,
    );
}

export async function writeFiles(files: PlannedFile[]): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(f.path), { recursive: true });
    await writeFile(f.path, f.text);
  }
}
