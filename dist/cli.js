#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));

// src/bin/bluegreen.ts
import module from "node:module";
module.enableCompileCache?.();
var { main } = await import("./chunks/cli-6VIVBK6D.js");
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  },
  (err) => {
    process.stderr.write(
      `bluegreen: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}
`
    );
    process.exitCode = 1;
  }
);
