// The insights' build process: a child of this server that builds periods (insight-builder.ts) over connections of its
// own, started when a build is asked for and ended once idle. A large agency's build allocates hundreds of megabytes;
// V8 keeps a heap's freed pages pooled rather than give them back, so in the serving process they would stay.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AppError } from '../../errors.ts'
import type { Limits } from './insight-tables.ts'
import type { BuildRequest, BuildResult, InsightBuilder } from './insight-builder.ts'

/** What the server sends its build process, and what comes back (JSON over the IPC channel). */
export type ToBuilder = { kind: 'open'; connection: { url: string; statementTimeoutMs: number }; settings: Limits } | { kind: 'build'; id: number; request: BuildRequest }
export type FromBuilder = { kind: 'ready' } | { kind: 'built'; id: number; result: BuildResult } | { kind: 'failed'; id: number; message: string }

/** How long the build process waits for more work before it ends (rebuilds after new feedback come in bursts). */
const IDLE_MS = 5_000
/** How long a build process asked to end may take before it is killed (a build in flight rolls back either way). */
const EXIT_MS = 5_000

/** The build process's niceness: a background build yields the CPU to answers (each of its threads, started under nice). */
export const BUILD_NICENESS = 10

// The entry beside this file, as this file is run: TypeScript from src/, JavaScript from the compiled dist/.
const entry = fileURLToPath(new URL(`./build-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url))
const nice = ['/usr/bin/nice', '/bin/nice'].find((path) => existsSync(path))
/** The server's flags the build process must not take: a second inspector on the same port, or one waiting for a debugger. */
const DEBUGGING = /^--(inspect|debug)/

type Running = { child: ChildProcess; ready: Promise<void>; pending: Map<number, { resolve: (r: BuildResult) => void; reject: (e: Error) => void }> }

export function createBuildProcess({ connection, settings, idleMs = IDLE_MS }: { connection: { url: string; statementTimeoutMs: number }; settings: Limits; idleMs?: number }): InsightBuilder {
  let running: Running | undefined
  let idle: NodeJS.Timeout | undefined
  let nextId = 0

  function start(): Running {
    // stdout unused (it is the server's log, or a test's TAP stream); the builder's own log and a crash go to stderr.
    // As fork() runs it (this Node, its flags, an IPC channel), under nice where there is one.
    const command = [process.execPath, ...process.execArgv.filter((flag) => !DEBUGGING.test(flag)), entry]
    const child = spawn(nice ?? command[0]!, nice ? ['-n', String(BUILD_NICENESS), ...command] : command.slice(1), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    const pending: Running['pending'] = new Map()
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: FromBuilder) => {
        if (m.kind === 'ready') {
          send(child, { kind: 'open', connection, settings })
          resolve()
        } else {
          const waiting = pending.get(m.id)
          pending.delete(m.id)
          if (m.kind === 'built') waiting?.resolve(m.result)
          else waiting?.reject(new Error(m.message))
        }
      })
      child.once('exit', reject)
    })
    // Unhandled when nothing waits on it (a process that ended before its first build was asked for).
    ready.catch(() => {})
    const self: Running = { child, ready, pending }
    const lost = (why: string) => {
      if (running === self) running = undefined
      for (const p of pending.values()) p.reject(new AppError('SERVICE_UNAVAILABLE', `the insights' build process ${why} before the build finished; retry shortly`, { retryAfterSeconds: 5 }))
      pending.clear()
    }
    child.on('exit', (code, signal) => lost(signal ? `was ended by ${signal}` : `exited with code ${code}`))
    child.on('error', () => lost('could not be run'))
    return self
  }

  function end(self: Running): Promise<void> {
    if (running === self) running = undefined
    if (self.child.exitCode !== null || self.child.signalCode !== null) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const kill = setTimeout(() => self.child.kill('SIGKILL'), EXIT_MS)
      self.child.once('exit', () => {
        clearTimeout(kill)
        resolve()
      })
      // Disconnecting is the signal to end: the process closes its connections and exits.
      if (self.child.connected) self.child.disconnect()
      else self.child.kill('SIGTERM')
    })
  }

  return {
    async build(request) {
      clearTimeout(idle)
      const self = (running ??= start())
      const id = ++nextId
      try {
        return await new Promise<BuildResult>((resolve, reject) => {
          self.pending.set(id, { resolve, reject })
          self.ready.then(() => send(self.child, { kind: 'build', id, request }), () => {})
        })
      } finally {
        // Builds ending in one tick each reach here: one timer at a time, and it ends only a process with nothing to do.
        clearTimeout(idle)
        if (running === self && self.pending.size === 0) idle = setTimeout(() => running === self && self.pending.size === 0 && void end(self), idleMs).unref()
      }
    },
    async close() {
      clearTimeout(idle)
      if (running) await end(running)
    },
    pid: () => running?.child.pid,
  }
}

/** Sends unless the channel is gone: then the process's exit rejects what waits on it. */
function send(child: ChildProcess, message: ToBuilder) {
  if (child.connected) child.send(message, () => {})
}
