// The typed client is generated from openapi.yaml and current; the example client built on it works against a real socket.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { seedDemo } from '../src/seed/demo.ts'
import { build } from './helpers/build.ts'

const run = promisify(execFile)
const root = new URL('..', import.meta.url).pathname
const bin = (name: string) => join(root, 'node_modules', '.bin', name)

t.test('when the client is generated again from openapi.yaml, then it is the committed file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cep-client-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'openapi-types.ts')
  await run(bin('openapi-typescript'), ['openapi.yaml', '--output', out], { cwd: root })
  t.equal(readFileSync(join(root, 'clients/typescript/openapi-types.ts'), 'utf8'), readFileSync(out, 'utf8'), 'up to date (run npm run client:generate after changing openapi.yaml)')
})

t.test('when the example asks for Somali meetings with step-free access near a point, then it lists what the API lists', async (t) => {
  // The example is a process of its own that reads the wall clock, so app and demo run at the wall clock's time here.
  const wallClock = new Date()
  const { app, database } = await build(t, { now: wallClock })
  await seedDemo(database, { now: wallClock })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const api = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const example = (args: string[]) => run(bin('tsx'), ['examples/upcoming-meetings/upcoming.ts', '--api', api, ...args], { cwd: root }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )

  const near = '40.8212,-91.1183' // Riverton City Hall
  const { code, stdout, stderr } = await example(['--language', 'so', '--near', near, '--within-km', '5', '--accommodation', 'step_free_access', '--days', '120', '--limit', '3'])
  t.equal(code, 0, stderr)
  t.match(stdout, /^\d+ upcoming meetings? in Somali within 5 km of 40\.8212, -91\.1183 \(or online\) with step free access\.\n/)
  const ids = [...stdout.matchAll(/\/v1\/events\/([0-9a-f-]{36})\.ics/g)].map((m) => m[1]!)
  t.ok(ids.length >= 1 && ids.length <= 3, `between one and three meetings (${ids.length})`)
  for (const block of stdout.split('\n\n').slice(1).filter((b) => b.trim())) {
    t.match(block, /\n {3}(Spoken|Interpretation): .*Somali/, 'each is held in or interpreted into Somali')
    t.match(block, /\n {3}Access: .*step free access/, 'each has step-free access')
    t.match(block, /\n {3}When: /)
  }
  const from = wallClock.toISOString()
  const listed = await fetch(`${api}/v1/events?language=so&accommodation=step_free_access&status=scheduled,postponed&limit=100&from=${encodeURIComponent(from)}`).then((r) => r.json() as Promise<{ data: { id: string }[] }>)
  const listedIds = listed.data.map((e) => e.id)
  t.ok(ids.every((id) => listedIds.includes(id)), 'every meeting shown is one the API lists for those filters')
  t.same(ids, listedIds.filter((id: string) => ids.includes(id)), 'in the API order (soonest first)')

  // Spanish: labels in Spanish, and a cancelled meeting is not upcoming.
  const cancelled = await fetch(`${api}/v1/events?status=cancelled&limit=100&from=${encodeURIComponent(from)}`).then((r) => r.json() as Promise<{ data: { id: string }[] }>)
  t.ok(cancelled.data.length > 0, 'the demo has a cancelled meeting ahead')
  const es = await example(['--language', 'es', '--days', '120', '--limit', '100'])
  t.equal(es.code, 0, es.stderr)
  t.match(es.stdout, /^\d+ reuniones próximas en español\.\n/, 'the heading in Spanish')
  const esBlocks = es.stdout.split('\n\n').slice(1).filter((b) => b.trim())
  t.ok(esBlocks.length > 0)
  for (const block of esBlocks) {
    t.match(block, /\n {3}Cuándo: /, 'labels in Spanish')
    t.notMatch(block, /\n {3}(When|How|Spoken): /, 'no English labels')
    t.notMatch(block, /CANCELADA|CANCELLED/, 'no cancelled meeting')
  }
  const esIds = [...es.stdout.matchAll(/\/v1\/events\/([0-9a-f-]{36})\.ics\?lang=es/g)].map((m) => m[1]!)
  t.equal(esIds.length, esBlocks.length, 'each calendar link carries lang=es')
  t.ok(esIds.every((id) => !cancelled.data.some((c) => c.id === id)), 'none of the meetings shown is cancelled')

  const refused = await example(['--language', 'not a language'])
  t.equal(refused.code, 1, 'an API problem ends with exit code 1')
  t.match(refused.stderr, /VALIDATION_FAILED/, 'and says what the API said')
  const usage = await example(['--near', 'north'])
  t.equal(usage.code, 2, 'bad arguments end with exit code 2')
  t.match(usage.stderr, /--near latitude must be a number/)
  t.match(usage.stderr, /Usage: upcoming/)
})
