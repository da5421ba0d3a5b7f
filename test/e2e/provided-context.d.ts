import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the lab cannot run here; empty when it runs. Tests use describe.skipIf(inject('labSkip')). */
    labSkip: string;
  }
}
