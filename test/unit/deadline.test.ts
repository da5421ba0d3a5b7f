import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../../src/util/deadline.js';

/** A deadline over a fresh cancel signal, recording each stop's reason. */
function started(timeoutMs: number, setting = 'hooks.timeout') {
  const stops: string[] = [];
  const cancel = new AbortController();
  const deadline = withDeadline({
    timeoutMs,
    setting,
    signal: cancel.signal,
    stop: (why) => stops.push(why),
  });
  return { stops, cancel, deadline };
}

describe('withDeadline (a hook, a release)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('stops once after the timeout, naming the setting', () => {
    const { stops, deadline } = started(1500, 'release.timeout');
    vi.advanceTimersByTime(1499);
    expect(deadline.stopped).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(deadline.stopped).toBe('still running after 1.5s (release.timeout)');
    expect(stops).toEqual([deadline.stopped]);
    deadline.dispose();
  });

  it('stops when the run is cancelled; a timeout after that changes nothing', () => {
    const { stops, cancel, deadline } = started(1000);
    cancel.abort();
    vi.advanceTimersByTime(5000);
    expect(stops).toEqual(['cancelled']);
    deadline.dispose();
  });

  it('once disposed, neither the timer nor a cancel stops anything', () => {
    const { stops, cancel, deadline } = started(1000);
    deadline.dispose();
    cancel.abort();
    vi.advanceTimersByTime(5000);
    expect(stops).toEqual([]);
    expect(deadline.stopped).toBeUndefined();
  });
});
