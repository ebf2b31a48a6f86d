// Canary crawl: every GET route in openapi.yaml and every Query field in schema.graphql, as each kind of caller,
// never shows a participant's contact or demographics (nor, to those who may not see individuals, their name),
// and the logs never hold them. Routes and fields added later are crawled without changing this file.
import fs from 'node:fs'
import { readFileSync } from 'node:fs'
import { buildSchema, getNamedType, isLeafType, isNonNullType, type GraphQLObjectType } from 'graphql'
import t from 'tap'
import { graphqlSchemaPath, QUERY_DEPTH_LIMIT } from '../src/http/graphql/graphql-plugin.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { documentedOperations } from './helpers/openapi.ts'

// Everything the process writes to stdout (pino's destination) while this file runs.
let logs = ''
const originalWrite = fs.write
const originalWriteSync = fs.writeSync
const capture = (fd: unknown, data: unknown) => {
  if (fd === 1 || fd === 2) logs += typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : ''
}
;(fs as { write: unknown }).write = (fd: number, data: unknown, ...rest: unknown[]) => {
  capture(fd, data)
  return (originalWrite as (...a: unknown[]) => unknown)(fd, data, ...rest)
}
;(fs as { writeSync: unknown }).writeSync = (fd: number, data: unknown, ...rest: unknown[]) => {
  capture(fd, data)
  return (originalWriteSync as (...a: unknown[]) => number)(fd, data, ...rest)
}
t.teardown(() => {
  fs.write = originalWrite
  fs.writeSync = originalWriteSync
})

const run = 'c4n4ry'
const contactCanaries = [`mail-${run}@people.example`, `+1 555 ${run.length}99 4242`]
const nameCanaries = [`Name-${run}`, `Affiliation-${run}`]
// What a registrant needs, in their words: for the agency's staff only.
const needCanaries = [`Need-${run}`]
// Demographic answers are enum values; these rare ones appear nowhere else in the data (the contract documents excepted).
const demographicCanaries = ['another_orientation', 'ANOTHER_ORIENTATION', 'from_50k_to_100k', 'FROM_50K_TO_100K']
// A survey answer's voluntary demographics: leave only as weighted, suppressed aggregates (which name no category).
const surveyCanaries = ['middle_eastern_or_north_african', 'MIDDLE_EASTERN_OR_NORTH_AFRICAN']
const contractDocuments = /^\/(openapi\.(json|yaml)|docs|schema\.graphql|graphiql\/introspection\.json)/
// Insights name every category of a dimension as a key (with its count suppressed or not); that a category's count of
// one person is never published is what test/insights-privacy.test.ts proves. Contact and names are still checked there.
const insightRoutes = /^(\/v1\/insights|\{ insights)/
const checked = (forbidden: string[], where: string) => (insightRoutes.test(where) ? forbidden.filter((c) => !demographicCanaries.includes(c)) : forbidden)

t.test('when every GET route and every Query field is crawled as each caller, then no canary appears in a response or a log', async (t) => {
  const { app, fixtures } = await build(t, { env: { LOG_LEVEL: 'trace' } })
  const staff = await bearer()
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Crawl partners', kind: 'faith', contact: { email: 'org@example.org' } } })).json()
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ registrationRequired: true, capacity: 1, coHostIds: [org.id] }) })).json()
  const series = (await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: { title: { en: 'S' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Hall' }, recurrence: { rule: 'FREQ=MONTHLY;COUNT=2', start: '2027-01-12T18:30', durationMinutes: 60 } } })).json()
  const ids: Record<string, string> = { events: event.id, series: series.id, organizations: org.id, agencies: 'metro' }
  for (let i = 0; i < 2; i++) {
    const reg = await app.inject({
      method: 'POST',
      url: `/v1/events/${event.id}/registrations`,
      payload: { displayName: `${nameCanaries[0]}-${i}`, contact: { email: contactCanaries[0], phone: contactCanaries[1] }, consents: { contact: true, dataUse: true }, demographics: { sexualOrientation: 'another_orientation', incomeBand: 'from_50k_to_100k' }, accommodationNote: needCanaries[0] },
    })
    t.equal(reg.statusCode, 201)
    ids.participants = reg.json().participantId
    ids.registrations = reg.json().id
    // The registrant's own code: whoever holds it sees the registration, never the name, contact or note.
    ids['my-registrations'] = reg.json().registrationCode
  }
  // A feedback giver's tracking code, crawled like any other route.
  ids['follow-up'] = (await app.inject({ method: 'POST', url: '/v1/feedback', payload: { agency: 'metro', body: 'The lights on Elm are out', language: 'en', topic: 'other' } })).json().trackingCode
  const answered = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { agency: 'metro', body: 'Fair stop', language: 'en', topic: 'everyday_interactions', areaId: fixtures.areas.north.id, survey: { trust: 4, raceEthnicity: surveyCanaries[0], ageBand: 'age_55_64' } } })
  t.equal(answered.statusCode, 201)
  const patched = await app.inject({ method: 'PATCH', url: `/v1/participants/${ids.participants}`, headers: { ...staff, 'if-match': '*' }, payload: { affiliation: nameCanaries[1], areaId: fixtures.areas.north.id } })
  t.equal(patched.statusCode, 200)
  await app.inject({ method: 'PUT', url: `/v1/participants/${ids.participants}/demographics`, headers: staff, payload: { sexualOrientation: 'another_orientation', incomeBand: 'from_50k_to_100k' } })
  await app.inject({ method: 'POST', url: `/v1/events/${event.id}/check-ins`, headers: staff, payload: { participantId: ids.participants, role: 'speaker' } })
  await app.inject({ method: 'POST', url: `/v1/events/${event.id}/head-counts`, headers: staff, payload: { count: 9 } })
  // A confirmed liaison (not listed by name) with the same canaries as contact: the public sees it, never who or how to reach them.
  const liaison = await app.inject({ method: 'POST', url: '/v1/liaisons', headers: staff, payload: { displayName: `${nameCanaries[0]}-liaison`, kind: 'informal_leader', areaIds: [fixtures.areas.north.id], contact: { email: contactCanaries[0], phone: contactCanaries[1] }, consents: { contact: true } } })
  t.equal(liaison.statusCode, 201)
  ids.liaisons = liaison.json().id
  t.equal((await app.inject({ method: 'POST', url: `/v1/liaisons/${ids.liaisons}/status`, headers: { ...staff, 'if-match': '"1"' }, payload: { status: 'confirmed' } })).statusCode, 200)
  t.ok((await app.inject({ method: 'GET', url: `/v1/liaisons/${ids.liaisons}?purpose=event_logistics`, headers: staff })).body.includes(contactCanaries[1]!), "staff with a purpose see the liaison's contact")
  t.equal((await app.inject({ method: 'GET', url: `/v1/liaisons/${ids.liaisons}` })).statusCode, 200, 'the confirmed liaison is public')
  // Proof the canaries are really there: staff with a purpose see the contact.
  t.ok((await app.inject({ method: 'GET', url: `/v1/participants/${ids.participants}?purpose=event_logistics`, headers: staff })).body.includes(contactCanaries[0]!))
  t.ok((await app.inject({ method: 'GET', url: `/v1/events/${event.id}/accommodation-requests`, headers: staff })).body.includes(needCanaries[0]!), 'staff see what registrants need')
  t.equal((await app.inject({ method: 'GET', url: `/v1/my-registrations/${ids['my-registrations']}` })).statusCode, 200, 'the code is crawled for real')

  const callers: Record<string, { headers: Record<string, string>; forbidden: string[] }> = {
    public: { headers: {}, forbidden: [...contactCanaries, ...nameCanaries, ...demographicCanaries, ...needCanaries, ...surveyCanaries] },
    partner: { headers: await bearer({ role: 'partner', sub: 'crawl-partner', claims: { org: org.id } }), forbidden: [...contactCanaries, ...nameCanaries, ...demographicCanaries, ...needCanaries, ...surveyCanaries] },
    analyst: { headers: await bearer({ role: 'analyst', sub: 'crawl-analyst' }), forbidden: [...contactCanaries, ...nameCanaries, ...demographicCanaries, ...needCanaries, ...surveyCanaries] },
    staffWithoutPurpose: { headers: staff, forbidden: [...contactCanaries, ...demographicCanaries, ...surveyCanaries] },
    admin: { headers: await bearer({ role: 'admin', sub: 'crawl-admin' }), forbidden: [...surveyCanaries] },
  }

  // Path parameters are filled from the resource the segment before them names (an unknown one gets the event's id).
  const fill = (path: string) => path.replace(/\/([^/]+)\/\{[^}]+\}/g, (_, segment: string) => `/${segment}/${ids[segment] ?? event.id}`)
  const getRoutes = documentedOperations().filter((o) => o.method === 'GET').map((o) => fill(o.path))
  t.ok(getRoutes.includes(`/v1/participants/${ids.participants}`) && getRoutes.includes(`/v1/events/${event.id}/registrations`), 'the crawl includes the personal-data routes')

  // A GraphQL document per Query field, selecting every field reachable within the depth limit; required arguments are filled.
  const schema = buildSchema(readFileSync(graphqlSchemaPath, 'utf8'))
  const selectAll = (type: GraphQLObjectType, path: string[], depth: number): string =>
    Object.values(type.getFields())
      .map((field) => {
        const target = getNamedType(field.type)
        if (isLeafType(target)) return field.name
        const key = `${type.name}.${field.name}`
        if (path.includes(key) || depth + 1 > QUERY_DEPTH_LIMIT) return null
        const inner = selectAll(target as GraphQLObjectType, [...path, key], depth + 1)
        return inner ? `${field.name} { ${inner} }` : null
      })
      .filter(Boolean)
      .join(' ')
  const argFor = (name: string, returns: string) =>
    name === 'code' ? `"${returns === 'FollowUp' ? ids['follow-up'] : ids['my-registrations']}"` : name === 'slug' || name === 'agency' ? '"metro"' : `"${{ Event: event.id, Series: series.id, Organization: org.id, Participant: ids.participants, Liaison: ids.liaisons }[returns] ?? (name === 'organizationId' ? org.id : event.id)}"`
  const documents = Object.values(schema.getQueryType()!.getFields()).map((field) => {
    const target = getNamedType(field.type)
    const args = field.args.filter((a) => isNonNullType(a.type)).map((a) => `${a.name}: ${argFor(a.name, target.name)}`)
    const selection = isLeafType(target) ? '' : ` { ${selectAll(target as GraphQLObjectType, [`Query.${field.name}`], 1)} }`
    return `{ ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`
  })
  t.ok(documents.some((d) => d.startsWith('{ participants')), 'the crawl includes participants')
  t.ok(getRoutes.includes(`/v1/liaisons/${ids.liaisons}`) && documents.some((d) => d.startsWith(`{ liaison(id: "${ids.liaisons}")`)), 'the crawl includes liaisons')

  const leaks: string[] = []
  let requests = 0
  for (const [who, { headers, forbidden }] of Object.entries(callers)) {
    for (const url of getRoutes) {
      const res = await app.inject({ method: 'GET', url, headers })
      requests++
      t.ok(res.statusCode < 500, `${who} GET ${url} → ${res.statusCode}`)
      if (contractDocuments.test(url)) continue
      for (const canary of checked(forbidden, url)) if (res.body.includes(canary)) leaks.push(`${who} GET ${url} shows ${canary}`)
    }
    for (const query of documents) {
      const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } })
      requests++
      t.ok(res.statusCode < 500, `${who} ${query.slice(0, 40)} → ${res.statusCode}`)
      for (const canary of checked(forbidden, query)) if (res.body.includes(canary)) leaks.push(`${who} ${query.slice(0, 40)} shows ${canary}`)
    }
  }
  t.same(leaks, [], `${requests} requests, no canary in any response`)
  t.ok(logs.includes('"reqId"'), 'the logs were captured')
  t.notOk(/remoteAddress|127\.0\.0\.1/.test(logs), 'no log line holds a client address')
  for (const canary of [...contactCanaries, ...nameCanaries, ...needCanaries, ...surveyCanaries]) t.notOk(logs.includes(canary), `the logs never hold ${canary}`)
  for (const code of [ids['my-registrations']!, ids['follow-up']!]) t.notOk(logs.includes(code), 'the logs never hold a capability code')
})
