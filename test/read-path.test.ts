// The read path answers GraphQL queries with one statement whose JSON PostgreSQL builds: every answer must equal the
// resolvers' answer (READ_PATH=false) for the same caller, languages and data, and errors stay the resolvers' to give.
import type { FastifyInstance } from 'fastify'
import { buildSchema, getNamedType, isObjectType } from 'graphql'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { readPaths } from '../src/http/graphql/read-path.ts'
import { readableTypes } from '../src/modules/reads/reads-repository.ts'
import { readRoots } from '../src/modules/reads/reads-service.ts'
import { seedDemo } from '../src/seed/demo.ts'
import { bearer } from './helpers/auth.ts'
import { build, testConfig } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { eventBody } from './helpers/fixtures.ts'

// Dates relative to TEST_NOW, never a calendar year: "later" and "never" stay so whatever the clock says.
const daysAhead = (n: number) => new Date(Date.parse(TEST_NOW) + n * 86_400_000).toISOString()
const schemaText = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')

const EVERY_EVENT_FIELD = `id agencyId title description contentLanguage descriptionLanguage availableLanguages translations { title { language text } description { language text } }
  kind format timeZone venue { name address { street locality region postalCode country } geo { latitude longitude } } areaId online { joinUrl dialIn { number accessCode } captionsUrl }
  languages interpretation accommodations capacity registrationRequired hostUnit topics status statusReason startsAt endsAt seriesId recurrenceId sequence version createdAt updatedAt deletedAt
  agency { id slug name jurisdiction timeZone defaultLanguage supportedLanguages areas { id code name kind parentId boundary } }
  area { id agencyId code name kind parentId boundary agency { slug } parent { code } }`

const FEEDBACK_FIELDS = `id agencyId body bodyLanguage publishedBody channel eventId areaId topic topicVocabularyVersion stance anonymous participantId organizationId visibility status
  statusReason receivedAt acknowledgedAt decidedAt reportedBackAt version createdAt updatedAt deletedAt`
const DECISION_FIELDS = `id agencyId title summary rationale contentLanguage translations { title { language text } summary { language text } rationale { language text } }
  decidedBy decidedAt status publication areaId topic version createdAt updatedAt deletedAt
  reportBacks { id agencyId decisionId channel relayedAt eventId languages audience summary contentLanguage summaryTranslations { language text } url publication version createdAt updatedAt deletedAt }`

/** Documents the read path takes whole; each runs with several callers and languages (`loop`: for the public only). */
const readable: { name: string; query: string; variables?: Record<string, unknown>; loop?: boolean }[] = [
  {
    name: 'the benchmark loop page',
    query: '{ events(first: 50) { edges { node { id title startsAt feedback(first: 3) { totalCount edges { node { id decisions { id title reportBacks { id relayedAt } } } } } } } } }',
    loop: true,
  },
  {
    name: 'one event with its loop, every field',
    query: `query ($id: ID!) { event(id: $id) { id title feedback(first: 2) { totalCount edges { cursor node { ${FEEDBACK_FIELDS} decisions(language: "es") { ${DECISION_FIELDS} } } }
      nodes { id decisions { id title } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } decisions { ${DECISION_FIELDS} } } }`,
    loop: true,
  },
  { name: 'the benchmark page', query: '{ events(first: 50) { edges { node { id title startsAt agency { name } area { code } } } } }' },
  { name: 'every field, paged', query: `query ($after: String) { events(first: 7, after: $after) { edges { cursor node { ${EVERY_EVENT_FIELD} } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }` },
  { name: 'one event, every field', query: `query ($id: ID!) { event(id: $id) { ${EVERY_EVENT_FIELD} } }` },
  // Plans leave ids to be bound per request (read-path.ts); a value that is one of their stand-ins must stay itself.
  {
    name: 'an event beside a list filtered by a stand-in id',
    query: 'query ($id: ID!) { event(id: $id) { id title } events(first: 2, filter: { areaId: ["00000000-0000-4000-8000-51d000000000"] }) { nodes { id } } }',
  },
  { name: 'a language argument', query: '{ events(first: 30, language: "es") { nodes { title description contentLanguage descriptionLanguage } } }' },
  { name: 'a language only some descriptions have', query: '{ events(first: 30, language: "vi") { nodes { title description contentLanguage descriptionLanguage } } }' },
  {
    name: 'aliases, fragments, directives, __typename and merged fields',
    query: `query ($withArea: Boolean!, $skipTitle: Boolean!) {
      soon: events(first: 3) { __typename nodes { ...card ... on Event { title @skip(if: $skipTitle) } area @include(if: $withArea) { code } } }
      later: events(first: 2, filter: { from: "${daysAhead(30)}" }) { pageInfo { hasNextPage } nodes { key: id id title venue { name } venue { geo { latitude } } } }
    }
    fragment card on Event { __typename id startsAt status kind accommodations agency { slug __typename } }`,
    variables: { withArea: true, skipTitle: false },
  },
  {
    name: 'connections asking for no list (a total, __typename), empty or not',
    query: `{ events(first: 3) { __typename nodes { id feedback(first: 2) { __typename totalCount totalCountIsEstimate } } } none: events(first: 2, filter: { from: "${daysAhead(365_000)}" }) { __typename } }`,
    loop: true,
  },
  { name: 'filters', query: '{ events(first: 50, filter: { format: [VIRTUAL, HYBRID], status: [SCHEDULED, CANCELLED, DRAFT] }) { nodes { id format status } } }' },
  { name: 'syncing by last change', query: '{ events(first: 50, filter: { updatedSince: "2020-01-01T00:00:00Z" }) { edges { cursor node { id updatedAt deletedAt } } pageInfo { endCursor hasNextPage } } }' },
  { name: 'an empty page', query: `{ events(first: 5, filter: { from: "${daysAhead(365_000)}" }) { nodes { id } pageInfo { hasNextPage startCursor endCursor } } }` },
  // A total counts what every page holds (the cursor does not narrow it), in the page's own statement.
  { name: 'a total on every page of a list', query: 'query ($after: String) { events(first: 4, after: $after) { totalCount totalCountIsEstimate nodes { id } pageInfo { hasNextPage endCursor } } }' },
  {
    name: 'totals alone, of an empty page and of drafts',
    query: `{ all: events(first: 2) { totalCount } none: events(first: 2, filter: { from: "${daysAhead(365_000)}" }) { totalCountIsEstimate totalCount } drafts: events(first: 1, filter: { status: [DRAFT] }) { totalCount nodes { id } } }`,
  },
]

/** Documents the resolvers answer (errors, fields the read path does not build): the same answer either way. */
const resolved: { name: string; query: string; variables?: Record<string, unknown> }[] = [
  { name: 'an id that names nothing', query: '{ event(id: "00000000-0000-4000-8000-000000000000") { id } }' },
  { name: 'not an id', query: '{ event(id: "nope") { id } }' },
  { name: 'a bad cursor', query: '{ events(after: "bm9wZQ") { nodes { id } } }' },
  { name: 'first out of range', query: '{ events(first: 0) { nodes { id } } }' },
  { name: "an event's feedback page out of range", query: '{ events(first: 2) { nodes { id feedback(first: 0) { totalCount } } } }' },
  { name: 'an unknown agency', query: '{ events(filter: { agency: "nowhere" }) { nodes { id } } }' },
  { name: 'a field only resolvers know', query: '{ events(first: 2) { nodes { id series { id } coHosts { id } } } }' },
  { name: 'an invalid document', query: '{ events { nodes { nope } } }' },
  { name: 'a bad variable', query: 'query ($n: Int) { events(first: $n) { nodes { id } } }', variables: { n: 'x' } },
  { name: 'a date that is not one, written inline', query: '{ events(filter: { from: "not a date" }) { nodes { id } } }' },
  { name: 'a page size out of range, written inline', query: '{ events(first: 99999999999) { nodes { id } } }' },
  { name: 'a NUL escaped in a string written inline', query: '{ events(filter: { agency: "a\\u0000b" }) { nodes { id } } }' },
  { name: 'an invisible character escaped in an id written inline', query: '{ event(id: "\\u200b00000000-0000-4000-8000-000000000000") { id } }' },
  // Near me is ordered by distance: the read path leaves it to the resolvers, so both doors answer alike.
  { name: 'near me', query: '{ events(first: 5, filter: { near: { latitude: 40.82, longitude: -91.12 }, radius: 5000 }) { edges { cursor node { id distance venue { geo { latitude longitude } } } } pageInfo { hasNextPage } } }' },
  { name: 'a bad near point', query: '{ events(filter: { near: { latitude: 91, longitude: 0 } }) { nodes { id } } }' },
]

t.test('read path', async (t) => {
  // No background insight building: statements are counted per request.
  const { app, database, clock, fixtures } = await build(t, { env: { INSIGHTS_WARM: 'false' } })
  const resolvers: FastifyInstance = await buildApp({ config: testConfig({ READ_PATH: 'false', INSIGHTS_WARM: 'false' }), database, clock })
  await resolvers.ready()
  t.teardown(() => resolvers.close())
  await seedDemo(database, { now: clock.now() })
  const staff = await bearer()
  // Events of every shape: translated, online only, without venue or area, a draft, a cancelled one, a deleted one.
  const created: string[] = []
  const variants: Record<string, unknown>[] = [
    {},
    { title: { en: 'Town hall', 'es-MX': 'Asamblea', vi: 'Họp' }, description: { vi: 'Mô tả' }, areaId: fixtures.areas.north.id },
    { format: 'virtual', venue: undefined, online: { joinUrl: 'https://meet.example.org/x', dialIn: { number: '+1 555 0100', accessCode: '42' } } },
    { format: 'hybrid', online: { joinUrl: 'https://meet.example.org/y', captionsUrl: 'https://captions.example.org/x' }, startsAt: daysAhead(212), endsAt: new Date(Date.parse(daysAhead(212)) + 3_600_000).toISOString() },
    { draft: true, title: { fr: 'Brouillon' } },
    { venue: { name: 'Hall' }, accommodations: [], languages: [], interpretation: [], topics: [] },
  ]
  for (const v of variants) {
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody(v) })
    t.equal(res.statusCode, 201, res.body)
    created.push(res.json().id)
  }
  const cancelled = (await app.inject({ method: 'GET', url: `/v1/events/${created[0]}`, headers: staff })).headers.etag as string
  t.equal((await app.inject({ method: 'POST', url: `/v1/events/${created[0]}/cancel`, headers: { ...staff, 'if-match': cancelled }, payload: { reason: 'Storm' } })).statusCode, 200)

  // Events of the demo's loop: published feedback, decisions and report-backs.
  const withLoop = (await database.raw<{ id: string }>(`SELECT DISTINCT event_id AS id FROM feedback_items WHERE visibility = 'published' AND event_id IS NOT NULL ORDER BY 1 LIMIT 6`)).map((r) => r.id)
  t.ok(withLoop.length >= 3, 'the demo has events with published feedback')
  // Areas are a hierarchy: a district's filter takes in its beats on both paths (the demo's events are in beats).
  const [district] = await database.raw<{ id: string }>(`SELECT d.id FROM areas d WHERE d.parent_id IS NULL AND EXISTS (SELECT 1 FROM events e JOIN areas b ON b.id = e.area_id WHERE b.parent_id = d.id) ORDER BY d.code LIMIT 1`)
  t.ok(district, 'the demo has a district whose beats hold events')
  readable.push(
    { name: 'an area filter on a district (its beats included)', query: 'query ($district: ID!) { events(first: 50, filter: { areaId: [$district] }) { nodes { id areaId area { code kind parent { id code } } } } }', variables: { district: district!.id } },
    { name: 'an area filter on a district, paged', query: 'query ($district: ID!, $after: String) { events(first: 4, after: $after, filter: { areaId: [$district] }) { totalCount edges { cursor node { id areaId } } pageInfo { hasNextPage endCursor } } }', variables: { district: district!.id } },
  )
  const inDistrict = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ events(first: 50, filter: { areaId: ["${district!.id}"] }) { nodes { area { parent { id } } } } }` } })
  t.ok(inDistrict.json().data.events.nodes.some((n: { area: { parent: { id: string } | null } | null }) => n.area?.parent?.id === district!.id), "the district's filter finds events in its beats")
  const callers: Record<string, Record<string, string>> = {
    public: {},
    'public, Spanish (Mexico) first': { 'accept-language': 'es-MX, en;q=0.5' },
    'public, Vietnamese': { 'accept-language': 'vi' },
    'staff of metro, French': { ...staff, 'accept-language': 'fr, es;q=0.1' },
    analyst: await bearer({ role: 'analyst' }),
  }

  const ask = (server: FastifyInstance, query: string, variables: Record<string, unknown> | undefined, headers: Record<string, string>) =>
    server.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })

  for (const doc of readable) {
    t.test(`when ${doc.name} is asked, then the read path answers in one statement what the resolvers answer`, async (t) => {
      let answers = ''
      for (const [who, headers] of Object.entries(callers)) {
        let after: string | null = null
        const ids = doc.query.includes('$id') ? [...created, ...withLoop] : [undefined]
        for (const id of ids) {
          // A paged document is walked to its end on both paths.
          for (let page = 0; page < 20; page++) {
            const variables = { ...doc.variables, ...(id ? { id } : {}), ...(doc.query.includes('$after') ? { after } : {}) }
            const before = database.statements.count
            const fast = await ask(app, doc.query, variables, headers)
            const statements = database.statements.count - before
            const slow = await ask(resolvers, doc.query, variables, headers)
            t.equal(fast.statusCode, slow.statusCode, `${who}: status`)
            t.same(fast.json(), slow.json(), `${who}${id ? ` ${id}` : ''}: same answer`)
            answers += JSON.stringify(fast.json())
            t.equal(fast.headers['content-type'], slow.headers['content-type'], `${who}: content type`)
            // A draft the caller may not see is null: the resolvers say why, so that one answer takes two statements.
            if (!fast.json().errors && (!doc.loop || who.startsWith('public'))) t.equal(statements, 1, `${who}: one statement`)
            const info = fast.json().data?.events?.pageInfo
            if (!doc.query.includes('$after') || !info?.hasNextPage) break
            after = info.endCursor
          }
        }
      }
      // The comparison means something only if the loop's relations were there to build.
      if (doc.loop && doc.query.includes('reportBacks')) for (const relation of ['decisions', 'reportBacks']) t.match(answers, new RegExp(`"${relation}":\\[\\{`), `some ${relation} were built`)
    })
  }

  for (const doc of resolved)
    t.test(`when ${doc.name} is asked, then the answer is the resolvers' own`, async (t) => {
      for (const [who, headers] of Object.entries(callers)) {
        const fast = await ask(app, doc.query, doc.variables, headers)
        const slow = await ask(resolvers, doc.query, doc.variables, headers)
        t.equal(fast.statusCode, slow.statusCode, `${who}: status`)
        t.same(fast.json(), slow.json(), `${who}: same answer`)
      }
    })

  t.test('when REST lists and reads events, then the read path answers in one statement what the events service answers', async (t) => {
    const urls = ['/v1/events?limit=7', '/v1/events?limit=50&format=virtual,hybrid&status=scheduled,cancelled,draft', '/v1/events?updatedSince=2020-01-01T00:00:00Z&limit=9', '/v1/events?agency=nowhere', '/v1/events?limit=0', '/v1/events?cursor=bm9wZQ', '/v1/events?lang=es-MX&limit=30', '/v1/events?lang=vi&limit=30', '/v1/events?lang=x_y',
      '/v1/events?limit=7&count=true', '/v1/events?count=true&status=draft', '/v1/events?updatedSince=2020-01-01T00:00:00Z&limit=9&count=true', '/v1/events?agency=nowhere&count=true', '/v1/events?count=false&limit=3', '/v1/events?count=maybe', '/v1/events?count=true&count=true']
    const headersOf = (res: { headers: Record<string, unknown> }) => ({ etag: res.headers.etag, language: res.headers['content-language'], link: res.headers.link, vary: res.headers.vary, type: res.headers['content-type'] })
    // The public's views of single events are kept (event-cache.ts): a read may run no statement, if it answers bytes already answered.
    const answered = new Set<string>()
    for (const [who, headers] of Object.entries(callers)) {
      const pending = [...urls, ...[...created, ...withLoop, 'nope', '00000000-0000-4000-8000-000000000000'].flatMap((id) => [`/v1/events/${id}`, `/v1/events/${id}?lang=vi`])]
      for (let url = pending.shift(); url !== undefined; url = pending.shift()) {
        const before = database.statements.count
        const fast = await app.inject({ method: 'GET', url, headers })
        const statements = database.statements.count - before
        const slow = await resolvers.inject({ method: 'GET', url, headers })
        t.equal(fast.statusCode, slow.statusCode, `${who} ${url}: status`)
        // A problem names its own request; everything else must match.
        const body = (res: { json(): Record<string, unknown> }) => ({ ...res.json(), requestId: undefined })
        t.same(body(fast), body(slow), `${who} ${url}: same body`)
        t.same(headersOf(fast), headersOf(slow), `${who} ${url}: same headers`)
        // A sync read's first page also says what left the caller's view since then: one statement more (the outbox's).
        const syncStart = url.includes('updatedSince=') && !url.includes('cursor=')
        const kept = who.startsWith('public') && url.startsWith('/v1/events/') && statements === 0 && answered.has(fast.body)
        if (fast.statusCode === 200 && !kept) t.equal(statements, syncStart ? 2 : 1, `${who} ${url}: ${syncStart ? 'two statements' : 'one statement'}`)
        answered.add(fast.body)
        // Lists are walked to their end through the Link header.
        const next = /<([^>]+)>; rel="next"/.exec(String(fast.headers.link ?? ''))?.[1]
        if (next && url.startsWith('/v1/events?')) pending.unshift(next)
      }
    }
  })

  t.test('when the read path names a field, then schema.graphql has that field with that type', async (t) => {
    const schema = buildSchema(schemaText)
    for (const [root, type] of Object.entries(readRoots)) t.equal(getNamedType(schema.getQueryType()!.getFields()[root]!.type).name, type, `Query.${root}`)
    for (const [typeName, fields] of Object.entries(readableTypes)) {
      const type = schema.getType(typeName)
      t.ok(isObjectType(type), `${typeName} is an object type`)
      if (!isObjectType(type)) continue
      // REST's view has coHostIds; GraphQL asks for coHosts (resolvers), so a document naming it never validates to here.
      for (const [field, child] of Object.entries(fields).filter(([f]) => f !== '__typename' && !(typeName === 'Event' && f === 'coHostIds'))) {
        const def = type.getFields()[field]
        t.ok(def, `${typeName}.${field} exists`)
        if (def) t.equal(child, isObjectType(getNamedType(def.type)) ? getNamedType(def.type).name : null, `${typeName}.${field}`)
      }
    }
  })

  t.test('when page 1 of thousands of events is read, then its one statement reads the start-time index, not the whole table', async (t) => {
    await database.raw(
      `INSERT INTO events (agency_id, title, kind, format, time_zone, starts_at, ends_at, status, created_at, updated_at)
       SELECT agency_id, title, kind, format, time_zone, starts_at + g * interval '1 hour', ends_at + g * interval '1 hour', status, created_at, updated_at
       FROM events, generate_series(1, 3000) AS g WHERE id = $1`,
      [created[1]],
    )
    await database.raw('ANALYZE events')
    const res = await ask(app, '{ events(first: 50) { nodes { id title area { code } } } }', undefined, {})
    t.equal(res.json().data.events.nodes.length, 50)
    const statement = database.recent.at(-1)!
    t.match(statement.sql, /json_build_object/)
    const plan = (await database.raw<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.sql}`, statement.params)).map((r) => r['QUERY PLAN']).join('\n')
    t.match(plan, /Index Scan using events_starts_at_id_idx/, plan)
    t.notMatch(plan, /Seq Scan on events/, plan)
  })

  t.test('when one document asks for two events by id, then each root answers its own, whichever ids are sent and in what order', async (t) => {
    const query = 'query ($a: ID!, $b: ID!) { x: event(id: $a) { id title } y: event(id: $b) { id } }'
    for (const [a, b] of [[created[0], created[1]], [created[1], created[0]], [created[2], created[2]]]) {
      const before = database.statements.count
      const res = await ask(app, query, { a, b }, {})
      const data = res.json().data
      t.same([data.x.id, data.y.id], [a, b], `x is ${a}, y is ${b}`)
      t.equal(database.statements.count - before, 1, 'one statement')
      t.same(data, (await ask(resolvers, query, { a, b }, {})).json().data, 'as the resolvers answer')
    }
  })

  t.test('when events are asked for by ids written in the document, then each answer is the resolvers’ and one document and one plan serve every id', async (t) => {
    const readPath = readPaths.get(app)!
    const ids = [...created, ...withLoop]
    const shapes = [
      (id: string) => `{ event(id: "${id}") { id title startsAt agency { name } area { code } } }`,
      (id: string) => `{ event(id: "${id}") { id title feedback(first: 10) { totalCount edges { node { id } } } decisions { id title } } }`,
    ]
    for (const shape of shapes) {
      const before = readPath.kept()
      for (let round = 0; round < 2; round++)
        for (const id of ids) {
          const count = database.statements.count
          const fast = await ask(app, shape(id), undefined, {})
          const statements = database.statements.count - count
          t.same(fast.json(), (await ask(resolvers, shape(id), undefined, {})).json(), `${id}: as the resolvers answer`)
          // A draft is null to the public: the resolvers say why.
          if (!fast.json().errors) t.equal(statements, 1, `${id}: one statement`)
        }
      const after = readPath.kept()
      t.same({ documents: after.documents - before.documents, plans: after.plans - before.plans }, { documents: 1, plans: 1 }, `one document and one plan for ${ids.length} ids`)
    }
  })

  t.test('when page sizes written in a document make it too costly, then it is refused as written, whichever shape it shares', async (t) => {
    const pages = (n: number) => `{ ${Array.from({ length: 12 }, (_, i) => `p${i}: events(first: ${n}) { edges { node { id title startsAt agency { name } area { code } } } }`).join(' ')} }`
    // The same shape with small pages is answered (and kept) first: a costly page size must not ride on it.
    for (let i = 0; i < 3; i++) t.equal((await ask(app, pages(2), undefined, {})).statusCode, 200, 'small pages are answered')
    const fast = await ask(app, pages(100), undefined, {})
    t.equal(fast.statusCode, 400, 'refused')
    t.match(fast.json().errors?.[0]?.message, /cost/i, 'for its cost')
    t.same(fast.json(), (await ask(resolvers, pages(100), undefined, {})).json(), "as the resolvers' path refuses it")
  })

  t.test("when an event holds thousands of feedback items, then the public's page of them and their total read the event's published-feedback index", async (t) => {
    // Copies of one published item at the event, some hidden or deleted, so the index's condition has rows to leave out.
    const columns = (await database.raw<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'feedback_items' AND column_name NOT IN ('id', 'event_id', 'received_at', 'visibility', 'deleted_at') AND is_generated = 'NEVER'`,
    )).map((c) => `"${c.column_name}"`)
    await database.raw(
      `INSERT INTO feedback_items (${columns.join(', ')}, event_id, received_at, visibility, deleted_at)
       SELECT ${columns.map((c) => `f.${c}`).join(', ')}, $1, e.starts_at + g * interval '1 minute',
         CASE WHEN g % 3 = 0 THEN 'private'::feedback_visibility ELSE 'published'::feedback_visibility END, CASE WHEN g % 7 = 0 THEN e.starts_at END
       FROM (SELECT * FROM feedback_items WHERE visibility = 'published' AND deleted_at IS NULL LIMIT 1) f, events e, generate_series(1, 3000) AS g WHERE e.id = $1`,
      [created[1]],
    )
    await database.raw('ANALYZE feedback_items')
    const res = await ask(app, 'query ($id: ID!) { event(id: $id) { id feedback(first: 10) { totalCount nodes { id } } } }', { id: created[1] }, {})
    t.equal(res.json().data.event.feedback.nodes.length, 10)
    t.ok(res.json().data.event.feedback.totalCount > 1_500)
    const statement = database.recent.at(-1)!
    const plan = (await database.raw<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.sql}`, statement.params)).map((r) => r['QUERY PLAN']).join('\n')
    t.match(plan, /feedback_items_event_published_idx/, plan)
    t.notMatch(plan, /Seq Scan on feedback_items/, plan)
  })
})
