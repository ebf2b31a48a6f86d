// What a new user sees after `npm start`: the demo agency's meetings, the same over REST and GraphQL.
import t from 'tap'
import { seedDemo } from '../src/seed/demo.ts'
import { build } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'

t.test('when the demo is loaded, then REST and GraphQL list the same upcoming meetings in the same order', async (t) => {
  const { app, database } = await build(t)
  await seedDemo(database, { now: testClock.now() })
  const rest = JSON.parse((await app.inject({ method: 'GET', url: '/v1/events?agency=riverton&limit=100' })).body)
  t.ok(rest.data.length >= 15, `${rest.data.length} demo events`)
  const gql = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json' },
    payload: { query: '{ events(filter: { agency: "riverton" }, first: 100) { edges { node { id title format } } } }' },
  })
  const body = JSON.parse(gql.body)
  t.notOk(body.errors)
  t.same(
    body.data.events.edges.map((e: { node: { id: string } }) => e.node.id),
    rest.data.map((e: { id: string }) => e.id),
  )
  t.same(new Set(rest.data.map((e: { format: string }) => e.format)), new Set(['in_person', 'virtual', 'hybrid']), 'all three formats')
  const spanish = JSON.parse((await app.inject({ method: 'GET', url: '/v1/events?agency=riverton&language=es&accommodation=step_free_access&limit=100' })).body)
  t.ok(spanish.data.length > 0, 'a Spanish speaker who needs step-free access finds meetings')

  // Shared priorities tell the story: the most endorsed one was adopted by a decision that was reported back.
  const priorities = JSON.parse((await app.inject({ method: 'GET', url: '/v1/priorities?agency=riverton&sort=endorsements', headers: { 'accept-language': 'so' } })).body).data
  t.equal(priorities.length, 3)
  t.match(priorities[0], { status: 'in_progress', contentLanguage: 'so', endorsements: { total: 27, anonymous: 25 } })
  t.equal(priorities[0].endorsements.organizations.length, 2, 'two partner organizations endorse it by name')
  t.ok(priorities[0].decisionIds.length && priorities[0].reportBackIds.length && priorities[0].feedbackIds.length, 'linked to the concerns, the decision and its report-back')
  t.ok(priorities.some((p: { status: string; statusReason: string | null }) => p.status === 'declined' && p.statusReason), 'a declined one says why')
  const [announcement] = JSON.parse((await app.inject({ method: 'GET', url: '/v1/announcements?agency=riverton' })).body).data
  t.same(announcement.missingTranslations, ['vi'], 'the announcement lists the translation still missing')
  t.same(announcement.reach, [{ channel: 'sms', count: 1240 }, { channel: 'word_of_mouth', count: 70 }])
  // Community liaisons: three confirmed (one listed by name at his wish), two carrying the announcement; one waits for staff.
  const liaisons = JSON.parse((await app.inject({ method: 'GET', url: '/v1/liaisons?agency=riverton' })).body).data
  t.equal(liaisons.length, 3, 'the public sees the confirmed liaisons only')
  t.same(liaisons.map((l: { displayName: string | null }) => l.displayName).filter(Boolean), ['Coach Marcus Bell'], 'only the one who chose to be listed by name is named')
  t.equal(liaisons.filter((l: { announcementIds: string[] }) => l.announcementIds.includes(announcement.id)).length, 2, 'two liaisons carry the announcement')
  t.notOk(JSON.stringify(liaisons).includes('example.org'), 'no contact reaches the public')
})

t.test('when the demo is loaded, then partner organizations co-host meetings a partner calendar can filter on', async (t) => {
  const { app, database } = await build(t)
  await seedDemo(database, { now: testClock.now() })
  const orgs = JSON.parse((await app.inject({ method: 'GET', url: '/v1/organizations?agency=riverton' })).body).data
  t.equal(orgs.length, 4)
  t.ok(orgs.every((o: { contact: unknown }) => o.contact === null), 'the public sees no contact details')
  const legalAid = orgs.find((o: { name: string }) => o.name === 'Riverton Legal Aid Society')
  const hosted = JSON.parse((await app.inject({ method: 'GET', url: `/v1/events?organizationId=${legalAid.id}` })).body).data
  t.equal(hosted.length, 1)
  t.match(hosted[0].title, /Know Your Rights/)
  t.same(hosted[0].coHostIds, [legalAid.id])
})
