// A real webhook receiver on 127.0.0.1 for tests: records every request, answers what the test says.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'

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
