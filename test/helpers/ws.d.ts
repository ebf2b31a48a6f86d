// The part of the ws package the tests use (ws ships no types, and @types/ws is not a dependency).
declare module 'ws' {
  export default class WebSocket {
    constructor(url: string, protocols?: string | string[])
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this
    on(event: string, listener: (...args: unknown[]) => void): this
    send(data: string): void
    close(code?: number, reason?: string): void
  }
}
