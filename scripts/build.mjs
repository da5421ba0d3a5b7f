// Bundles the action (dist/index.js) and the CLI (dist/cli.js) into single ESM files.
// ssh2's optional native addons are left out: it falls back to its pure-JS crypto.
import { build } from 'esbuild';
import { chmod, readFile, rm } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';

// `import text from './x.ejs?raw'` (as Vite, and so Vitest, understands it): the file's text.
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({
      // Relative to the repository, so the bundle does not depend on where it is built.
      path: relative(process.cwd(), resolve(dirname(args.importer), args.path.slice(0, -4))),
      namespace: 'raw',
    }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, async (args) => ({
      contents: await readFile(resolve(args.path), 'utf8'),
      loader: 'text',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['cpu-features', '*.node'],
  plugins: [rawText],
  legalComments: 'none',
  // Less text to read and compile at every start (about 10% of `bluegreen status`'s CPU);
  // identifiers are kept, so stack traces still name the functions.
  minifyWhitespace: true,
  minifySyntax: true,
  // Module paths in the bundle stay as seen from the repository (node_modules/…), so the
  // committed bundle is byte-identical wherever it is rebuilt, symlinked node_modules included.
  preserveSymlinks: true,
  logLevel: 'warning',
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));",
  },
};

// One build for both entries: the action (dist/index.js) and the CLI (dist/cli.js), with the
// code they share in dist/chunks/. The CLI loads its engine chunk only when a command needs
// it (a dynamic import), so `bluegreen --help` and `validate` do not compile the whole engine.
await rm('dist/chunks', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { index: 'src/index.ts', cli: 'src/bin/bluegreen.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: '#!/usr/bin/env node\n' + common.banner.js },
});
await chmod('dist/cli.js', 0o755);
