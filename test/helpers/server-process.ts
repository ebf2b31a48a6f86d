// The real API server as a child process (src/server.ts), for tests of what only a process shows: signals, crashes.
import { spawn, type ChildProcess } from 'node:child_process'
import { get } from 'node:http'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { audience, issuer, jwks, partnerSigningJwk } from './auth.ts'

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export type ServerProcess = {
  child: ChildProcess
  base: string
  /** Everything the process wrote (stdout and stderr), JSON log lines included. */
  output(): string
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>
  /** Whether it is still running. */
  running(): boolean
}

/** Starts the server on a free port with the test identity provider, and waits until /health/live answers. */
export async function startServer(t: Test, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort()
  // Node 22.18+ strips the types itself; an older Node runs the TypeScript through tsx.
  const child = spawn(process.execPath, [...(process.features.typescript ? [] : ['--import', 'tsx']), 'src/server.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      INSIGHTS_WARM: 'false',
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      AUTH_JWKS: JSON.stringify(jwks),
      TOKEN_SIGNING_JWK: JSON.stringify(partnerSigningJwk),
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  let running = true
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => ((running = false), resolve(code))))
  t.teardown(async () => {
    if (!running) return
    child.kill('SIGKILL')
    await exited
  })
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  for (;;) {
    if (!running) throw new Error(`the server exited before it was up:\n${output.slice(-3000)}`)
    if (Date.now() > deadline) throw new Error(`the server did not come up in 90 s:\n${output.slice(-3000)}`)
    const up = await live(port)
    if (up) break
    await sleep(100)
  }
  return { child, base, exited, output: () => output, running: () => running }
}

/** GET /health/live on a connection of its own that closes after the answer (no idle keep-alive socket is left behind). */
function live(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/health/live', agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200))
    })
    req.on('error', () => resolve(false))
  })
}
