// The real API server as a child process (src/server.ts), for tests of what only a process shows: signals, crashes.
import { spawn, type ChildProcess } from 'node:child_process'
import { get } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { audience, issuer, jwks, partnerSigningJwk } from './auth.ts'
import { killOnExit } from './reap.ts'

/** The address in the server's startup line (src/server.ts), logged at info once it listens. */
const startupLine = /Community engagement API on (http:\/\/127\.0\.0\.1:\d+)/

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

/**
 * Starts the server on a port the system picks (PORT=0: no port is chosen, released and raced for) with the test
 * identity provider, reads the address from its startup line, and waits until /health/live answers.
 */
export async function startServer(t: Test, env: Record<string, string>): Promise<ServerProcess> {
  if (env.LOG_LEVEL && !['info', 'debug', 'trace'].includes(env.LOG_LEVEL)) throw new Error('startServer reads the port from an info line: LOG_LEVEL must be info or lower')
  // Node 22.18+ strips the types itself; an older Node runs the TypeScript through tsx.
  const child = spawn(process.execPath, [...(process.features.typescript ? [] : ['--import', 'tsx']), 'src/server.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
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
  const forget = killOnExit(() => running && child.kill('SIGKILL'))
  void exited.then(forget)
  t.teardown(async () => {
    if (!running) return
    child.kill('SIGKILL')
    await exited
  })
  const deadline = Date.now() + 90_000
  let base: string | undefined
  for (;;) {
    if (!running) throw new Error(`the server exited before it was up:\n${output.slice(-3000)}`)
    if (Date.now() > deadline) throw new Error(`the server did not come up in 90 s:\n${output.slice(-3000)}`)
    base ??= startupLine.exec(output)?.[1]
    if (base && (await live(base))) break
    await sleep(100)
  }
  return { child, base, exited, output: () => output, running: () => running }
}

/** GET /health/live on a connection of its own that closes after the answer (no idle keep-alive socket is left behind). */
function live(base: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${base}/health/live`, { agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200))
    })
    req.on('error', () => resolve(false))
  })
}
