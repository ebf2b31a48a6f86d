// The second guard: reads of personal data run as engagement_agency_scope, for which row-level security shows one
// agency's rows whatever the query asks, so a repository bug that forgot the agency could still not cross agencies.
import { sql } from 'drizzle-orm'
import t from 'tap'
import { inAgencyScope } from '../src/db/agency-scope.ts'
import { attendances, participantDemographics, participants } from '../src/db/schema/index.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

t.test('when personal data is read in an agency scope, then rows of another agency are invisible even to a query that does not filter', async (t) => {
  const { app, database, fixtures } = await build(t)
  const { db } = database
  const people = await db
    .insert(participants)
    .values([
      { agencyId: fixtures.metro.id, displayName: 'Metro resident' },
      { agencyId: fixtures.lakeside.id, displayName: 'Lakeside resident' },
    ])
    .returning()
  await db.insert(participantDemographics).values(people.map((p) => ({ participantId: p.id, agencyId: p.agencyId, ageBand: 'age_25_34' as const })))
  const metroEvent = (await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer(), payload: eventBody() })).json()
  const lakeEvent = (await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer({ agency: 'lakeside' }), payload: eventBody() })).json()
  await db.insert(attendances).values([
    { agencyId: fixtures.metro.id, eventId: metroEvent.id, participantId: people[0]!.id, status: 'registered' },
    { agencyId: fixtures.lakeside.id, eventId: lakeEvent.id, participantId: people[1]!.id, status: 'registered' },
  ])

  const unfiltered = async (tx: Parameters<Parameters<typeof inAgencyScope>[2]>[0]) => ({
    role: ((await tx.execute(sql`SELECT current_user AS role`)) as unknown as { rows: { role: string }[] }).rows[0]!.role,
    people: (await tx.select().from(participants)).map((p) => p.displayName),
    demographics: (await tx.select().from(participantDemographics)).length,
    attendances: (await tx.select().from(attendances)).length,
  })
  const metro = await inAgencyScope(db, fixtures.metro.id, unfiltered)
  t.equal(metro.role, 'engagement_agency_scope', 'the scope runs as the guarded role')
  t.same(metro.people, ['Metro resident'], 'an unfiltered query sees only the scoped agency')
  t.equal(metro.demographics, 1)
  t.equal(metro.attendances, 1)
  const lakeside = await inAgencyScope(db, fixtures.lakeside.id, unfiltered)
  t.same(lakeside.people, ['Lakeside resident'])

  const after = await unfiltered(db)
  t.not(after.role, 'engagement_agency_scope', 'the role ends with the transaction: the pooled connection is itself again')
  t.equal(after.people.length, 2, 'outside a scope (migrations, aggregates) every row is there')

  const byHand = await inAgencyScope(db, fixtures.metro.id, async (tx) => (await tx.select().from(participants).where(sql`${participants.id} = ${people[1]!.id}`)).length)
  t.equal(byHand, 0, "naming another agency's participant by id finds nothing")
  const writeAttempt = await inAgencyScope(db, fixtures.metro.id, async (tx) => {
    await tx.update(participants).set({ displayName: 'x' })
  }).then(
    () => 'written',
    () => 'refused',
  )
  t.equal(writeAttempt, 'refused', 'the scope role cannot write personal data at all')

  // Through the API: staff of metro listing participants see theirs, and the list query ran in the scope.
  const listed = await app.inject({ method: 'GET', url: '/v1/participants', headers: await bearer() })
  t.equal(listed.statusCode, 200)
  t.same(listed.json().data.map((p: { displayName: string }) => p.displayName), ['Metro resident'])
  t.ok(database.recent.some((s) => s.sql.includes('engagement_agency_scope')), 'the service read in the scope')
})
