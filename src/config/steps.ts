import { UsageError } from '../errors.js';

// The `--steps` / `steps` value of a gradual deploy, checked before anything runs.

/** Parses and validates `--steps`: increasing integers in 1..100, ending in 100. */
export function parseSteps(text: string, field = '--steps'): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const steps = parts.map(Number);
  const bad = (why: string) => new UsageError(`${field}: ${JSON.stringify(text)} ${why} (e.g. 10,50,100)`);
  if (parts.some((p) => !/^\d{1,3}$/.test(p))) throw bad('must be a comma-separated list of integers');
  if (steps.some((s) => s < 1 || s > 100)) throw bad('must hold percentages between 1 and 100');
  if (steps.some((s, i) => i > 0 && s <= steps[i - 1]!)) throw bad('must be strictly increasing');
  if (steps.at(-1) !== 100) throw bad('must end in 100');
  return steps;
}
