// Two API instances on one database (PGlite: two apps on one database; PostgreSQL: two apps, each with its own pool):
// limits count across them, and a change made through one is what the next read through the other answers.
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { openDatabase, type Database } from '../src/db/client.ts'
import { bearer } from './helpers/auth.ts'
import { testConfig } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'
import { fileDatabase, usingPostgres } from './helpers/database.ts'
import { createFixtures, eventBody } from './helpers/fixtures.ts'

/** What a request arriving over the network takes at least: one turn of the event loop (signals already sent are read). */
const nextHop = () => sleep(1)

/** Two apps on one database, and each one's database (the same one on PGlite). */
async function twoInstances(t: Test, env: Record<string, string> = {}): Promise<[FastifyInstance, FastifyInstance, Database, Database]> {
  const database = await fileDatabase()
  await database.reset()
  await createFixtures(database)
  // On PostgreSQL the second instance has pools and a listen connection of its own, as another process would.
  const second: Database = usingPostgres() ? await openDatabase({ kind: 'postgres', url: database.url!, poolMax: 5, statementTimeoutMs: 30_000 }, pino({ level: 'silent' })) : database
  if (second !== database) t.teardown(() => second.close())
  const config = testConfig(env)
  const apps = [await buildApp({ config, database, clock: testClock }), await buildApp({ config, database: second, clock: testClock })] as const
  for (const app of apps) {
    await app.ready()
    t.teardown(() => app.close())
  }
  return [apps[0], apps[1], database, second]
}

t.test('when an address sends requests through two instances in turn, then it gets 429 at the shared limit, not twice it, and each slice costs one statement', async (t) => {
  const [a, b] = await twoInstances(t, { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '12' })
  let address = '10.9.0.1'
  const statuses: number[] = []
  for (let i = 0; i < 16; i++) statuses.push((await (i % 2 === 0 ? a : b).inject({ method: 'GET', url: '/v1/agencies', remoteAddress: address })).statusCode)
  t.same(statuses, [...Array(12).fill(200), 429, 429, 429, 429], '12 answered across both instances, then 429 from either')
  const refused = await b.inject({ method: 'GET', url: '/v1/agencies', remoteAddress: address })
  t.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal((refused.json() as { code: string }).code, 'RATE_LIMITED')
  t.ok(Number(refused.headers['retry-after']) > 0)
  address = '10.9.0.2'
  t.equal((await a.inject({ method: 'GET', url: '/v1/agencies', remoteAddress: address })).statusCode, 200, 'another address has its own allowance')

  // A signed-in caller with a large allowance: one statement per slice (a sixteenth of what is left), not per request.
  const [before] = [a.rateLimitStats.takes + b.rateLimitStats.takes]
  const staff = await bearer({ role: 'staff' })
  for (let i = 0; i < 100; i++) t.equal((await (i % 2 === 0 ? a : b).inject({ method: 'GET', url: '/v1/agencies', headers: staff })).statusCode, 200)
  const takes = a.rateLimitStats.takes + b.rateLimitStats.takes - before!
  t.ok(takes <= 4, `100 requests through two instances took ${takes} slices (statements)`)
})

t.test('when an agency changes through one instance, then the next read through the other answers the change (its cache and read plans follow)', async (t) => {
  const [a, b] = await twoInstances(t)
  const admin = await bearer({ role: 'admin' })
  const before = await b.inject({ method: 'GET', url: '/v1/agencies/metro' })
  t.equal((before.json() as { name: string }).name, 'Metro Police Department', 'B has the agency cached')
  const changed = await a.inject({ method: 'PATCH', url: '/v1/agencies/metro', headers: { ...admin, 'if-match': before.headers.etag as string }, payload: { name: 'Metro Police (renamed)', timeZone: 'America/Denver' } })
  t.equal(changed.statusCode, 200)
  await nextHop()
  const after = await b.inject({ method: 'GET', url: '/v1/agencies/metro' })
  t.same([(after.json() as { name: string }).name, (after.json() as { timeZone: string }).timeZone], ['Metro Police (renamed)', 'America/Denver'], 'B answers the change at once')

  // A list B planned for an agency that did not exist yet (an empty page) finds the agency once A creates it.
  const planned = await b.inject({ method: 'GET', url: '/v1/events?agency=riverside' })
  t.same((planned.json() as { data: unknown[] }).data, [], 'no agency riverside yet')
  const operator = await bearer({ role: 'operator', agency: '' })
  const created = await a.inject({ method: 'POST', url: '/v1/agencies', headers: operator, payload: { slug: 'riverside', name: 'Riverside Police', jurisdiction: 'Riverside', timeZone: 'America/Chicago', defaultLanguage: 'en', supportedLanguages: ['en'] } })
  t.equal(created.statusCode, 201)
  const event = await a.inject({ method: 'POST', url: '/v1/events', headers: await bearer({ role: 'staff', agency: 'riverside' }), payload: eventBody({ title: { en: 'Riverside town hall' } }) })
  t.equal(event.statusCode, 201)
  await nextHop()
  const listed = await b.inject({ method: 'GET', url: '/v1/events?agency=riverside' })
  t.same((listed.json() as { data: { title: string }[] }).data.map((e) => e.title), ['Riverside town hall'], 'B lists the new agency’s event')
})

t.test('when a caller sends a bad agency filter or a bad token to either instance, then it gets a problem, never a 500', async (t) => {
  const [a, b] = await twoInstances(t)
  const bad = await b.inject({ method: 'GET', url: '/v1/agencies/NOT%20A%20SLUG' })
  t.equal(bad.statusCode, 404)
  t.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8')
  const token = await a.inject({ method: 'GET', url: '/v1/agencies', headers: { authorization: 'Bearer nope' } })
  t.equal(token.statusCode, 401)
})

t.test('when an event changes through one instance, then the next read of it through the other answers the change, though the other keeps the public’s view of it', async (t) => {
  const [a, b, , second] = await twoInstances(t)
  const staff = await bearer({ role: 'staff' })
  const created = await a.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { en: 'Version 1' } }) })
  t.equal(created.statusCode, 201)
  const id = (created.json() as { id: string }).id
  const read = async (headers: Record<string, string> = {}) => {
    const res = await b.inject({ method: 'GET', url: `/v1/events/${id}`, headers })
    return { title: (res.json() as { title: string }).title, etag: res.headers.etag, body: res.body }
  }
  const first = await read()
  const statements = second.statements.count
  const kept = await read()
  t.equal(second.statements.count, statements, 'read again, B answers from memory: no statement')
  t.equal(kept.body, first.body, 'with the same bytes')
  await read({ 'cache-control': 'no-cache' })
  t.equal(second.statements.count, statements + 1, 'Cache-Control: no-cache reads the database')

  // No pause between A's answer and B's read: B waits until it has heard every change committed before the read.
  let etag = created.headers.etag as string
  const seen: string[] = []
  for (let i = 2; i <= 12; i++) {
    const changed = await a.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...staff, 'if-match': etag }, payload: { title: { en: `Version ${i}` } } })
    etag = changed.headers.etag as string
    const [now, again] = [await read(), await read()]
    seen.push(`${now.title} ${now.etag}`, `${again.title} ${again.etag}`)
  }
  t.same(seen, Array.from({ length: 11 }, (_, i) => [`Version ${i + 2} "${i + 2}"`, `Version ${i + 2} "${i + 2}"`]).flat(), 'every read after a change answers it, the first and the kept one alike')

  // Signed-in callers never get the public's kept view: staff read the database.
  const before = second.statements.count
  await b.inject({ method: 'GET', url: `/v1/events/${id}`, headers: staff })
  t.ok(second.statements.count > before, 'a signed-in read runs its statement')
})

t.test('when reads through one instance run while the other changes the event, then no read answers a version older than a change acknowledged before it began', async (t) => {
  const [a, b] = await twoInstances(t, { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000' })
  const staff = await bearer({ role: 'staff' })
  const created = await a.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })
  const id = (created.json() as { id: string }).id
  let acknowledged = 1
  let writing = true
  const older: string[] = []
  // Readers race the writer: a read that misses, and whose statement ran before a change, must not keep what it read.
  const readers = Array.from({ length: 4 }, async () => {
    while (writing) {
      // inject answers a kept view within one turn of the event loop: give the writer its turns, as a socket would.
      await new Promise((resolve) => setImmediate(resolve))
      const floor = acknowledged
      const res = await b.inject({ method: 'GET', url: `/v1/events/${id}` })
      const version = Number(JSON.parse(String(res.headers.etag)))
      if (res.statusCode !== 200 || !(version >= floor)) older.push(`read ${res.statusCode} ${res.headers.etag} after "${floor}" was acknowledged`)
    }
  })
  for (let i = 0; i < 25; i++) {
    const changed = await a.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...staff, 'if-match': `"${acknowledged}"` }, payload: { capacity: 40 + i } })
    t.equal(changed.statusCode, 200)
    acknowledged = Number(JSON.parse(changed.headers.etag as string))
  }
  writing = false
  await Promise.all(readers)
  t.same(older, [], 'every read answered the last acknowledged version or a newer one')
  const last = await b.inject({ method: 'GET', url: `/v1/events/${id}` })
  t.equal(last.headers.etag, `"${acknowledged}"`, 'and the last read answers the last change')
})

t.test('when the other instance’s listen connection is cut, then its reads go to the database until it listens again, and still answer every change', { skip: usingPostgres() ? false : 'PostgreSQL only: PGlite has no listen connection to cut' }, async (t) => {
  const [a, b, database] = await twoInstances(t)
  const staff = await bearer({ role: 'staff' })
  const created = await a.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { en: 'Before the cut' } }) })
  const id = (created.json() as { id: string }).id
  const title = async () => (((await b.inject({ method: 'GET', url: `/v1/events/${id}` })).json()) as { title: string }).title
  t.same([await title(), await title()], ['Before the cut', 'Before the cut'], 'B keeps the view')
  await database.raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'community-engagement-api (listen)'`)
  const changed = await a.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...staff, 'if-match': created.headers.etag as string }, payload: { title: { en: 'After the cut' } } })
  t.equal(changed.statusCode, 200)
  t.same([await title(), await title()], ['After the cut', 'After the cut'], 'B answers the change made while it could not hear')
  await sleep(500)
  t.equal(await title(), 'After the cut', 'and once it listens again')
})
