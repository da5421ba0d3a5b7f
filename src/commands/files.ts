import { posix } from 'node:path';
import { sh } from './shell.js';

// Remote file operations for the balancer file and the state record.
//
// Temp files come from mktemp beside the file (same file system, unpredictable name), and a
// directory anyone may write to is refused: there another user could plant a symlink at
// the backup's fixed name and have root overwrite whatever it points to.

/** Exits 3 with a message when the file's directory is writable by every user. */
function refuseWorldWritable(path: string): string {
  const dir = posix.dirname(path);
  return `if [ -n "$(find ${sh(dir)} -maxdepth 0 -perm -0002 2>/dev/null)" ]; then echo ${sh(`${dir} is writable by every user: refusing to write ${posix.basename(path)} there (use a directory only root can write)`)} >&2; exit 3; fi`;
}

/**
 * Runs `command` with its output held back: on success it prints nothing; on failure its
 * output goes to stderr and the script exits `code` (a caller tells the step by the code).
 */
function outputOnlyIfFailed(command: string, code: number): string {
  return `out=$( { ${command}; } 2>&1 ) || { printf '%s\\n' "$out" >&2; exit ${code}; }`;
}

/** A temp file beside `path`, removed when the script exits (whatever happens). */
function tempBeside(path: string): string[] {
  return [
    `tmp=$(mktemp ${sh(`${posix.dirname(path)}/.${posix.basename(path)}.bluegreen.XXXXXX`)})`,
    `trap 'rm -f "$tmp"' EXIT`,
  ];
}

export const files = {
  /** Prints the file, or nothing when it does not exist (exit 0 either way). */
  readIfExists: (path: string) => `if [ -e ${sh(path)} ]; then cat ${sh(path)}; fi`,
  read: (path: string) => sh('cat', path),

  /**
   * Writes stdin to `path` atomically: a temp file beside it, then rename (a new inode). The
   * previous content is kept as `backup`. For files only bluegreen reads (the state record).
   */
  writeAtomic: (path: string, backup?: string) =>
    [
      'set -e',
      refuseWorldWritable(path),
      'umask 077',
      ...tempBeside(path),
      // The old file's mode and owner (cp -p), then the new content.
      `if [ -e ${sh(path)} ]; then cp -p ${sh(path)} "$tmp"; else chmod 644 "$tmp"; fi`,
      'cat > "$tmp"',
      ...(backup ? [`if [ -e ${sh(path)} ]; then cp -p ${sh(path, backup)}; fi`] : []),
      `mv -f "$tmp" ${sh(path)}`,
    ].join('; '),

  /**
   * Writes stdin INTO `path`, keeping its inode: a container that has the file bind-mounted
   * alone (`-v /root/nginx.conf:/etc/nginx/nginx.conf`) keeps seeing the inode it was started
   * with, so a rename would leave it reading the old file. The new text is first written
   * completely to a temp file; then the backup is taken, a journal names the sha256 of the
   * text being written, the bytes are copied over the original, and the journal goes. A run
   * killed in between leaves the journal: `recoverInterrupted` then finishes or undoes it.
   */
  writeInPlace: (path: string, backup: string | undefined, journal: string, sha256: string) =>
    [
      'set -e',
      refuseWorldWritable(path),
      'umask 077',
      ...tempBeside(path),
      'cat > "$tmp"',
      ...(backup ? [`if [ -e ${sh(path)} ]; then cp -p ${sh(path, backup)}; fi`] : []),
      `printf '%s\\n' ${sh(sha256)} > ${sh(journal)}`,
      `if [ ! -e ${sh(path)} ]; then (umask 022; : > ${sh(path)}); fi`,
      `cat "$tmp" > ${sh(path)}`,
      `rm -f ${sh(journal)}`,
    ].join('; '),

  /**
   * Finishes or undoes an in-place write that was interrupted (its journal is still there):
   * the file holds the text the journal names (the write completed) or the backup is copied
   * back into it. Prints `completed` or `restored` when there was something to recover.
   */
  recoverInterrupted: (path: string, backup: string, journal: string) =>
    [
      `if [ -e ${sh(journal)} ]`,
      `then want=$(cat ${sh(journal)})`,
      `have=$(sha256sum < ${sh(path)} | cut -c1-64)`,
      `if [ "$have" = "$want" ]; then echo completed; else cat ${sh(backup)} > ${sh(path)}; echo restored; fi`,
      `rm -f ${sh(journal)}`,
      'fi',
    ].join('; '),

  /**
   * A balancer file's change before its reload, as one exec: `write` (writeInPlace, reading
   * stdin), then `test`. With `seen` (a balancer in a container: the file as the container
   * sees it, by its path under /proc/PID/root), what the container sees is checked against
   * sha256s first (nothing written unless it is `before`) and after the write. Exit codes:
   * 0 written and accepted; 11 the container's view cannot be read and 12 it is not `before`
   * (nothing written); 14 the container does not see the write and 15 `test` refused it
   * (its output on stderr; the caller puts the previous text back); any other: the write failed.
   */
  writeAndTest: (write: string, test: string, seen?: { path: string; before: string; after: string }) => {
    const seenIs = (sha: string, code: number) =>
      `if ! s=$(sha256sum < ${sh(seen!.path)}); then exit 11; fi; [ "\${s%% *}" = ${sh(sha)} ] || exit ${code}`;
    return [
      ...(seen ? [seenIs(seen.before, 12)] : []),
      `( ${write} ) || exit $?`,
      ...(seen ? [seenIs(seen.after, 14)] : []),
      outputOnlyIfFailed(test, 15),
    ].join('; ');
  },

  /** A write (one of the scripts above) and then, only when it succeeded, `command`: one exec. */
  writeThen: (write: string, command: string) => `( ${write} ) && { ${command}; }`,

  remove: (path: string) => sh('rm', '-f', path),
};

/** The loop of waitForNewWorkers; with `generation`, the script holds its earlier output in $before. */
function waitLoop(workers: string, old: number[], tries: number, generation?: string): string {
  return [
    `old=' ${old.join(' ')} '`,
    'i=0',
    `while [ "$i" -lt ${tries} ]; do ${
      generation !== undefined
        ? `now=$(${generation}); if [ -n "$now" ] && [ "$now" != "$before" ]; then `
        : ''
    }pids=$(${workers}); for p in $pids; do case "$old" in *" $p "*) ;; *) echo $pids; exit 0 ;; esac; done${
      generation !== undefined ? '; fi' : ''
    }; sleep 0.05; i=$((i + 1)); done`,
    'exit 1',
  ].join('; ');
}

export const processes = {
  /** PIDs of the children of the process whose PID is in pidFile (HAProxy's master: its workers). */
  children: (pidFile: string) => `ps -o pid= --ppid "$(cat ${sh(pidFile)})"`,
  /**
   * PIDs of the children of the master in pidFile that run the master's own program (Apache's
   * child processes; not a piped logger, which lives on across reloads).
   */
  childrenRunningMaster: (pidFile: string) =>
    `m=$(cat ${sh(pidFile)}); c=$(ps -o comm= -p "$m"); ps -o pid=,comm= --ppid "$m" | awk -v c="$c" '$2 == c { print $1 }'`,
  /** nginx's worker PIDs: the master's children that are worker processes. */
  nginxWorkers: (pidFile: string) =>
    `ps -o pid=,args= --ppid "$(cat ${sh(pidFile)})" | awk '/worker process/ {print $1}'`,
  /**
   * Counts established TCP connections from this host to any of the servers (the balancer's
   * connections to leaving backends); prints nothing when `ss` is missing.
   */
  connectionsTo: (servers: { host: string; port: number }[]) =>
    `command -v ss >/dev/null && ss -Htn state established ${sh(`( ${servers.map((s) => `dst ${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`).join(' or ')} )`)} | wc -l`,
  /**
   * Waits on the host (one SSH exec, polling every 50 ms) until `workers` lists a PID that is
   * not in `old`: a reload took effect. With `generation`, its command must also print
   * something else than `before` (not empty): a new generation (Apache's pid file written anew).
   * Exit 0 with the new list, or 1 after `tries` polls.
   */
  waitForNewWorkers: (
    workers: string,
    old: number[],
    tries: number,
    generation?: { command: string; before: string },
  ): string =>
    [
      ...(generation ? [`before=${sh(generation.before)}`] : []),
      waitLoop(workers, old, tries, generation?.command),
    ].join('; '),
  /**
   * Runs `reload` and then waits as waitForNewWorkers does, in one exec; with `generation`,
   * what it prints before the reload is the `before` a new generation must differ from.
   * Exit 0 with the new list, 1 after `tries` polls, 3 when `reload` failed (its output on
   * stderr).
   */
  reloadAndWaitForNewWorkers: (
    reload: string,
    workers: string,
    old: number[],
    tries: number,
    generation?: string,
  ) =>
    [
      ...(generation ? [`before=$(${generation})`] : []),
      outputOnlyIfFailed(reload, 3),
      waitLoop(workers, old, tries, generation),
    ].join('; '),
  /**
   * Waits on the host (one SSH exec, polling every 50 ms) until none of `pids` is alive: the
   * old workers finished their requests. Exit 0, or 1 after `tries` polls with the ones left.
   */
  waitForExit: (pids: number[], tries: number) =>
    [
      'i=0',
      `while :; do left=''; for p in ${pids.map(String).join(' ')}; do kill -0 "$p" 2>/dev/null && left="$left $p"; done; [ -z "$left" ] && exit 0; [ "$i" -ge ${tries} ] && { echo $left; exit 1; }; sleep 0.05; i=$((i + 1)); done`,
    ].join('; '),
};
