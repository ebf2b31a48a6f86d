// Places (issue 18, items 1–3): areas as a hierarchy every area filter walks down, "near me" on event lists and feeds,
// and agency/area administration with its access rules, audit and outbox rows.
import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import t from 'tap'
import { buildReach, type EventRow, type PersonRow } from '../src/modules/insights/insight-tables.ts'
import { recoverable } from './helpers/exact-rank.ts'
import { assertProperty } from './helpers/property.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app, database, fixtures } = await build(t)
const day = (n: number) => new Date(Date.parse(TEST_NOW) + n * 86_400_000).toISOString()
const staff = await bearer({ role: 'staff', agency: 'metro' })
const admin = await bearer({ role: 'admin', agency: 'metro' })
const operator = await bearer({ role: 'operator' })
const json = (headers: Record<string, string>) => ({ ...headers, 'content-type': 'application/json' })

async function schedule(overrides: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/v1/events', headers: json(staff), payload: eventBody({ startsAt: day(30), endsAt: day(30.05), ...overrides }) })
  t.equal(res.statusCode, 201, res.body)
  return res.json().id as string
}
async function area(body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/v1/agencies/metro/areas', headers: json(admin), payload: body })
  t.equal(res.statusCode, 201, res.body)
  return res.json() as { id: string; version: number }
}
/** Rows of a raw statement, whichever driver ran it (node-postgres and PGlite both answer { rows }). */
const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows
const outboxOf = async (entityId: string) =>
  rowsOf<{ action: string; payload: Record<string, unknown>; visibility: string }>(await database.db.execute(sql`select action, payload, visibility from outbox where entity_id = ${entityId} order by tx, id`)).map((r) => ({ action: r.action, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload, visibility: r.visibility }))

t.test('when a district holds beats, then every area filter on it takes in the beats (REST read path, GraphQL, iCal, CSV)', async (t) => {
  const beat = await area({ code: 'N-1', name: 'North beat 1', kind: 'beat', parentId: fixtures.areas.north.id })
  const sub = await area({ code: 'N-1-a', name: 'North beat 1, block a', kind: 'neighbourhood', parentId: beat.id })
  const inBeat = await schedule({ areaId: beat.id })
  const inSub = await schedule({ areaId: sub.id, startsAt: day(31), endsAt: day(31.05) })
  const inSouth = await schedule({ areaId: fixtures.areas.south.id })
  const north = fixtures.areas.north.id

  const rest = (await app.inject({ method: 'GET', url: `/v1/events?areaId=${north}&limit=100` })).json()
  t.strictSame(rest.data.map((e: { id: string }) => e.id).sort(), [inBeat, inSub].sort(), 'REST: the district finds its beat and the neighbourhood within it')
  const byBeat = (await app.inject({ method: 'GET', url: `/v1/events?areaId=${beat.id}` })).json()
  t.strictSame(byBeat.data.map((e: { id: string }) => e.id).sort(), [inBeat, inSub].sort(), 'the beat finds itself and what lies within it')
  const gql = (await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ events(first: 50, filter: { areaId: ["${north}"] }) { nodes { id } } }` } })).json()
  t.strictSame(gql.data.events.nodes.map((e: { id: string }) => e.id).sort(), [inBeat, inSub].sort(), 'GraphQL too')
  const ics = (await app.inject({ method: 'GET', url: `/v1/events.ics?areaId=${north}` })).body
  t.ok(ics.includes(inBeat) && ics.includes(inSub) && !ics.includes(inSouth), 'the calendar feed too')
  const csv = (await app.inject({ method: 'GET', url: `/v1/events.csv?areaId=${north}` })).body
  t.ok(csv.includes(inBeat) && csv.includes(inSub) && !csv.includes(inSouth), 'the CSV export too')
  const within = (await app.inject({ method: 'GET', url: `/v1/agencies/metro/areas?within=${north}` })).json()
  t.strictSame(within.data.map((a: { code: string }) => a.code).sort(), ['D1', 'N-1', 'N-1-a'], 'the areas list walks down too')

  // Moving the beat under the south district takes its neighbourhood along.
  const moved = await app.inject({ method: 'PATCH', url: `/v1/agencies/metro/areas/${beat.id}`, headers: json({ ...admin, 'if-match': `"${beat.version}"` }), payload: { parentId: fixtures.areas.south.id } })
  t.equal(moved.statusCode, 200, moved.body)
  const south = (await app.inject({ method: 'GET', url: `/v1/events?areaId=${fixtures.areas.south.id}&limit=100` })).json()
  t.strictSame(south.data.map((e: { id: string }) => e.id).sort(), [inBeat, inSub, inSouth].sort(), 'after the move the south district holds the beat and its neighbourhood')
  const northAfter = (await app.inject({ method: 'GET', url: `/v1/events?areaId=${north}` })).json()
  t.strictSame(northAfter.data, [], 'and the north none of them')
  // A cycle is refused by the service, and by the trigger underneath.
  const cycle = await app.inject({ method: 'PATCH', url: `/v1/agencies/metro/areas/${fixtures.areas.south.id}`, headers: json({ ...admin, 'if-match': '*' }), payload: { parentId: sub.id } })
  t.equal(cycle.statusCode, 400)
  t.equal(cycle.json().errors[0].field, 'parentId')
  await t.rejects(database.db.execute(sql`update areas set parent_id = ${sub.id} where id = ${fixtures.areas.south.id}`), 'the trigger refuses a cycle too')
  await t.rejects(database.db.execute(sql`update areas set parent_id = ${fixtures.areas.lakeArea.id} where id = ${beat.id}`), 'and a parent of another agency')
})

t.test('when Open311 requests are listed by area, then a district takes in its beats (address_id: code or id)', async (t) => {
  const beat = await area({ code: 'S-9', name: 'South beat 9', kind: 'beat', parentId: fixtures.areas.south.id })
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const made = await app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: form, payload: 'jurisdiction_id=metro&service_code=other&description=Broken%20streetlight&address_id=S-9' })
  t.equal(made.statusCode, 201, made.body)
  const id = made.json()[0].service_request_id as string
  t.equal((await app.inject({ method: 'POST', url: `/v1/feedback/${id}/moderation`, headers: { ...staff, 'if-match': '"1"' }, payload: { action: 'publish' } })).statusCode, 200)
  const list = async (q: string) => (await app.inject({ method: 'GET', url: `/open311/v2/requests.json?jurisdiction_id=metro&${q}` })).json() as { service_request_id: string }[]
  t.ok((await list('address_id=D2')).some((r) => r.service_request_id === id), 'the south district (by code) lists its beat\'s request')
  t.ok((await list(`address_id=${fixtures.areas.south.id}`)).some((r) => r.service_request_id === id), 'by id too')
  t.ok((await list(`address_id=${beat.id}`)).some((r) => r.service_request_id === id), 'and the beat itself')
  t.notOk((await list('address_id=D1')).some((r) => r.service_request_id === id), 'the north district does not')
  const bad = await app.inject({ method: 'GET', url: '/open311/v2/requests.json?jurisdiction_id=metro&address_id=NOWHERE' })
  t.equal(bad.statusCode, 400)
})

t.test('when events are listed near a point, then only those within the radius come, nearest first, with their distance, and pages walk them all', async (t) => {
  // Points due north of the origin: a degree of latitude is ~111.2 km, so 0.001° is ~111 m.
  const origin = { latitude: 10, longitude: 20 }
  const steps = [3, 1, 7, 5, 2, 9, 4]
  const ids = new Map<number, string>()
  for (const s of steps) ids.set(s, await schedule({ venue: { name: `Spot ${s}`, geo: { latitude: origin.latitude + s * 0.001, longitude: origin.longitude } } }))
  const far = await schedule({ venue: { name: 'Far', geo: { latitude: origin.latitude + 0.5, longitude: origin.longitude } } })
  const near = `near=${origin.latitude},${origin.longitude}&radius=900`

  const res = await app.inject({ method: 'GET', url: `/v1/events?${near}&limit=100` })
  t.equal(res.statusCode, 200, res.body)
  const page = res.json()
  t.strictSame(page.data.map((e: { id: string }) => e.id), [1, 2, 3, 4, 5, 7].map((s) => ids.get(s)), 'within 900 m, nearest first (9 × 111 m and the far one left out)')
  t.ok(!page.data.some((e: { id: string }) => e.id === far))
  for (const e of page.data) {
    const s = steps.find((k) => ids.get(k) === e.id)!
    t.ok(Math.abs(e.distance - s * 111.195) < 0.5, `distance of spot ${s} is ~${s * 111} m (${e.distance})`)
  }

  // Keyset pages of one: every event once, in order, across pages; the cursor carries distance and id.
  const walked: string[] = []
  let url: string | undefined = `/v1/events?${near}&limit=1`
  while (url) {
    const r: { statusCode: number; body: string; json(): { data: { id: string }[]; nextCursor: string | null } } = await app.inject({ method: 'GET', url })
    t.equal(r.statusCode, 200, r.body)
    walked.push(...r.json().data.map((e: { id: string }) => e.id))
    url = r.json().nextCursor ? `/v1/events?${near}&limit=1&cursor=${r.json().nextCursor}` : undefined
  }
  t.strictSame(walked, page.data.map((e: { id: string }) => e.id), 'pages of one walk the same order')
  const first = (await app.inject({ method: 'GET', url: `/v1/events?${near}&limit=2` })).json()
  const other = await app.inject({ method: 'GET', url: `/v1/events?near=11,20&radius=900&cursor=${first.nextCursor}` })
  t.equal(other.json().code, 'INVALID_CURSOR', "a cursor of another search is refused")
  const start = await app.inject({ method: 'GET', url: `/v1/events?${near}&cursor=${(await app.inject({ method: 'GET', url: '/v1/events?limit=1' })).json().nextCursor}` })
  t.equal(start.json().code, 'INVALID_CURSOR', "a start-ordered cursor is refused")

  // GraphQL: the same order and distances, and edges that resume.
  const q = `query ($after: String) { events(first: 2, after: $after, filter: { near: { latitude: 10, longitude: 20 }, radius: 900 }) { edges { cursor node { id distance } } pageInfo { hasNextPage } } }`
  const g1 = (await app.inject({ method: 'POST', url: '/graphql', payload: { query: q } })).json()
  t.strictSame(g1.data.events.edges.map((e: { node: { id: string } }) => e.node.id), [ids.get(1), ids.get(2)])
  t.equal(g1.data.events.edges[0].node.distance, page.data[0].distance)
  const g2 = (await app.inject({ method: 'POST', url: '/graphql', payload: { query: q, variables: { after: g1.data.events.edges[0].cursor } } })).json()
  t.strictSame(g2.data.events.edges.map((e: { node: { id: string } }) => e.node.id), [ids.get(2), ids.get(3)], 'resuming from the first edge')
  const plain = (await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ events(first: 1) { nodes { distance } } }' } })).json()
  t.equal(plain.data.events.nodes[0].distance, null, 'no distance outside a near-me list')

  // Feeds take near too.
  const ics = (await app.inject({ method: 'GET', url: `/v1/events.ics?${near}` })).body
  t.ok(ics.includes(ids.get(1)!) && !ics.includes(ids.get(9)!) && !ics.includes(far), 'the calendar feed holds only the near events')
  const csv = (await app.inject({ method: 'GET', url: `/v1/events.csv?${near}` })).body
  t.ok(csv.includes(ids.get(7)!) && !csv.includes(far), 'the CSV export too')

  // Bad input: problems, never a 500.
  for (const [query, field] of [
    ['near=100,20', 'near'],
    ['near=10', 'near'],
    ['near=abc,def', 'near'],
    ['near=10,20&radius=0', 'radius'],
    ['near=10,20&radius=100001', 'radius'],
    ['radius=500', 'radius'],
    [`near=10,20&updatedSince=${day(-1)}`, 'near'],
  ] as const) {
    const r = await app.inject({ method: 'GET', url: `/v1/events?${query}` })
    t.equal(r.statusCode, 400, query)
    t.ok(r.json().errors.some((e: { field: string }) => e.field === field), `${query}: names ${field}`)
  }
  const badGql = (await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ events(filter: { near: { latitude: 91, longitude: 0 } }) { nodes { id } } }' } })).json()
  t.equal(badGql.errors[0].extensions.code, 'VALIDATION_FAILED')
})

t.test('when a near-me list is planned, then it reads the latitude/longitude index (bounding box) before the exact distance', async (t) => {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`)
    const plan = await tx.execute(sql`explain select id from events where status <> 'draft' and deleted_at is null
      and latitude between 9.99 and 10.01 and longitude between 19.99 and 20.01
      and (2 * 6371008.8 * asin(sqrt(power(sin(radians(latitude - 10) / 2), 2) + cos(radians(10)) * cos(radians(latitude)) * power(sin(radians(longitude - 20) / 2), 2)))) <= 900`)
    const text = rowsOf<Record<string, string>>(plan).map((r) => Object.values(r)[0]).join('\n')
    t.match(text, /events_latitude_longitude_idx/, text)
  })
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`)
    const plan = await tx.execute(sql`explain select id from areas where lineage && ARRAY[${fixtures.areas.north.id}]::uuid[]`)
    const text = rowsOf<Record<string, string>>(plan).map((r) => Object.values(r)[0]).join('\n')
    t.match(text, /areas_lineage_idx/, `descendants by the GIN index on lineage: ${text}`)
  })
})

t.test('when agencies and areas are administered, then each role gets what it may, and every change is audited with an outbox row', async (t) => {
  const square = { type: 'Polygon', coordinates: [[[-74, 40.7], [-73.9, 40.7], [-73.9, 40.8], [-74, 40.8], [-74, 40.7]]] }
  const agencyBody = (slug: string) => ({ slug, name: `${slug} PD`, jurisdiction: slug, timeZone: 'America/Chicago', defaultLanguage: 'en', supportedLanguages: ['en', 'es'] })
  const callers: [string, Record<string, string>][] = [
    ['public', {}],
    ['partner', await bearer({ role: 'partner', agency: 'metro' })],
    ['analyst', await bearer({ role: 'analyst', agency: 'metro' })],
    ['staff', staff],
    ['admin of another agency', await bearer({ role: 'admin', agency: 'lakeside' })],
    ['admin', admin],
    ['operator', operator],
  ]
  const expected: Record<string, { createAgency: number; updateAgency: number; createArea: number }> = {
    public: { createAgency: 401, updateAgency: 401, createArea: 401 },
    partner: { createAgency: 403, updateAgency: 403, createArea: 403 },
    analyst: { createAgency: 403, updateAgency: 403, createArea: 403 },
    staff: { createAgency: 403, updateAgency: 403, createArea: 403 },
    'admin of another agency': { createAgency: 403, updateAgency: 403, createArea: 403 },
    admin: { createAgency: 403, updateAgency: 200, createArea: 201 },
    operator: { createAgency: 201, updateAgency: 200, createArea: 201 },
  }
  let n = 0
  for (const [who, headers] of callers) {
    n++
    const created = await app.inject({ method: 'POST', url: '/v1/agencies', headers: json(headers), payload: agencyBody(`matrix-${n}`) })
    t.equal(created.statusCode, expected[who]!.createAgency, `${who}: create an agency`)
    const updated = await app.inject({ method: 'PATCH', url: '/v1/agencies/metro', headers: json({ ...headers, 'if-match': '*' }), payload: { jurisdiction: `Metro ${n}` } })
    t.equal(updated.statusCode, expected[who]!.updateAgency, `${who}: change metro's profile`)
    const made = await app.inject({ method: 'POST', url: '/v1/agencies/metro/areas', headers: json(headers), payload: { code: `M-${n}`, name: `Matrix ${n}`, kind: 'beat', boundary: square } })
    t.equal(made.statusCode, expected[who]!.createArea, `${who}: add an area`)
  }

  // The new agency is served at once (the agency cache is told), and its audit and outbox rows name ids and versions only.
  const made = await app.inject({ method: 'POST', url: '/v1/agencies', headers: json({ ...operator, 'idempotency-key': 'make-harbor' }), payload: { ...agencyBody('harbor'), contact: { email: 'info@harbor.example.gov' } } })
  t.equal(made.statusCode, 201)
  const replay = await app.inject({ method: 'POST', url: '/v1/agencies', headers: json({ ...operator, 'idempotency-key': 'make-harbor' }), payload: { ...agencyBody('harbor'), contact: { email: 'info@harbor.example.gov' } } })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.json().id, made.json().id)
  const harbor = made.json()
  t.same(await outboxOf(harbor.id), [{ action: 'agency.created', payload: { id: harbor.id, version: 1 }, visibility: 'public' }])
  const renamed = await app.inject({ method: 'PATCH', url: '/v1/agencies/harbor', headers: json({ ...operator, 'if-match': '"1"' }), payload: { name: 'Harbor Police', defaultLanguage: 'es' } })
  t.equal(renamed.statusCode, 200, renamed.body)
  t.equal(renamed.headers.etag, '"2"')
  t.equal((await app.inject({ method: 'GET', url: '/v1/agencies/harbor' })).json().name, 'Harbor Police', 'read back at once')
  t.same((await outboxOf(harbor.id)).at(-1), { action: 'agency.updated', payload: { id: harbor.id, version: 2 }, visibility: 'public' })
  const bad = await app.inject({ method: 'PATCH', url: '/v1/agencies/harbor', headers: json({ ...operator, 'if-match': '*' }), payload: { defaultLanguage: 'vi' } })
  t.equal(bad.statusCode, 400, 'the default language must stay supported')

  const zone = await app.inject({ method: 'POST', url: '/v1/agencies/harbor/areas', headers: json(operator), payload: { code: 'H1', name: 'Harbor 1', kind: 'district', boundary: square } })
  t.equal(zone.statusCode, 201)
  const { id } = zone.json()
  const changed = await app.inject({ method: 'PATCH', url: `/v1/agencies/harbor/areas/${id}`, headers: json({ ...operator, 'if-match': '"1"' }), payload: { boundary: null, name: 'Harbor One' } })
  t.equal(changed.statusCode, 200)
  t.equal(changed.json().boundary, null)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/agencies/harbor/areas/${id}`, headers: { ...operator, 'if-match': '"1"' } })).statusCode, 412, 'a stale version is refused')
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/agencies/harbor/areas/${id}`, headers: { ...operator, 'if-match': '"2"' } })).statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: `/v1/agencies/harbor/areas/${id}` })).statusCode, 404)
  t.same((await outboxOf(id)).map((r) => [r.action, r.payload]), [['area.created', { id, version: 1 }], ['area.updated', { id, version: 2 }], ['area.removed', { id, version: 2 }]])
  const audit = rowsOf<{ action: string; actor_kind: string }>(await database.db.execute(sql`select action, actor_kind from audit_events where entity_id = ${id} order by at`))
  t.same(audit.map((r) => [r.action, r.actor_kind]), [['area.created', 'operator'], ['area.updated', 'operator'], ['area.removed', 'operator']])

  // An area in use stays: an event placed in it.
  const used = await area({ code: 'USED', name: 'Used', kind: 'beat' })
  await schedule({ areaId: used.id })
  const refused = await app.inject({ method: 'DELETE', url: `/v1/agencies/metro/areas/${used.id}`, headers: { ...admin, 'if-match': '*' } })
  t.equal(refused.statusCode, 409)
  t.match(refused.json().detail, /events/)
})

t.test('when an area or agency body is bad, then a problem names the field, never a 500', async (t) => {
  const ring = (r: unknown) => ({ code: 'BAD', name: 'Bad', kind: 'beat', boundary: { type: 'Polygon', coordinates: [r] } })
  const big = Array.from({ length: 10_001 }, (_, i) => [i / 100_000, 0])
  big.push(big[0]!)
  const cases: [string, unknown, string][] = [
    ['an open ring', ring([[0, 0], [1, 0], [1, 1], [0, 1]]), 'boundary'],
    ['a ring of three', ring([[0, 0], [1, 0], [0, 0]]), 'boundary'],
    ['a latitude off the globe', ring([[0, 0], [1, 95], [1, 1], [0, 0]]), 'boundary'],
    ['a longitude off the globe', ring([[0, 0], [181, 0], [1, 1], [0, 0]]), 'boundary'],
    ['a point that is not a pair', ring([[0], [1, 0], [1, 1], [0]]), 'boundary'],
    ['a Point, not a polygon', { code: 'BAD', name: 'Bad', kind: 'beat', boundary: { type: 'Point', coordinates: [0, 0] } }, 'boundary'],
    ['too many positions', ring(big), 'boundary'],
    ['an unknown kind', { code: 'BAD', name: 'Bad', kind: 'county' }, 'kind'],
    ['a parent of another agency', { code: 'BAD', name: 'Bad', kind: 'beat', parentId: fixtures.areas.lakeArea.id }, 'parentId'],
    ['a code already used', { code: 'D1', name: 'Bad', kind: 'beat' }, 'code'],
    ['an unknown field', { code: 'BAD', name: 'Bad', kind: 'beat', colour: 'red' }, 'colour'],
  ]
  for (const [what, payload, field] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/agencies/metro/areas', headers: json(admin), payload: payload as object })
    t.equal(res.statusCode, 400, `${what}: ${res.body.slice(0, 200)}`)
    t.ok(res.json().errors?.some((e: { field: string }) => e.field.startsWith(field)), `${what}: names ${field}`)
  }
  for (const [what, payload] of [
    ['a time zone that is not one', { timeZone: 'Mars/Olympus' }],
    ['a default language not supported', { defaultLanguage: 'fr' }],
    ['a contact URL that is not one', { contact: { url: 'ftp://metro.example.gov' } }],
    ['a slug change', { slug: 'other' }],
    ['nothing', {}],
  ] as const) {
    const res = await app.inject({ method: 'PATCH', url: '/v1/agencies/metro', headers: json({ ...admin, 'if-match': '*' }), payload })
    t.equal(res.statusCode, 400, `${what}: ${res.body.slice(0, 200)}`)
  }
  const gql = (await app.inject({ method: 'POST', url: '/graphql', headers: admin, payload: { query: 'mutation { createArea(agency: "metro", input: { code: "G", name: "G", kind: BEAT, boundary: { type: "Polygon", coordinates: [[[0, 0], [1, 0]]] } }) { area { id } } }' } })).json()
  t.equal(gql.errors[0].extensions.code, 'VALIDATION_FAILED')
  const forbidden = (await app.inject({ method: 'POST', url: '/graphql', headers: staff, payload: { query: 'mutation { createAgency(input: { slug: "x-pd", name: "X", jurisdiction: "X", timeZone: "UTC", defaultLanguage: "en", supportedLanguages: ["en"] }) { agency { id } } }' } })).json()
  t.equal(forbidden.errors[0].extensions.code, 'FORBIDDEN')
})

t.test('property: reach rolled up to districts adds up exactly, and no suppressed figure is recoverable (independent exact rank test)', async (t) => {
  // Two districts of three beats; meetings in a beat or in a district itself; people per meeting from 0 to 30.
  const beats = ['A1', 'A2', 'A3', 'B1', 'B2', 'B3']
  const areaArb = fc.constantFrom(...beats, 'A', 'B')
  const meetingArb = fc.record({ area: areaArb, kind: fc.constantFrom('town_hall', 'listening_session'), weekday: fc.constantFrom('monday', 'saturday'), people: fc.integer({ min: 0, max: 30 }) })
  let runs = 0
  let suppressedSeen = 0
  assertProperty(
    fc.property(fc.array(meetingArb, { minLength: 1, maxLength: 14 }), (meetings) => {
      runs++
      const events: EventRow[] = meetings.map((m, i) => ({ eventId: `e${i}`, area: m.area, topArea: m.area[0]!, weekday: m.weekday, timeOfDay: 'evening', format: 'in_person', languages: 'en', kind: m.kind, period: '2027-Q1', counted: true, headCount: m.people }))
      const people: PersonRow[] = meetings.flatMap((m, i) => Array.from({ length: m.people }, () => ({ eventId: `e${i}`, answers: {} })))
      const built = buildReach(events, people, { threshold: 11, minResponses: 11 })
      const { structure, values, status } = built.people
      // Each district's figure is the sum of its areas' (itself and its beats) — exact, before suppression.
      for (const e of structure.entries) {
        if (e.kind !== 'margin' || e.family.join() !== 'topArea,period') continue
        const members = structure.entries.filter((m) => m.kind === 'margin' && m.family.join() === 'area,period' && m.key.area![0] === e.key.topArea)
        if (values[e.index] !== members.reduce((n, m) => n + values[m.index]!, 0)) return false
      }
      suppressedSeen += status.filter((x) => x !== undefined).length
      // Nothing withheld can be worked out from what is published, district totals included.
      return recoverable(status.map((x) => x !== undefined), structure.relations).length === 0
    }),
    { numRuns: 150, seed: 18 },
  )
  t.equal(runs, 150, '150 random hierarchical tables')
  t.ok(suppressedSeen > 100, `with suppressed figures to protect (${suppressedSeen})`)
})
