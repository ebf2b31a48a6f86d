// A PostgreSQL cluster a test owns (its own folder, port and postmaster), so it can kill and restart it: fault tests.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import pg from 'pg'
import type { Test } from 'tap'
import { killOnExit } from './reap.ts'

const run = promisify(execFile)
const isRoot = process.getuid?.() === 0

/** The newest PostgreSQL server binaries in Debian's layout, if installed. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
  return versions.map((v) => join(root, v, 'bin')).find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres')))
}

/**
 * Why fault tests do not run here, or false. They start a PostgreSQL of their own, so they run once, in the PostgreSQL
 * suite (DATABASE_URL set, as `npm run test:pg` and CI do), not again beside PGlite. Never skipped in CI for want of
 * binaries: .ci/run installs them, so absence fails there.
 */
export function withoutPostgres(): string | false {
  if (!process.env.DATABASE_URL) return 'fault tests with a PostgreSQL of their own run in the PostgreSQL suite (npm run test:pg)'
  if (postgresBinDir() || process.env.CI) return false
  return 'PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (apt-get install postgresql): fault test skipped'
}

/** The binaries folder, or a failed test when they are missing. */
export function requirePostgresBinaries(t: Test): string | undefined {
  const bin = postgresBinDir()
  if (!bin) t.fail('PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing; CI must install them')
  return bin
}

export type OwnPostgres = {
  url: string
  /** SIGKILLs the postmaster (no shutdown, as a crash or an OOM kill would). */
  kill(): Promise<void>
  /** Starts the server again on the same port and resolves once it accepts connections (crash recovery included). */
  start(): Promise<void>
  stop(): Promise<void>
}

/** initdb, then a postmaster with fsync on; as root, server tools run as the postgres user on a folder it owns. */
export async function startOwnPostgres(t: Test, bin: string): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(isRoot ? '/tmp' : tmpdir(), 'cep-own-pg-'))
  const data = join(dir, 'data')
  const logFile = join(dir, 'server.log')
  let child: ChildProcess | undefined
  const postmasterPid = () => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined
    } catch {
      return undefined
    }
  }
  // A PID from postmaster.pid is signalled only while its command line names our data folder: never a recycled PID.
  const ours = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(data)
    } catch {
      return false
    }
  }
  const running = (c: ChildProcess | undefined): c is ChildProcess => Boolean(c && c.exitCode === null && c.signalCode === null)
  const exited = (c: ChildProcess | undefined) => (!running(c) ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())))
  const stop = async () => {
    const pid = postmasterPid()
    if (!running(child) || !pid || !ours(pid)) return
    process.kill(pid, 'SIGINT') // fast shutdown
    await Promise.race([exited(child), sleep(10_000)])
    if (running(child) && ours(pid)) process.kill(pid, 'SIGKILL')
  }
  // If the test process ends without its teardown (tap's timeout, SIGTERM), no postmaster outlives it.
  const forget = killOnExit(() => {
    const pid = postmasterPid()
    if (pid && ours(pid)) process.kill(pid, 'SIGKILL')
    if (running(child)) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  // Registered before initdb, so a failed initdb or start still removes the folder.
  t.teardown(async () => {
    await stop().catch(() => {})
    forget()
    if (process.env.KEEP_PG_LOG && existsSync(logFile)) process.stderr.write(readFileSync(logFile, 'utf8'))
    rmSync(dir, { recursive: true, force: true })
  })

  if (isRoot) chownSync(dir, ...postgresIds())
  const as = (cmd: string, args: string[]) => (isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]]
  await run(...as(join(bin, 'initdb'), ['-D', data, '--no-sync', '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C']), { cwd: dir })
  // fsync on, as a real deployment: acknowledged commits must survive the kill (syncfs: crash recovery syncs in one call).
  appendFileSync(data + '/postgresql.conf', `\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nfsync = on\nsynchronous_commit = on\nrecovery_init_sync_method = syncfs\nmax_connections = 50\n`)
  const logFd = openSync(logFile, 'a')
  t.teardown(() => closeSync(logFd))

  let port = 0
  let logFrom = 0
  const url = () => `postgres://postgres@127.0.0.1:${port}/postgres`
  // The postmaster is our own child (not pg_ctl's orphan), so a killed one is reaped and never lingers as a zombie.
  const launch = () => {
    logFrom = statSync(logFile).size
    child = spawn(...as(join(bin, 'postgres'), ['-D', data, '-p', String(port)]), { cwd: dir, stdio: ['ignore', logFd, logFd] })
    child.on('error', () => {})
  }
  const bindFailed = () => /could not bind|could not create any TCP\/IP sockets/i.test(readFileSync(logFile, 'utf8').slice(logFrom))
  const accepting = async () => {
    const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 1_000 })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.query('select 1')
      return true
    } catch {
      return false
    } finally {
      await client.end().catch(() => {})
    }
  }
  /** Resolves once it accepts connections; false when the first start found its port taken. */
  const waitAccepting = async (deadline: number, first: boolean) => {
    while (Date.now() < deadline) {
      if (await accepting()) return true
      if (child?.exitCode !== null) {
        if (first && bindFailed()) return false
        // Orphaned backends of a killed postmaster hold its shared memory a moment; the new one refuses until they go.
        launch()
      }
      await sleep(50)
    }
    throw new Error(`PostgreSQL did not accept connections: ${readFileSync(logFile, 'utf8').slice(-2000)}`)
  }

  // The port is picked, released, then bound by PostgreSQL: another process may take it between, so try a new one.
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    launch()
    if (await waitAccepting(Date.now() + 30_000, true)) break
    if (attempt === 3) throw new Error(`PostgreSQL could not bind a port in 3 tries: ${readFileSync(logFile, 'utf8').slice(-2000)}`)
  }

  return {
    url: url(),
    async kill() {
      const pid = postmasterPid()
      if (pid && ours(pid)) process.kill(pid, 'SIGKILL')
      await exited(child)
    },
    async start() {
      launch()
      await waitAccepting(Date.now() + 30_000, false)
    },
    stop,
  }
}

/** A loopback port nobody listens on right now (it can be taken before it is bound: callers retry). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function postgresIds(): [number, number] {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))
  if (!line) throw new Error('no postgres user: create one (useradd --system postgres) or run as a non-root user')
  const [, , uid, gid] = line.split(':')
  return [Number(uid), Number(gid)]
}
