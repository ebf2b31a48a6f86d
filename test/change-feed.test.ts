// The change feed's rules: commit order with an opaque cursor (also on an empty page), what each caller may learn of,
// tombstones for what left their view, repeats collapsed, bad cursors refused; and updatedSince lists naming removals.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { outboxSettled } from './helpers/outbox.ts'
import { eventBody } from './helpers/fixtures.ts'

t.test('when resources change, then each caller reads the changes they may see, with tombstones for what left their view', async (t) => {
  const { app, clock, database } = await build(t)
  const staff = await bearer()
  const lakesideStaff = await bearer({ agency: 'lakeside', sub: 'lake-1' })
  const analyst = await bearer({ role: 'analyst', sub: 'analyst-1' })
  const send = async (method: string, url: string, headers: Record<string, string> = {}, payload?: unknown) => {
    const res = await app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as never }) })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.body}`)
    return res.json()
  }
  const settled = () => outboxSettled(database)
  const feed = async (headers: Record<string, string> = {}, query = '') => {
    await settled()
    return send('GET', `/v1/changes${query}`, headers)
  }
  const since = clock.now().toISOString()

  const start = await feed()
  t.same(start.data, [], 'an empty feed')
  t.type(start.cursor, 'string', 'still gives a cursor to poll with')
  t.equal(start.hasMore, false)

  const draft = await send('POST', '/v1/events', staff, eventBody({ draft: true }))
  const shown = await send('POST', '/v1/events', staff, eventBody())
  const feedback = await send('POST', '/v1/feedback', {}, { agency: 'metro', body: 'Call me at 555-201-4477 about Elm St', language: 'en', topic: 'community_safety', publish: true })
  await send('POST', `/v1/feedback/${feedback.id}/moderation`, { ...staff, 'if-match': '"1"' }, { action: 'publish' })

  const pub = await feed()
  t.same(pub.data.map((e: any) => [e.resourceType, e.id, e.type]), [['event', shown.id, 'event.scheduled'], ['feedback', feedback.id, 'feedback.published']], 'the public reads what is public, never the draft')
  const publicFeedback = pub.data[1].resource
  t.same(publicFeedback, await send('GET', `/v1/feedback/${feedback.id}`), 'an upsert is the resource exactly as its own read gives it to this caller')
  t.notMatch(JSON.stringify(pub), /555-201-4477/, 'redacted as on the resource endpoint')
  t.same(await feed({}, `?after=${pub.cursor}`), { data: [], cursor: pub.cursor, hasMore: false }, 'polling at the end: an empty page with the same cursor')

  const own = await feed(staff)
  t.same(own.data.map((e: any) => e.id), [draft.id, shown.id, feedback.id], 'staff read their drafts too; a repeat collapses to the latest change')
  t.equal(own.data[2].type, 'feedback.published')
  t.same((await feed(lakesideStaff)).data.map((e: any) => e.id), [shown.id, feedback.id], 'another agency reads only what is public')

  // Paging: one row a page, each page's cursor leads on.
  const seen: string[] = []
  let cursor: string | undefined
  for (let i = 0; i < 10; i++) {
    const page = await feed(staff, `?limit=1${cursor ? `&after=${cursor}` : ''}`)
    seen.push(...page.data.map((e: any) => `${e.id}:${e.type}`))
    cursor = page.cursor
    if (!page.hasMore) break
  }
  t.same(seen, [`${draft.id}:event.scheduled`, `${shown.id}:event.scheduled`, `${feedback.id}:feedback.received`, `${feedback.id}:feedback.published`], 'pages in commit order')

  // Withholding: the public and other agencies get a tombstone; the analyst still sees the item.
  await send('POST', `/v1/feedback/${feedback.id}/moderation`, { ...staff, 'if-match': '"2"' }, { action: 'withhold' })
  const gone = await feed({}, `?after=${pub.cursor}`)
  t.same(gone.data.map((e: any) => [e.id, e.type, e.tombstone, e.reason, e.resource]), [[feedback.id, 'feedback.withdrawn', true, 'removed', undefined]], 'the public gets a tombstone')
  const kept = (await feed(analyst)).data.find((e: any) => e.id === feedback.id)
  t.equal(kept.tombstone, undefined, 'the analyst of the agency still sees it')
  t.equal(kept.resource.visibility, 'withheld')

  // A draft never public is never mentioned to the public, even when it changes.
  await send('PATCH', `/v1/events/${draft.id}`, { ...staff, 'if-match': '"1"' }, { capacity: 12 })
  t.notOk((await feed()).data.some((e: any) => e.id === draft.id), 'a draft changed is not news to the public')

  // A decision published then retracted: upsert, then a tombstone for the public; staff keep it.
  const decision = await send('POST', '/v1/decisions', staff, { title: { en: 'Speed bumps' }, publication: 'published' })
  const before = (await feed()).cursor
  await send('PATCH', `/v1/decisions/${decision.id}`, { ...staff, 'if-match': '"1"' }, { publication: 'draft' })
  t.same((await feed({}, `?after=${before}`)).data.map((e: any) => [e.id, e.type, e.tombstone]), [[decision.id, 'decision.retracted', true]], 'a retraction is a tombstone to the public')
  t.equal((await feed(staff, `?after=${before}`)).data[0].resource.publication, 'draft', 'staff read the draft')

  // updatedSince lists name what left view beside their items.
  const decisions = await send('GET', `/v1/decisions?updatedSince=${encodeURIComponent(since)}`)
  t.same(decisions.removed.map((r: any) => r.id), [decision.id], 'a public sync read of decisions names the retracted one')
  const items = await send('GET', `/v1/feedback?updatedSince=${encodeURIComponent(since)}`)
  t.same(items.removed.map((r: any) => r.id), [feedback.id], 'and of feedback the withheld item')
  const events = await send('GET', `/v1/events?updatedSince=${encodeURIComponent(since)}`)
  t.same(events.removed, [], 'an event never public is not named to the public')
  t.same((await send('GET', `/v1/decisions?updatedSince=${encodeURIComponent(since)}`, staff)).removed, [], 'staff still see the draft')
  t.equal((await send('GET', '/v1/decisions')).removed, undefined, 'a list read without updatedSince is as before')

  // Bad input is a problem, over REST and GraphQL.
  for (const bad of ['nonsense', 'c1.x.1', 'c1.1', 'c2.1.1', `c1.1.${'9'.repeat(30)}`, `c1.1.${'9'.repeat(19)}`, `c1.${'9'.repeat(20)}.1`, 'c1.-1.1']) {
    const res = await app.inject({ method: 'GET', url: `/v1/changes?after=${bad}` })
    t.equal(res.statusCode, 400, `after=${bad.slice(0, 12)} is refused`)
    t.equal(res.json().code, 'INVALID_CURSOR')
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/changes?limit=500' })).json().code, 'VALIDATION_FAILED')
  t.equal((await app.inject({ method: 'GET', url: '/v1/changes?since=yesterday' })).json().code, 'VALIDATION_FAILED')
  const gql = async (query: string, headers: Record<string, string> = {}) => (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } })).json()
  t.equal((await gql('{ changes(after: "nonsense") { cursor } }')).errors[0].extensions.code, 'INVALID_CURSOR')
  t.equal((await gql('{ changes(first: 0) { cursor } }')).errors[0].extensions.code, 'VALIDATION_FAILED')

  // GraphQL reads the same feed: the resource in the field its type names.
  const g = await gql('{ changes(first: 100) { cursor hasMore entries { type resourceType id tombstone reason event { id status } feedback { id visibility } decision { id publication } } } }')
  t.same(g.errors, undefined)
  const rest = await feed({}, '?limit=100')
  t.equal(g.data.changes.cursor, rest.cursor, 'the same cursor as REST')
  t.same(
    g.data.changes.entries.map((e: any) => [e.id, e.type, e.tombstone]),
    rest.data.map((e: any) => [e.id, e.type, e.tombstone === true]),
    'the same entries as REST',
  )
  const event = g.data.changes.entries.find((e: any) => e.id === shown.id)
  t.same([event.resourceType, event.event, event.feedback], ['EVENT', { id: shown.id, status: 'SCHEDULED' }, null])
  t.equal(g.data.changes.entries.find((e: any) => e.id === feedback.id).reason, 'removed')
})

t.test('when a GraphQL sync read selects removed, then it names what left the caller view, as REST does', async (t) => {
  const { app, clock } = await build(t)
  const staff = await bearer()
  const since = clock.now().toISOString()
  const decision = (await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Lights' }, publication: 'published' } })).json()
  await app.inject({ method: 'PATCH', url: `/v1/decisions/${decision.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { publication: 'draft' } })
  const gql = async (query: string) => (await app.inject({ method: 'POST', url: '/graphql', payload: { query } })).json()
  const synced = await gql(`{ decisions(filter: { updatedSince: "${since}" }) { nodes { id } removed { id at } } events(filter: { updatedSince: "${since}" }) { removed { id } } }`)
  t.same(synced.errors, undefined)
  t.same(synced.data.decisions.removed.map((r: any) => r.id), [decision.id], 'the retracted decision')
  t.same(synced.data.events.removed, [])
  const plain = await gql('{ decisions { removed { id } } feedback { removed { id } } reportBacks { removed { id } } }')
  t.same([plain.data.decisions.removed, plain.data.feedback.removed, plain.data.reportBacks.removed], [null, null, null], 'null outside a sync read')
})

t.test('when feedback stays private, then only those of its agency entitled to it learn it changed', async (t) => {
  const { app, database } = await build(t)
  const staff = await bearer()
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Eastside Neighbours', kind: 'neighbourhood_association' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'idp-partner', claims: { org: org.id } })
  const analyst = await bearer({ role: 'analyst', sub: 'analyst-1' })
  const given = (await app.inject({ method: 'POST', url: '/v1/feedback', payload: { agency: 'metro', body: 'Private note', language: 'en', topic: 'other' } })).json()
  const collected = (await app.inject({ method: 'POST', url: '/v1/feedback', headers: partner, payload: { body: 'Collected at our meeting', language: 'en', topic: 'other' } })).json()
  const ids = async (headers: Record<string, string>) => (await outboxSettled(database), await app.inject({ method: 'GET', url: '/v1/changes', headers })).json().data.filter((e: any) => e.resourceType === 'feedback').map((e: any) => e.id)
  t.same(await ids(partner), [collected.id], 'the partner learns only of the feedback it collected')
  t.same(await ids(analyst), [given.id, collected.id], 'the analyst of all the agency feedback')
  t.same(await ids({}), [], 'the public of none')
})

t.test('when a shared priority is published, withheld, or waits for moderation, then the public feed carries it, tombstones it, or never names it', async (t) => {
  const { app, database } = await build(t)
  const staff = await bearer()
  const settled = () => outboxSettled(database)
  const feed = async (after?: string) => {
    await settled()
    const res = await app.inject({ method: 'GET', url: `/v1/changes${after ? `?after=${after}` : ''}` })
    t.equal(res.statusCode, 200)
    return res.json() as { data: { resourceType: string; id: string; type: string; tombstone?: boolean; resource?: { id: string } }[]; cursor: string }
  }
  const start = await feed()
  const shown = (await app.inject({ method: 'POST', url: '/v1/priorities', headers: staff, payload: { statement: { en: 'Safer crossings on Elm' } } })).json()
  const pending = (await app.inject({ method: 'POST', url: '/v1/priorities', payload: { agency: 'metro', statement: { en: 'More youth hours' } } })).json()
  const first = await feed(start.cursor)
  const priorities = first.data.filter((e) => e.resourceType === 'priority')
  t.same(priorities.map((e) => [e.id, e.tombstone ?? false]), [[shown.id, false]], 'the published priority, as an upsert; the one waiting for moderation is never named')
  t.equal(priorities[0]!.resource!.id, shown.id)
  // GraphQL carries it in its own field too.
  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ changes(after: "${start.cursor}") { entries { resourceType id priority { id } } } }` } })
  t.same(gql.json().data.changes.entries.filter((e: { resourceType: string }) => e.resourceType === 'PRIORITY').map((e: { priority: { id: string } | null }) => e.priority?.id), [shown.id])
  const withheld = await app.inject({ method: 'PATCH', url: `/v1/priorities/${shown.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { moderation: 'withheld' } })
  t.equal(withheld.statusCode, 200, withheld.body)
  const second = await feed(first.cursor)
  t.same(second.data.filter((e) => e.resourceType === 'priority').map((e) => [e.id, e.tombstone ?? false]), [[shown.id, true]], 'withheld: a tombstone')
  t.notOk(JSON.stringify([first, second]).includes(pending.id), 'the pending proposal never appears')
})
