// Runs a TypeScript script (the demo, the benchmarks) without a separate TS runtime:
// esbuild bundles it to a cache file, then node imports it. Packages stay external.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [ARGS…]');
  process.exit(2);
}
const cacheDir = resolve('node_modules/.cache/bluegreen');
mkdirSync(cacheDir, { recursive: true });
const outfile = join(cacheDir, `${basename(entry, '.ts')}.mjs`);
await build({
  entryPoints: [resolve(entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
