// A real webhook receiver on 127.0.0.1 for tests: records every request, answers what the test says.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { tokenFor } from './auth.ts'

export type Received = { headers: IncomingHttpHeaders; body: string; status: number; at: number }

export async function startReceiver(t: Test, { path = '/hook' }: { path?: string } = {}) {
  const received: Received[] = []
  let status = 200
  let connections = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const answer = status
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: answer, at: Date.now() })
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no')
    })
  })
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    received,
    /** Requests the receiver answered 2xx: deliveries that arrived. */
    delivered: () => received.filter((r) => r.status < 300),
    connections: () => connections,
    answer(code: number) {
      status = code
    },
  }
}

/** Polls until `check` holds or the time runs out (then returns false). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return check()
}

/** Settings for API processes that deliver to a local receiver quickly (loopback allowed, short polls and retries). */
export const webhookEnv = { WEBHOOKS_ALLOW_HTTP: 'true', WEBHOOKS_ALLOW_LOOPBACK: 'true', WEBHOOKS_POLL_MS: '200', WEBHOOKS_RETRY_BASE_S: '1', WEBHOOKS_RETRY_MAX_S: '60', WEBHOOKS_TIMEOUT_MS: '2000', DB_POOL_MAX: '5' }

/** Headers for a server process of its own: it runs on the wall clock, so its tokens are issued at that time. */
export const processHeadersFor = async (role: string) => ({ authorization: `Bearer ${await tokenFor({ role, expiresIn: '10m', now: new Date() })}`, 'content-type': 'application/json' })

/** An admin's subscription of `url` to `eventTypes` on the server at `base`. */
export async function subscribeReceiver(base: string, url: string, eventTypes: string[]) {
  const res = await fetch(`${base}/v1/webhook-subscriptions`, { method: 'POST', headers: await processHeadersFor('admin'), body: JSON.stringify({ url, eventTypes }) })
  if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id: string; secret: string }
}

/** The id each delivered message (of `type`, when given) is about, in order of first arrival, and the webhook-ids it came under. */
export function arrivals(received: Received[], type?: string) {
  const ids = new Map<string, Set<string>>()
  const order: string[] = []
  for (const r of received.filter((r) => r.status < 300)) {
    const body = JSON.parse(r.body) as { type: string; data: { id: string } }
    if (type !== undefined && body.type !== type) continue
    if (!ids.has(body.data.id)) order.push(body.data.id)
    ids.set(body.data.id, (ids.get(body.data.id) ?? new Set()).add(String(r.headers['webhook-id'])))
  }
  return { ids, order }
}
