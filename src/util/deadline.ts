// Something bluegreen waits on that must end when it outlives its timeout or the run is
// cancelled: a hook's process, the release's one-off container. The caller says how to stop
// it; this says when, once, and why.

export interface Deadline {
  /** Why it was stopped ("still running after 30s (hooks.timeout)", "cancelled"), if it was. */
  readonly stopped: string | undefined;
  /** Clears the timer and the cancel listener: call it once the thing has ended. */
  dispose(): void;
}

/**
 * Calls `stop(why)` once: after `timeoutMs` (why: still running after N s (`setting`)), or when
 * `signal` aborts from now on (why: cancelled), whichever comes first.
 */
export function withDeadline(opts: {
  timeoutMs: number;
  /** The setting that bounds it, for the message: `hooks.timeout`. */
  setting: string;
  signal: AbortSignal;
  stop: (why: string) => void;
}): Deadline {
  let stopped: string | undefined;
  const stop = (why: string) => {
    if (stopped !== undefined) return;
    stopped = why;
    opts.stop(why);
  };
  const timer = setTimeout(
    () => stop(`still running after ${opts.timeoutMs / 1000}s (${opts.setting})`),
    opts.timeoutMs,
  );
  // A run cancelled before this started is stopped at its next step boundary, as before.
  const onAbort = () => stop('cancelled');
  opts.signal.addEventListener('abort', onAbort, { once: true });
  return {
    get stopped() {
      return stopped;
    },
    dispose() {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
    },
  };
}
