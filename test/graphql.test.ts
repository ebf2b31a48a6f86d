// GraphQL over the same services as REST: listings, relations, paging, languages, idempotent creates, a real client.
import type { FastifyInstance } from 'fastify'
import { gql, GraphQLClient } from 'graphql-request'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

type GraphqlError = { message: string; path?: (string | number)[]; extensions: { code: string; errors?: { field: string; message: string }[] } }
type GraphqlReply<T> = { status: number; contentType: string | undefined; data: T | null | undefined; errors: GraphqlError[] | undefined }

async function graphql<T = any>(app: FastifyInstance, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GraphqlReply<T>> {
  const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })
  const body = res.json()
  return { status: res.statusCode, contentType: res.headers['content-type'] as string | undefined, data: body.data, errors: body.errors }
}

/** Schedules events over REST, one day apart from a start date, and returns their ids in creation order. */
async function scheduleOverRest(app: FastifyInstance, count: number, overrides: (i: number) => Record<string, unknown> = () => ({})) {
  const staff = await bearer()
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const day = String(1 + ((i * 7) % 28)).padStart(2, '0')
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: staff,
      payload: eventBody({ startsAt: `2027-04-${day}T09:00:00-04:00`, endsAt: `2027-04-${day}T10:00:00-04:00`, ...overrides(i) }),
    })
    if (res.statusCode !== 201) throw new Error(`could not schedule: ${res.body}`)
    ids.push(res.json().id)
  }
  return ids
}

const EVENT_IDS = /* GraphQL */ `
  query ($filter: EventFilter, $first: Int, $after: String) {
    events(filter: $filter, first: $first, after: $after) {
      edges { cursor node { id } }
      nodes { id }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`

t.test('events query', async (t) => {
  const { app, fixtures } = await build(t)
  await scheduleOverRest(app, 5, (i) => ({ areaId: i % 2 ? fixtures.areas.north.id : fixtures.areas.south.id }))
  await scheduleOverRest(app, 2, () => ({ format: 'virtual', venue: undefined, online: { joinUrl: 'https://meet.example.org/x' } }))

  t.test('when events are listed, then GraphQL gives the ids in the order GET /v1/events does', async (t) => {
    const rest = (await app.inject({ method: 'GET', url: '/v1/events?limit=100' })).json()
    const res = await graphql(app, EVENT_IDS, { first: 100 })
    t.equal(res.status, 200)
    t.match(res.contentType, /^application\/json/)
    t.same(res.errors, undefined)
    t.equal(res.data.events.nodes.length, 7)
    t.same(res.data.events.nodes.map((n: { id: string }) => n.id), rest.data.map((e: { id: string }) => e.id))
    t.same(res.data.events.edges.map((e: { node: { id: string } }) => e.node.id), rest.data.map((e: { id: string }) => e.id))
  })

  t.test('when a filter is given, then it selects what the REST query string does (enum values in upper case)', async (t) => {
    const rest = (await app.inject({ method: 'GET', url: `/v1/events?format=virtual&limit=100` })).json()
    const res = await graphql(app, `{ events(filter: { format: [VIRTUAL] }) { nodes { id format } } }`)
    t.same(res.errors, undefined)
    t.equal(res.data.events.nodes.length, 2)
    t.same(res.data.events.nodes.map((n: { id: string }) => n.id), rest.data.map((e: { id: string }) => e.id))
    t.ok(res.data.events.nodes.every((n: { format: string }) => n.format === 'VIRTUAL'))

    const byArea = await graphql(app, EVENT_IDS, { filter: { areaId: [fixtures.areas.north.id], accommodation: ['STEP_FREE_ACCESS'] } })
    const restByArea = (await app.inject({ method: 'GET', url: `/v1/events?areaId=${fixtures.areas.north.id}&accommodation=step_free_access` })).json()
    t.same(byArea.data.events.nodes.map((n: { id: string }) => n.id), restByArea.data.map((e: { id: string }) => e.id))
    t.equal(byArea.data.events.nodes.length, 2)
  })

  t.test('when paging with first: 2 and after: endCursor, then every event is seen once, in order', async (t) => {
    const all = (await graphql(app, EVENT_IDS, { first: 100 })).data.events.nodes.map((n: { id: string }) => n.id)
    const seen: string[] = []
    let after: string | null = null
    let pages = 0
    for (;;) {
      const res: GraphqlReply<any> = await graphql(app, EVENT_IDS, { first: 2, after })
      t.same(res.errors, undefined)
      const { nodes, pageInfo } = res.data.events
      pages++
      seen.push(...nodes.map((n: { id: string }) => n.id))
      t.equal(pageInfo.hasPreviousPage, false)
      t.equal(pageInfo.startCursor, res.data.events.edges[0].cursor)
      t.equal(pageInfo.endCursor, res.data.events.edges.at(-1).cursor)
      if (!pageInfo.hasNextPage) break
      after = pageInfo.endCursor
      if (pages > 10) break
    }
    t.equal(pages, 4)
    t.same(seen, all, 'no duplicates and no gaps')
  })

  t.test('when resuming after any edge cursor, then the listing continues right after that edge', async (t) => {
    const first = (await graphql(app, EVENT_IDS, { first: 100 })).data.events
    const ids = first.nodes.map((n: { id: string }) => n.id)
    for (const [i, edge] of first.edges.entries()) {
      const rest = await graphql(app, EVENT_IDS, { first: 100, after: edge.cursor })
      t.same(rest.data.events.nodes.map((n: { id: string }) => n.id), ids.slice(i + 1), `after edge ${i}`)
    }
  })

  t.test('when a cursor from another listing or a made-up one is given, then INVALID_CURSOR', async (t) => {
    const res = await graphql(app, EVENT_IDS, { after: 'not-a-cursor' })
    t.equal(res.errors?.[0]?.extensions.code, 'INVALID_CURSOR')
    t.equal(res.data, null)
  })

  t.test('when first is 1000, then VALIDATION_FAILED names first', async (t) => {
    const res = await graphql(app, EVENT_IDS, { first: 1000 })
    t.equal(res.status, 200)
    t.equal(res.errors?.length, 1)
    t.equal(res.errors![0]!.extensions.code, 'VALIDATION_FAILED')
    t.same(res.errors![0]!.extensions.errors?.map((e) => e.field), ['first'])
  })
})

t.test('when an event is created over REST, then GraphQL shows it; when scheduled by mutation, then REST shows it', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const [restId] = await scheduleOverRest(app, 1)
  const overGraphql = await graphql(app, `query ($id: ID!) { event(id: $id) { id title startsAt endsAt status format kind version } }`, { id: restId })
  const overRest = (await app.inject({ method: 'GET', url: `/v1/events/${restId}` })).json()
  t.same(overGraphql.errors, undefined)
  t.same(overGraphql.data.event, {
    id: restId,
    title: overRest.title,
    startsAt: overRest.startsAt,
    endsAt: overRest.endsAt,
    status: 'SCHEDULED',
    format: 'IN_PERSON',
    kind: 'COFFEE_WITH_AN_OFFICER',
    version: overRest.version,
  })
  t.equal(overGraphql.data.event.startsAt, '2027-04-01T09:00:00-04:00', 'times keep the event zone offset')

  const scheduled = await graphql(
    app,
    `mutation ($input: ScheduleEventInput!) { scheduleEvent(input: $input) { replayed event { id title status startsAt accommodations translations { title { language text } } } } }`,
    {
      input: {
        title: [
          { language: 'en', text: 'Listening session' },
          { language: 'vi', text: 'Buổi lắng nghe' },
        ],
        kind: 'LISTENING_SESSION',
        format: 'IN_PERSON',
        startsAt: '2027-05-02T18:00:00-04:00',
        endsAt: '2027-05-02T19:30:00-04:00',
        venue: { name: 'Library hall', address: { locality: 'Metro', country: 'us' } },
        accommodations: ['LIVE_CAPTIONING', 'CHILDCARE'],
      },
    },
    staff,
  )
  t.same(scheduled.errors, undefined)
  const created = scheduled.data.scheduleEvent
  t.equal(created.replayed, false)
  t.equal(created.event.status, 'SCHEDULED')
  t.same(created.event.accommodations, ['LIVE_CAPTIONING', 'CHILDCARE'])
  t.same(created.event.translations.title, [
    { language: 'en', text: 'Listening session' },
    { language: 'vi', text: 'Buổi lắng nghe' },
  ])
  const fromRest = await app.inject({ method: 'GET', url: `/v1/events/${created.event.id}` })
  t.equal(fromRest.statusCode, 200)
  t.match(fromRest.json(), {
    id: created.event.id,
    title: 'Listening session',
    kind: 'listening_session',
    accommodations: ['live_captioning', 'childcare'],
    startsAt: created.event.startsAt,
    translations: { title: { en: 'Listening session', vi: 'Buổi lắng nghe' } },
    venue: { name: 'Library hall', address: { locality: 'Metro', country: 'US' } },
  })
})

t.test('when language "es" is asked for, then titles are Spanish; without it, Accept-Language decides', async (t) => {
  const { app } = await build(t)
  const [id] = await scheduleOverRest(app, 1)
  const spanish = await graphql(app, `query ($id: ID!) { event(id: $id, language: "es") { title contentLanguage } events(language: "es") { nodes { title } } }`, { id })
  t.same(spanish.data.event, { title: 'Café con un policía', contentLanguage: 'es' })
  t.same(spanish.data.events.nodes, [{ title: 'Café con un policía' }])

  const negotiated = await graphql(app, `query ($id: ID!) { event(id: $id) { title contentLanguage } }`, { id }, { 'accept-language': 'es-MX, en;q=0.5' })
  t.same(negotiated.data.event, { title: 'Café con un policía', contentLanguage: 'es' })

  const argumentWins = await graphql(app, `query ($id: ID!) { event(id: $id, language: "en") { title } }`, { id }, { 'accept-language': 'es' })
  t.equal(argumentWins.data.event.title, 'Coffee with a Cop')

  const fallback = await graphql(app, `query ($id: ID!) { event(id: $id, language: "fr") { title contentLanguage } }`, { id })
  t.same(fallback.data.event, { title: 'Coffee with a Cop', contentLanguage: 'en' }, 'the agency default when the language is missing')
})

t.test('when a create is replayed with its idempotencyKey, then replayed is true and the id is the same', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const mutation = `mutation ($input: ScheduleEventInput!, $key: String) { scheduleEvent(input: $input, idempotencyKey: $key) { replayed event { id } } }`
  const input = {
    title: [{ language: 'en', text: 'Town hall' }],
    kind: 'TOWN_HALL',
    format: 'VIRTUAL',
    startsAt: '2027-06-01T18:00:00-04:00',
    endsAt: '2027-06-01T19:00:00-04:00',
    online: { joinUrl: 'https://meet.example.org/town-hall', dialIn: { number: '+1 555 0100', accessCode: '1234' } },
  }
  const first = await graphql(app, mutation, { input, key: 'town-hall-1' }, staff)
  const again = await graphql(app, mutation, { input, key: 'town-hall-1' }, staff)
  t.same(first.errors, undefined)
  t.equal(first.data.scheduleEvent.replayed, false)
  t.same(again.data.scheduleEvent, { replayed: true, event: { id: first.data.scheduleEvent.event.id } })
  const list = await graphql(app, `{ events { nodes { id } } }`)
  t.equal(list.data.events.nodes.length, 1, 'only one event was created')

  const reused = await graphql(app, mutation, { input: { ...input, title: [{ language: 'en', text: 'Other' }] }, key: 'town-hall-1' }, staff)
  t.equal(reused.errors?.[0]?.extensions.code, 'IDEMPOTENCY_KEY_REUSED')
  const badKey = await graphql(app, mutation, { input, key: 'has spaces' }, staff)
  t.equal(badKey.errors?.[0]?.extensions.code, 'VALIDATION_FAILED')
  t.same(badKey.errors?.[0]?.extensions.errors?.map((e) => e.field), ['idempotencyKey'])
})

t.test('when event commands run over GraphQL, then the status machine and versions behave as over REST', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const draft = await graphql(
    app,
    `mutation ($input: ScheduleEventInput!) { scheduleEvent(input: $input) { event { id status version } } }`,
    { input: { title: [{ language: 'en', text: 'Youth basketball' }], kind: 'YOUTH_EVENT', format: 'IN_PERSON', draft: true, startsAt: '2027-07-01T17:00:00-04:00', endsAt: '2027-07-01T19:00:00-04:00', venue: { name: 'Gym' } } },
    staff,
  )
  const { id, version } = draft.data.scheduleEvent.event
  t.equal(draft.data.scheduleEvent.event.status, 'DRAFT')
  t.equal((await graphql(app, `{ events { nodes { id } } }`)).data.events.nodes.length, 0, 'the public does not see drafts')
  t.equal((await graphql(app, `{ events { nodes { id } } }`, {}, staff)).data.events.nodes.length, 1, 'staff do')

  const updated = await graphql(app, `mutation ($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: { capacity: 30, hostUnit: null, description: [{ language: "en", text: "Bring shoes" }] }) { version capacity description } }`, { id, v: version }, staff)
  t.same(updated.errors, undefined)
  t.same(updated.data.updateEvent, { version: version + 1, capacity: 30, description: 'Bring shoes' })

  const published = await graphql(app, `mutation ($id: ID!, $v: Int!) { publishEvent(id: $id, expectedVersion: $v) { status version } }`, { id, v: version + 1 }, staff)
  t.same(published.data.publishEvent, { status: 'SCHEDULED', version: version + 2 })

  const rescheduled = await graphql(
    app,
    `mutation ($id: ID!, $v: Int!) { rescheduleEvent(id: $id, expectedVersion: $v, input: { startsAt: "2027-07-08T17:00:00-04:00", endsAt: "2027-07-08T19:00:00-04:00", reason: "Gym booked" }) { startsAt statusReason sequence } }`,
    { id, v: version + 2 },
    staff,
  )
  t.same(rescheduled.data.rescheduleEvent, { startsAt: '2027-07-08T17:00:00-04:00', statusReason: 'Gym booked', sequence: 3 })

  const postponed = await graphql(app, `mutation ($id: ID!, $v: Int!) { postponeEvent(id: $id, expectedVersion: $v, reason: "Weather") { status statusReason } }`, { id, v: version + 3 }, staff)
  t.same(postponed.data.postponeEvent, { status: 'POSTPONED', statusReason: 'Weather' })

  const cancelled = await graphql(app, `mutation ($id: ID!, $v: Int!) { cancelEvent(id: $id, expectedVersion: $v) { status } }`, { id, v: version + 4 }, staff)
  t.same(cancelled.data.cancelEvent, { status: 'CANCELLED' })
  const rest = (await app.inject({ method: 'GET', url: `/v1/events/${id}` })).json()
  t.match(rest, { status: 'cancelled', version: version + 5, capacity: 30, startsAt: '2027-07-08T17:00:00-04:00' })
})

t.test('when a series is created, changed and cancelled over GraphQL, then its occurrences follow', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const created = await graphql(
    app,
    `mutation ($input: CreateSeriesInput!) {
      createSeries(input: $input, idempotencyKey: "walks") {
        replayed
        series { id version status recurrence { rule start durationMinutes exceptions } rotation { areaId venue { name } } occurrences(first: 2) { nodes { startsAt area { code } venue { name } } pageInfo { hasNextPage endCursor } } }
      }
    }`,
    {
      input: {
        title: [
          { language: 'en', text: 'Community walk' },
          { language: 'es', text: 'Caminata comunitaria' },
        ],
        kind: 'COMMUNITY_WALK',
        format: 'IN_PERSON',
        recurrence: { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=4', start: '2027-01-12T18:30', durationMinutes: 90, exceptions: [] },
        rotation: [
          { venue: { name: 'North library' }, areaId: fixtures.areas.north.id },
          { venue: { name: 'South park' }, areaId: fixtures.areas.south.id },
        ],
      },
    },
    staff,
  )
  t.same(created.errors, undefined)
  const series = created.data.createSeries.series
  t.equal(series.status, 'ACTIVE')
  t.same(series.recurrence, { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=4', start: '2027-01-12T18:30', durationMinutes: 90, exceptions: [] })
  t.same(series.occurrences.nodes, [
    { startsAt: '2027-01-12T18:30:00-05:00', area: { code: 'D1' }, venue: { name: 'North library' } },
    { startsAt: '2027-02-09T18:30:00-05:00', area: { code: 'D2' }, venue: { name: 'South park' } },
  ])
  t.equal(series.occurrences.pageInfo.hasNextPage, true)

  const rest = await graphql(app, `query ($id: ID!, $after: String) { seriesById(id: $id, language: "es") { title occurrences(after: $after) { nodes { title series { id title } } } } }`, {
    id: series.id,
    after: series.occurrences.pageInfo.endCursor,
  })
  t.equal(rest.data.seriesById.title, 'Caminata comunitaria')
  t.equal(rest.data.seriesById.occurrences.nodes.length, 2)
  t.same(rest.data.seriesById.occurrences.nodes[0], { title: 'Caminata comunitaria', series: { id: series.id, title: 'Caminata comunitaria' } }, 'nested text follows the parent language')

  const listed = await graphql(app, `{ series(agency: "metro") { nodes { id } pageInfo { hasNextPage } } }`)
  t.same(listed.data.series, { nodes: [{ id: series.id }], pageInfo: { hasNextPage: false } })

  const updated = await graphql(app, `mutation ($id: ID!, $v: Int!) { updateSeries(id: $id, expectedVersion: $v, input: { capacity: 25 }) { version capacity occurrences { nodes { capacity } } } }`, { id: series.id, v: series.version }, staff)
  t.same(updated.errors, undefined)
  t.equal(updated.data.updateSeries.capacity, 25)
  t.ok(updated.data.updateSeries.occurrences.nodes.every((o: { capacity: number }) => o.capacity === 25))

  const cancelled = await graphql(app, `mutation ($id: ID!, $v: Int!) { cancelSeries(id: $id, expectedVersion: $v, reason: "Ended") { status occurrences { nodes { status statusReason } } } }`, { id: series.id, v: series.version + 1 }, staff)
  t.equal(cancelled.data.cancelSeries.status, 'CANCELLED')
  t.ok(cancelled.data.cancelSeries.occurrences.nodes.every((o: { status: string; statusReason: string }) => o.status === 'CANCELLED' && o.statusReason === 'Ended'))
})

t.test('when a page of 20 events selects agency and area, then it runs no more statements than a page of 2', async (t) => {
  const { app, database, fixtures } = await build(t)
  await scheduleOverRest(app, 22, (i) => ({ areaId: [fixtures.areas.north.id, fixtures.areas.south.id][i % 2] }))
  const query = `query ($first: Int) { events(first: $first) { nodes { id agency { name areas { code } } area { code name agency { slug } } } } }`
  const cost = async (first: number) => {
    const before = database.statements.count
    const res = await graphql(app, query, { first })
    t.same(res.errors, undefined)
    t.equal(res.data.events.nodes.length, first)
    t.ok(res.data.events.nodes.every((n: { area: { code: string } | null; agency: { name: string } }) => n.area?.code && n.agency.name === 'Metro Police Department'))
    return database.statements.count - before
  }
  await cost(2) // warms the agencies cache, as any earlier request would
  const two = await cost(2)
  const twenty = await cost(20)
  t.ok(two > 0, `a page of 2 ran ${two} statements`)
  t.ok(twenty <= two, `a page of 20 ran ${twenty} statements, a page of 2 ran ${two}`)
})

t.test('when a real GraphQL client talks to the server over a loopback socket, then queries and errors work', async (t) => {
  const { app } = await build(t)
  const [id] = await scheduleOverRest(app, 1)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address() as { port: number }
  const client = new GraphQLClient(`http://127.0.0.1:${address.port}/graphql`, { headers: { 'accept-language': 'es' } })

  const data = await client.request<{ event: { id: string; title: string; agency: { slug: string } } }>(
    gql`
      query Event($id: ID!) {
        event(id: $id) {
          id
          title
          agency {
            slug
          }
        }
      }
    `,
    { id },
  )
  t.same(data.event, { id, title: 'Café con un policía', agency: { slug: 'metro' } })

  const staffClient = new GraphQLClient(`http://127.0.0.1:${address.port}/graphql`, { headers: await bearer() })
  const done = await staffClient.request<{ cancelEvent: { status: string } }>(gql`mutation ($id: ID!) { cancelEvent(id: $id, expectedVersion: 1, reason: "Storm") { status } }`, { id })
  t.same(done.cancelEvent, { status: 'CANCELLED' })

  const failure = await client.request(gql`mutation ($id: ID!) { completeEvent(id: $id, expectedVersion: 2) { status } }`, { id }).catch((err: unknown) => err)
  t.match(failure, { response: { status: 200, errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } })
})
