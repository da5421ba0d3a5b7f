// How a run ends when it is cancelled: GitHub sends SIGINT, then SIGTERM, then kills the
// job; a person presses Ctrl-C. The first signal aborts the run at the next step boundary,
// so what was started is cleaned up and the lock released; a change to the balancer that
// is under way is finished, never left half done. A second signal is ignored the same way
// (the runner's SIGTERM follows its SIGINT within seconds).

export interface Cancellation {
  signal: AbortSignal;
  /** The signal that cancelled the run, if any. */
  readonly received: NodeJS.Signals | undefined;
  dispose(): void;
}

export function cancelOnSignals(onSignal: (name: NodeJS.Signals) => void = () => undefined): Cancellation {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (name: NodeJS.Signals) => {
    if (!received) {
      received = name;
      onSignal(name);
      controller.abort(new Error(`cancelled by ${name}`));
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** The conventional exit code for a process ended by a signal: 128 + its number. */
export function signalExitCode(name: NodeJS.Signals): number {
  return name === 'SIGINT' ? 130 : 143;
}
