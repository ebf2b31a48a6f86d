// Issue 18 item 10: what a client reads it can send back; feedback history answers a partner rightly; the contract says what q searches.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { openapiDocument } from './helpers/openapi.ts'

const json = (res: { body: string }) => JSON.parse(res.body)

t.test('when an event read with null optional fields is posted back as a new event, then it is accepted with the same content', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const created = json(await app.inject({
    method: 'POST', url: '/v1/events', headers: staff,
    payload: eventBody({ format: 'hybrid', online: { joinUrl: 'https://meet.example.org/j/1' }, capacity: undefined, areaId: undefined }),
  }))
  const read = json(await app.inject({ method: 'GET', url: `/v1/events/${created.id}` }))
  t.same(read.online, { joinUrl: 'https://meet.example.org/j/1', dialIn: null, captionsUrl: null }, 'a read gives absent parts as null')
  t.equal(read.areaId, null)

  // The write shape: the read's content fields, with translations for title and description.
  const { title: _t, description: _d, translations, id: _i, agencyId: _a, contentLanguage: _c, descriptionLanguage: _dl, availableLanguages: _al, status: _s, statusReason: _sr,
    seriesId: _si, recurrenceId: _r, sequence: _q, version: _v, createdAt: _ca, updatedAt: _u, deletedAt: _da, ...content } = read
  const again = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: { ...content, title: translations.title, description: translations.description } })
  t.equal(again.statusCode, 201, 'null for absent optional fields is accepted')
  const copy = json(again)
  t.same(copy.online, read.online, 'the same way in')
  t.same(copy.venue, read.venue, 'the same place')
  t.equal(copy.capacity, null)

  const bad = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ online: { joinUrl: null, dialIn: { number: 'x' } }, format: 'virtual', venue: null }) })
  t.equal(bad.statusCode, 400, 'null does not excuse a bad value')
  t.match(json(bad).errors, [{ field: 'online.dialIn.number' }])
  const none = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ format: 'virtual', venue: null, online: null }) })
  t.equal(none.statusCode, 400, 'a virtual event with online: null still needs a way in')
})

t.test('when a partner or analyst asks for a feedback item’s history, then the problem says it is staff-only reading', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const org = json(await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Hillcrest Neighbours', kind: 'neighbourhood_association' } }))
  const partner = await bearer({ role: 'partner', sub: 'p-1', claims: { org: org.id } })
  const item = json(await app.inject({ method: 'POST', url: '/v1/feedback', headers: partner, payload: { body: 'Lights out on Elm.', language: 'en', topic: 'community_safety' } }))
  for (const [who, headers] of [['partner', partner], ['analyst', await bearer({ role: 'analyst' })]] as const) {
    const res = await app.inject({ method: 'GET', url: `/v1/feedback/${item.id}/history`, headers })
    t.equal(res.statusCode, 403, who)
    t.equal(json(res).code, 'FORBIDDEN')
    t.equal(json(res).detail, 'Only agency staff may read the history of feedback', `${who}: a read, not a change`)
  }
  t.equal((await app.inject({ method: 'GET', url: `/v1/feedback/${item.id}/history`, headers: staff })).statusCode, 200)
})

t.test('when the contract describes q, then feedback’s and decisions’ say what they search, not what events search', async (t) => {
  const doc = openapiDocument as any
  const q = (path: string) => {
    const params = doc.paths[path].get.parameters.map((p: { $ref?: string }) => (p.$ref ? doc.components.parameters[p.$ref.split('/').pop()!] : p))
    return params.find((p: { name: string }) => p.name === 'q').description as string
  }
  t.match(q('/v1/events'), /venue names/)
  for (const path of ['/v1/feedback', '/v1/feedback.csv']) {
    t.notMatch(q(path), /venue|titles/, `${path}: not the events' description`)
    t.match(q(path), /published text/, `${path}: says who searches what`)
  }
  t.match(q('/v1/decisions'), /rationales/)
})

t.test('when a decision answers many feedback items, then GraphQL pages them with a total and reads on with after', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const ids: string[] = []
  for (let i = 0; i < 5; i++)
    ids.push(json(await app.inject({ method: 'POST', url: '/v1/feedback', headers: staff, payload: { body: `Item ${i}`, language: 'en', topic: 'community_safety' } })).id)
  const decision = json(await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'More patrols' }, feedbackIds: ids } }))
  const page = async (after: string | null, first = 2) =>
    json(await app.inject({
      method: 'POST', url: '/graphql', headers: staff,
      payload: { query: 'query ($id: ID!, $first: Int, $after: String) { decision(id: $id) { feedback(first: $first, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } }', variables: { id: decision.id, first, after } },
    }))
  const seen: string[] = []
  let after: string | null = null
  for (let n = 0; n < 5; n++) {
    const { data } = await page(after)
    const feedback = data.decision.feedback
    t.equal(feedback.totalCount, 5, `page ${n + 1}: the total`)
    seen.push(...feedback.nodes.map((f: { id: string }) => f.id))
    if (!feedback.pageInfo.hasNextPage) break
    after = feedback.pageInfo.endCursor
  }
  t.same([...seen].sort(), [...ids].sort(), 'three pages of at most two give every item once')
  t.equal(seen.length, 5)
  const bad = await page(null, 500)
  t.equal(bad.errors[0].extensions.code, 'VALIDATION_FAILED', 'first above 100 is refused')
  const badCursor = await page('bm9wZQ')
  t.equal(badCursor.errors[0].extensions.code, 'INVALID_CURSOR')
})
