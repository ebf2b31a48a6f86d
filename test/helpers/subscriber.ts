// A real GraphQL-over-WebSocket client (graphql-ws over ws) for subscription tests: messages are collected as they come.
import { setTimeout as sleep } from 'node:timers/promises'
import { createClient, type Client } from 'graphql-ws'
import WebSocket from 'ws'
import type { Test } from 'tap'

export type Message = { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] }
export type Subscription = {
  messages: Message[]
  /** The error or close event that ended the subscription, if one did. */
  ended?: unknown
  /** Waits for the nth message (1-based; default: one more than already taken). */
  next(timeoutMs?: number): Promise<Message>
  /**
   * The next message of this change type, skipping others: a change committed just before the subscription started may
   * still be on its way (it waits for older transactions to end), and may arrive first.
   */
  nextOfType(type: string, timeoutMs?: number): Promise<Message>
  /** Resolves once the subscription ended (an error or a close). */
  end(timeoutMs?: number): Promise<unknown>
  stop(): void
}

/** A client to the app at `base` (http://host:port), as `token`'s caller (none: the public); closed when the test ends. */
export function subscriber(t: Test, base: string, token?: string, params: Record<string, unknown> = {}): Client {
  const client = createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...params },
    retryAttempts: 0,
    lazy: true,
  })
  t.teardown(() => client.dispose())
  acknowledged.set(client, new Promise<void>((resolve) => client.on('connected', () => resolve())))
  return client
}

/** Resolves once the server has acknowledged the client's connection_init. */
const acknowledged = new WeakMap<Client, Promise<void>>()

/** Starts a subscription; resolves once the server has acknowledged it (give the subscribe a moment to register). */
export async function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Subscription> {
  const messages: Message[] = []
  let taken = 0
  const waiters: (() => void)[] = []
  const sub: Subscription = {
    messages,
    async next(timeoutMs = 5_000) {
      const want = ++taken
      const deadline = Date.now() + timeoutMs
      while (messages.length < want) {
        if (sub.ended !== undefined) throw new Error(`subscription ended: ${describe(sub.ended)}`)
        if (Date.now() > deadline) throw new Error(`no message ${want} within ${timeoutMs} ms (got ${messages.length})`)
        await new Promise<void>((r) => {
          waiters.push(r)
          setTimeout(r, 50)
        })
      }
      return messages[want - 1]!
    },
    async nextOfType(type, timeoutMs = 5_000) {
      for (const deadline = Date.now() + timeoutMs; ; ) {
        const message = await sub.next(Math.max(1, deadline - Date.now()))
        if (Object.values(message.data ?? {}).some((change) => (change as { type?: string } | null)?.type === type)) return message
      }
    },
    async end(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs
      while (sub.ended === undefined && Date.now() < deadline) await sleep(20)
      return sub.ended
    },
    stop: () => unsubscribe(),
  }
  const wake = () => waiters.splice(0).forEach((w) => w())
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (m) => void (messages.push(m as Message), wake()),
      error: (err) => void ((sub.ended = err ?? 'error'), wake()),
      complete: () => void ((sub.ended ??= 'complete'), wake()),
    },
  )
  // The server sends nothing when a subscription is set up: once the connection is acknowledged, a pause covers the
  // subscribe resolver (a parse, one read, a topic registered), with room for a busy machine.
  await Promise.race([acknowledged.get(client), sub.end(5_000)])
  if (sub.ended === undefined) await sleep(150)
  return sub
}

export function describe(err: unknown): string {
  if (Array.isArray(err)) return JSON.stringify(err)
  const close = err as { code?: number; reason?: string }
  if (close && typeof close.code === 'number') return `close ${close.code} ${close.reason ?? ''}`
  return String((err as Error)?.message ?? err)
}

/** The change types a subscription has received so far. */
export const typesOf = (sub: Subscription) => sub.messages.flatMap((m) => Object.values(m.data ?? {}).map((change) => (change as { type?: string }).type))

/** The codes of a subscription that ended in errors (graphql-ws hands the error list to the sink). */
export const codesOf = (ended: unknown) => (Array.isArray(ended) ? ended.map((e: { extensions?: { code?: string } }) => e.extensions?.code) : [])
