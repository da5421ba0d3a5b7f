import module from 'node:module';

// The `bluegreen` executable (dist/cli.js): runs the CLI and turns its result into the exit code.

// Node ≥ 22.1 keeps the compiled bundle on disk (in the OS temp directory, per Node's own
// rules; NODE_DISABLE_COMPILE_CACHE=1 turns it off): from the second run on, the chunks are
// not compiled again. The CLI is imported after it, so that it is cached too.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import('../cli.js');

main(process.argv.slice(2)).then(
  (code) => {
    // Exit as soon as the output is written: the SSH connections are closed already, and
    // waiting for their sockets to finish closing only delays the shell (or CI step).
    process.exitCode = code;
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  },
  (err: unknown) => {
    process.stderr.write(
      `bluegreen: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
