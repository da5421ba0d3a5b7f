import type { Logger } from '../../src/util/log.js';

/** A Logger that keeps what it was told, by kind. */
export class RecordingLogger implements Logger {
  readonly infos: string[] = [];
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  readonly groups: string[] = [];
  readonly steps: string[] = [];

  info(message: string): void {
    this.infos.push(message);
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
  error(message: string): void {
    this.errors.push(message);
  }
  hostStep(host: string, step: string, ok: boolean, _ms: number, detail?: string): void {
    this.steps.push(`${host} ${step} ${ok ? 'ok' : 'FAIL'}${detail ? ` ${detail}` : ''}`);
  }
  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.groups.push(title);
    return fn();
  }
}
