// Starting the processes under test, each its own PID (so /proc gives its CPU and RSS), pinned to core 0 when possible.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

export const hasTaskset = spawnSync('taskset', ['--version']).status === 0
export const serverCore = '0'

export type Server = { name: string; pid: number; base: string; child: ChildProcess; stop: () => Promise<void>; log: () => string }

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

/** Spawns `cmd args` (under `taskset -c 0` when available: taskset execs, so the PID is the server's own). */
export async function startServer(opts: {
  name: string
  cmd: string
  args: string[]
  env: NodeJS.ProcessEnv
  cwd: string
  /** a fixed port, waited for with GET readyPath; or undefined: the process prints "listening PORT" */
  port?: number
  readyPath?: string
  timeoutMs?: number
}): Promise<Server> {
  const [cmd, args] = hasTaskset ? ['taskset', ['-c', serverCore, opts.cmd, ...opts.args]] : [opts.cmd, opts.args]
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
  let port = opts.port
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${opts.name} exited (${child.exitCode}) while starting:\n${out.slice(-3000)}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${opts.name} did not start in time:\n${out.slice(-3000)}`)
    }
    if (port === undefined) {
      const m = /listening (\d+)/.exec(out)
      if (m) port = Number(m[1])
    } else if (opts.readyPath) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}${opts.readyPath}`)
        if (r.ok) break
      } catch {
        /* not yet */
      }
    } else break
    await new Promise((r) => setTimeout(r, 150))
  }
  const stop = async () => {
    if (child.exitCode !== null) return
    child.kill('SIGTERM')
    for (let i = 0; i < 50 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100))
    if (child.exitCode === null) child.kill('SIGKILL')
  }
  return { name: opts.name, pid: child.pid!, base: `http://127.0.0.1:${port}`, child, stop, log: () => out }
}
