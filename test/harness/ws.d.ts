// The part of the `ws` client API the harness uses (ws ships no types; @types/ws is not a
// dependency of this project).
declare module 'ws' {
  import type { IncomingMessage } from 'node:http';

  export default class WebSocket {
    constructor(address: string, options?: { handshakeTimeout?: number });
    send(data: string): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    on(event: 'open', listener: () => void): this;
    on(event: 'upgrade', listener: (response: IncomingMessage) => void): this;
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    on(event: 'error', listener: (error: Error & { code?: string }) => void): this;
  }
}
