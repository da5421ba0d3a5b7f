import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../../src/util/deadline.js';

describe('withDeadline (a hook, a release)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('stops once after the timeout, naming the setting', () => {
    const stops: string[] = [];
    const d = withDeadline({
      timeoutMs: 1500,
      setting: 'release.timeout',
      signal: new AbortController().signal,
      stop: (why) => stops.push(why),
    });
    vi.advanceTimersByTime(1499);
    expect(d.stopped).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(d.stopped).toBe('still running after 1.5s (release.timeout)');
    expect(stops).toEqual([d.stopped]);
    d.dispose();
  });

  it('stops when the run is cancelled; a timeout after that changes nothing', () => {
    const stops: string[] = [];
    const cancel = new AbortController();
    const d = withDeadline({
      timeoutMs: 1000,
      setting: 'hooks.timeout',
      signal: cancel.signal,
      stop: (w) => stops.push(w),
    });
    cancel.abort();
    vi.advanceTimersByTime(5000);
    expect(stops).toEqual(['cancelled']);
    d.dispose();
  });

  it('once disposed, neither the timer nor a cancel stops anything', () => {
    const stops: string[] = [];
    const cancel = new AbortController();
    const d = withDeadline({
      timeoutMs: 1000,
      setting: 'hooks.timeout',
      signal: cancel.signal,
      stop: (w) => stops.push(w),
    });
    d.dispose();
    cancel.abort();
    vi.advanceTimersByTime(5000);
    expect(stops).toEqual([]);
    expect(d.stopped).toBeUndefined();
  });
});
