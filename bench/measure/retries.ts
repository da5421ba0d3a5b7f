// "Keep one run with the defaults to show the difference" (issue #11): the naive script
// story once with nginx's default retries (proxy_next_upstream error timeout: a request
// that fails on one server is tried on the next, which hides failed GETs from clients; a
// POST already sent is never retried) and once with retries off, as the lab runs nginx.
// lb2's nginx.conf is rewritten for that run and put back afterwards. The run with retries
// off is the load section's last story when it ran (just before), or a run of its own.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { reloadBalancer } from '../../test/harness/lab.js';
import type { LoadStory, RetriesRun } from '../lib/results.js';
import { log } from '../lib/util.js';
import type { BenchContext } from './context.js';
import { scriptStory } from './load.js';

const RETRIES_OFF = /^(\s*)proxy_next_upstream off;$/m;

export async function measureRetries(ctx: BenchContext, off?: LoadStory): Promise<RetriesRun[]> {
  const { lab } = ctx;
  const b = lab.balancer;
  const confPath = join(dirname(b.localFile), 'nginx.conf');
  const original = readFileSync(confPath, 'utf8');
  if (!RETRIES_OFF.test(original))
    throw new Error(`${confPath} has no "proxy_next_upstream off;" line: the lab's nginx changed`);
  off ??= await scriptStory(ctx, 'stop-first');
  let withDefaults: LoadStory;
  try {
    writeFileSync(
      confPath,
      original.replace(
        RETRIES_OFF,
        "$1# proxy_next_upstream: nginx's default (error timeout), for the benchmark",
      ),
    );
    await reloadBalancer(lab, b);
    log("lb2's nginx: proxy_next_upstream back to its default for one run");
    withDefaults = await scriptStory(ctx, 'stop-first');
  } finally {
    writeFileSync(confPath, original);
    await reloadBalancer(lab, b);
    log("lb2's nginx: proxy_next_upstream off again");
  }
  return [
    { retries: 'default', story: withDefaults },
    { retries: 'off', story: off },
  ];
}
