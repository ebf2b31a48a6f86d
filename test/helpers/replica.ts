// A streaming replica of a PostgreSQL the test owns (pg_basebackup -R), on its own loopback port, stopped by its PID.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, chownSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import pg from 'pg'
import type { Test } from 'tap'
import pino from 'pino'
import { openDatabase, type Database } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrate.ts'
import { createFixtures } from './fixtures.ts'
import { startOwnPostgres, type OwnPostgres } from './own-postgres.ts'
import { killOnExit } from './reap.ts'

const run = promisify(execFile)
const isRoot = process.getuid?.() === 0

export type OwnReplica = { url: string; stop(): Promise<void> }

/** Copies the primary at `primaryUrl` with pg_basebackup -R (standby.signal and primary_conninfo) and starts it as a hot standby. */
export async function startReplica(t: Test, bin: string, primaryUrl: string): Promise<OwnReplica> {
  const dir = mkdtempSync(join('/tmp', 'cep-replica-'))
  const data = join(dir, 'data')
  let child: ChildProcess | undefined
  const postmasterPid = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined
  const ours = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(data)
    } catch {
      return false
    }
  }
  const running = () => Boolean(child && child.exitCode === null && child.signalCode === null)
  const stop = async () => {
    let pid: number | undefined
    try {
      pid = postmasterPid()
    } catch {
      return
    }
    if (!running() || !pid || !ours(pid)) return
    process.kill(pid, 'SIGINT')
    await Promise.race([new Promise((r) => child!.once('exit', r)), sleep(10_000)])
    if (running() && ours(pid)) process.kill(pid, 'SIGKILL')
  }
  const forget = killOnExit(() => {
    if (running()) child!.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  t.teardown(async () => {
    await stop().catch(() => {})
    forget()
    rmSync(dir, { recursive: true, force: true })
  })
  if (isRoot) {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))!
    chownSync(dir, Number(line.split(':')[2]), Number(line.split(':')[3]))
  }
  const as = (cmd: string, args: string[]) => (isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]]
  const primary = new URL(primaryUrl)
  await run(...as(join(bin, 'pg_basebackup'), ['-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync', '-h', primary.hostname, '-p', primary.port, '-U', 'postgres']), { cwd: dir })
  appendFileSync(join(data, 'postgresql.conf'), `\nunix_socket_directories = '${dir}'\nhot_standby = on\n`)
  const port = await freePort()
  const logFd = openSync(join(dir, 'server.log'), 'a')
  t.teardown(() => closeSync(logFd))
  child = spawn(...as(join(bin, 'postgres'), ['-D', data, '-p', String(port)]), { cwd: dir, stdio: ['ignore', logFd, logFd] })
  child.on('error', () => {})
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const deadline = Date.now() + 30_000
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 })
    client.on('error', () => {})
    try {
      await client.connect()
      const { rows } = await client.query<{ r: boolean }>('select pg_is_in_recovery() as r')
      if (rows[0]!.r) break
    } catch {
      if (Date.now() > deadline) throw new Error(`the replica did not start: ${readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000)}`)
    } finally {
      await client.end().catch(() => {})
    }
    await sleep(50)
  }
  return { url, stop }
}

/**
 * A migrated primary with the test fixtures, a streaming replica of it, and a client on the replica (to pause and resume
 * its replay), all stopped when the test ends.
 */
export async function primaryAndReplica(t: Test, bin: string): Promise<{ primary: OwnPostgres; setup: Database; replica: OwnReplica; onReplica: pg.Client }> {
  const primary = await startOwnPostgres(t, bin)
  const setup = await openDatabase({ kind: 'postgres', url: primary.url, poolMax: 2, statementTimeoutMs: 30_000 }, pino({ level: 'silent' }))
  t.teardown(() => setup.close().catch(() => {}))
  await migrate(setup)
  await createFixtures(setup)
  const replica = await startReplica(t, bin, primary.url)
  const onReplica = new pg.Client({ connectionString: replica.url })
  onReplica.on('error', () => {})
  await onReplica.connect()
  t.teardown(() => onReplica.end().catch(() => {}))
  return { primary, setup, replica, onReplica }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
