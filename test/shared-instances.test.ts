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

async function twoInstances(t: Test, env: Record<string, string> = {}): Promise<[FastifyInstance, FastifyInstance]> {
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
  return [apps[0], apps[1]]
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
