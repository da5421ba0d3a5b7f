import { main } from '../cli.js';

// The `bluegreen` executable (dist/cli.js): runs the CLI and turns its result into the exit code.

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `bluegreen: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
