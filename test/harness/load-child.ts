import { startLoad, type LoadOptions, type RunningLoad } from './load.js';

// The load generator in a process of its own (see load-process.ts): it only sends and times
// requests, so nothing the test process does (spawnSync, a busy event loop) delays a request
// or its measured latency. Driven over IPC: start, mark, snapshot, stop.

type Message =
  | { id: number; type: 'start'; options: LoadOptions }
  | { id: number; type: 'mark'; name: string }
  | { id: number; type: 'snapshot' }
  | { id: number; type: 'stop' };

let load: RunningLoad | undefined;
const reply = (id: number, value?: unknown, error?: string) => process.send!({ id, value, error });

process.on('message', (m: Message) => {
  try {
    if (m.type === 'start') {
      load = startLoad(m.options);
      reply(m.id);
    } else if (m.type === 'mark') {
      load!.mark(m.name);
      reply(m.id);
    } else if (m.type === 'snapshot') reply(m.id, load!.snapshot());
    else
      void load!.stop().then(
        (r) => reply(m.id, r),
        (e: Error) => reply(m.id, undefined, e.message),
      );
  } catch (e) {
    reply(m.id, undefined, (e as Error).message);
  }
});
process.on('disconnect', () => process.exit(0));
