// A PostgreSQL cluster a test owns (its own folder, port and postmaster), so it can kill and restart it: fault tests.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, chownSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import pg from 'pg'
import type { Test } from 'tap'
import { freePort } from './server-process.ts'

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
  if (isRoot) chownSync(dir, ...postgresIds())
  const data = join(dir, 'data')
  const as = (cmd: string, args: string[]) => (isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]]
  await run(...as(join(bin, 'initdb'), ['-D', data, '--no-sync', '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C']), { cwd: dir })
  const port = await freePort()
  // fsync on, as a real deployment: acknowledged commits must survive the kill (syncfs: crash recovery syncs in one call).
  appendFileSync(data + '/postgresql.conf', `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nfsync = on\nsynchronous_commit = on\nrecovery_init_sync_method = syncfs\nmax_connections = 50\n`)
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const logFd = openSync(join(dir, 'server.log'), 'a')

  let child: ChildProcess | undefined
  // The postmaster is our own child (not pg_ctl's orphan), so a killed one is reaped and never lingers as a zombie.
  const launch = () => {
    child = spawn(...as(join(bin, 'postgres'), ['-D', data]), { cwd: dir, stdio: ['ignore', logFd, logFd] })
    child.on('error', () => {})
  }
  const postmasterPid = () => {
    const pidFile = join(data, 'postmaster.pid')
    return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined
  }
  const accepting = async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 })
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
  const waitAccepting = async (deadline: number) => {
    while (Date.now() < deadline) {
      if (await accepting()) return
      // Orphaned backends of a killed postmaster hold its shared memory a moment; the new one refuses until they go.
      if (child?.exitCode !== null) launch()
      await sleep(50)
    }
    throw new Error(`PostgreSQL did not accept connections: ${readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000)}`)
  }
  const exited = (c: ChildProcess | undefined) => (!c || c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())))

  const own: OwnPostgres = {
    url,
    async kill() {
      const pid = postmasterPid()
      if (pid) process.kill(pid, 'SIGKILL')
      await exited(child)
    },
    async start() {
      launch()
      await waitAccepting(Date.now() + 30_000)
    },
    async stop() {
      const pid = postmasterPid()
      if (pid && child && child.exitCode === null) {
        process.kill(pid, 'SIGINT') // fast shutdown
        await Promise.race([exited(child), sleep(10_000)])
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL')
      }
    },
  }
  t.teardown(async () => {
    await own.stop().catch(() => {})
    if (process.env.KEEP_PG_LOG) process.stderr.write(readFileSync(join(dir, 'server.log'), 'utf8'))
    rmSync(dir, { recursive: true, force: true })
  })
  await own.start()
  return own
}

function postgresIds(): [number, number] {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))
  if (!line) throw new Error('no postgres user: create one (useradd --system postgres) or run as a non-root user')
  const [, , uid, gid] = line.split(':')
  return [Number(uid), Number(gid)]
}
