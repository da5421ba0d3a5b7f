// What every measure module gets: the lab (lb2's nginx as the balancer) and the settings of
// this run (also written to latest.json, so the render step knows them).
import type { Lab, LabHost } from '../../test/harness/lab.js';
import type { Settings } from '../lib/results.js';

export interface BenchContext {
  lab: Lab;
  settings: Settings;
}

/** The first `n` hosts of each pool. */
export function poolsOf(lab: Lab, n: number): { green: LabHost[]; blue: LabHost[] } {
  return { green: lab.hosts.green.slice(0, n), blue: lab.hosts.blue.slice(0, n) };
}

/** Sleeps `ms`. */
export const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
