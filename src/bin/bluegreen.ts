import { main } from '../cli.js';

// The `bluegreen` executable (dist/cli.js): runs the CLI and turns its result into the exit code.

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
