import { sh } from './shell.js';

// ssh-keyscan of one host, run on the machine running bluegreen (by `bluegreen init`). The
// argv goes to execFile (no shell); `display` is the same command quoted, for messages.

export interface KeyscanCommand {
  argv: string[];
  display: string;
}

/** Every key type the host offers, waiting at most `timeoutSeconds` for it to answer. */
export function keyscan(host: string, port: number, timeoutSeconds = 5): KeyscanCommand {
  const argv = ['ssh-keyscan', '-T', String(timeoutSeconds), '-p', String(port), '--', host];
  return { argv, display: sh(...argv) };
}
