// Operations: health probes, surviving a database outage, draining on SIGTERM, and logs without secrets.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { openDatabase } from '../src/db/client.ts'
import { build, testConfig } from './helpers/build.ts'
import { createTestDatabase, usingPostgres } from './helpers/database.ts'

const json = (res: { body: string }) => JSON.parse(res.body)

t.test('when the database answers, then /health/ready says so and /health/live always does', async (t) => {
  const { app, database } = await build(t)
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(json(ready), { status: 'ok', database: database.kind })
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
})

/** A TCP proxy in front of PostgreSQL that can be cut and restored, to stage an outage the driver really sees. */
async function startProxy(target: { host: string; port: number }, port = 0) {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => s.destroy())
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const bound = (server.address() as { port: number }).port
  return {
    port: bound,
    async cut() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
    },
  }
}

// The embedded database lives inside the process and cannot go away on its own; outages are a PostgreSQL matter.
if (usingPostgres()) {
  t.test('when PostgreSQL goes away and comes back, then requests get 503 with Retry-After meanwhile and the API recovers by itself', async (t) => {
    const testDb = await createTestDatabase()
    t.teardown(() => testDb.drop())
    const target = new URL(testDb.url!)
    let proxy = await startProxy({ host: target.hostname, port: Number(target.port) })
    const viaProxy = new URL(testDb.url!)
    viaProxy.host = `127.0.0.1:${proxy.port}`
    const database = await openDatabase({ kind: 'postgres', url: viaProxy.toString(), poolMax: 4, statementTimeoutMs: 5_000 }, pino({ level: 'silent' }))
    const app = await buildApp({ config: testConfig(), database })
    t.teardown(async () => {
      await app.close()
      await database.close()
      await proxy.cut()
    })

    t.equal((await app.inject({ method: 'GET', url: '/v1/events' })).statusCode, 200, 'before: fine')
    await proxy.cut()
    const during = await app.inject({ method: 'GET', url: '/v1/events' })
    t.equal(during.statusCode, 503, 'during: 503')
    t.equal(json(during).code, 'DATABASE_UNAVAILABLE')
    t.ok(Number(during.headers['retry-after']) > 0, 'with Retry-After')
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503, 'not ready')
    t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'still alive')

    proxy = await startProxy({ host: target.hostname, port: Number(target.port) }, Number(viaProxy.port))
    let after = 0
    for (let i = 0; i < 20 && after !== 200; i++) {
      after = (await app.inject({ method: 'GET', url: '/v1/events' })).statusCode
      if (after !== 200) await new Promise((r) => setTimeout(r, 250))
    }
    t.equal(after, 200, 'after: recovered without a restart')
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
  })
}

t.test('when the server gets SIGTERM mid-request, then it finishes that request, exits 0, and its logs hold no token', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cep-ops-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SEED_DEMO: 'false', LOG_LEVEL: 'info', DATABASE_URL: '' }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => void child.kill('SIGKILL'))

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60_000)
    const poll = setInterval(() => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/i.exec(output) ?? /on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (m) {
        clearInterval(poll)
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    }, 50)
  })

  const secret = 'eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJlLXNob3VsZC1uZXZlci1iZS1sb2dnZWQ'
  const body = JSON.stringify({ title: { en: 'Drain test' } })
  // Send the headers and half the body, then SIGTERM, then the rest: the request in flight must still be answered.
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => socket.on('connect', () => resolve()))
  let response = ''
  socket.on('data', (d) => (response += d))
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  socket.write(`POST /v1/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${secret}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`)
  await new Promise((r) => setTimeout(r, 200))
  child.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 300))
  socket.write(body.slice(10))
  await closed

  t.match(response, /^HTTP\/1\.1 401 /, 'the in-flight request got its answer (401: the token is not valid)')
  t.match(response, /application\/problem\+json/)
  t.equal(await exited, 0, 'the process exited cleanly')
  t.match(output, /"reqId":"[0-9a-f-]{36}"/, 'logs carry a request id')
  t.notMatch(output, secret, 'the bearer token never reaches the logs')
  t.notMatch(output, /c2lnbmF0dXJl/, 'not even part of it')
})
