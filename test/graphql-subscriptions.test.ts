// GraphQL subscriptions over WebSocket, fed by the outbox's NOTIFY: access as the queries', limits, coded errors.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { bearer, tokenFor } from './helpers/auth.ts'
import { buildApp } from '../src/app.ts'
import { build, testConfig } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { codesOf, describe, subscribe, subscriber, typesOf } from './helpers/subscriber.ts'

const listening = async (app: FastifyInstance) => {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

const DECISIONS = `subscription ($agency: String!) { decisionChanged(agency: $agency) { type occurredAt decision { id title publication feedback { nodes { id body } } } } }`

t.test('when a decision is recorded, then subscribers of its agency get it as they may see it: staff the draft and the full text, the public nothing of the draft, an analyst the redacted text', async (t) => {
  const { app } = await build(t)
  const base = await listening(app)
  const staffToken = await tokenFor({ role: 'staff' })
  const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
  const [asStaff, asPublic, asAnalyst, asOtherAgency] = await Promise.all([
    subscribe(subscriber(t, base, staffToken), DECISIONS, { agency: 'metro' }),
    subscribe(subscriber(t, base), DECISIONS, { agency: 'metro' }),
    subscribe(subscriber(t, base, await tokenFor({ role: 'analyst' })), DECISIONS, { agency: 'metro' }),
    subscribe(subscriber(t, base, await tokenFor({ role: 'staff', agency: 'lakeside' })), DECISIONS, { agency: 'metro' }),
  ])
  const said = await app.inject({ method: 'POST', url: '/v1/feedback', headers: staff, payload: { body: 'Call me on 555-867-5309 about the crossing', language: 'en', topic: 'other' } })
  t.equal(said.statusCode, 201, said.body)
  const draft = await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Draft plan' }, feedbackIds: [said.json().id] } })
  t.equal(draft.statusCode, 201, draft.body)
  const published = await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Crossing guard' }, feedbackIds: [said.json().id], publication: 'published' } })
  t.equal(published.statusCode, 201, published.body)

  const first = await asStaff.next()
  t.same(first.errors, undefined)
  t.equal(first.data!.decisionChanged.type, 'decision.recorded')
  t.equal(first.data!.decisionChanged.decision.id, draft.json().id)
  t.equal(first.data!.decisionChanged.decision.publication, 'DRAFT')
  t.match(first.data!.decisionChanged.decision.feedback.nodes[0].body, /555-867-5309/, 'staff read the full text')
  t.equal((await asStaff.next()).data!.decisionChanged.decision.id, published.json().id)

  const seen = await asPublic.next()
  t.equal(seen.data!.decisionChanged.decision.id, published.json().id, 'the public’s first message is the published decision: the draft sent nothing')
  t.same(seen.data!.decisionChanged.decision.feedback.nodes, [], 'unpublished feedback stays out of the public’s view')

  const analysed = await asAnalyst.next()
  t.equal(analysed.data!.decisionChanged.decision.id, published.json().id, 'analysts do not see drafts either')
  const body = analysed.data!.decisionChanged.decision.feedback.nodes[0].body as string
  t.notMatch(body, /867-5309/, 'the analyst reads the redacted text, as in queries')

  t.equal((await asOtherAgency.next()).data!.decisionChanged.decision.id, published.json().id, 'another agency’s staff see only what is public')
  await sleep(200)
  t.equal(asPublic.messages.length, 1)
  t.equal(asOtherAgency.messages.length, 1)
  const json = JSON.stringify([asPublic.messages, asAnalyst.messages, asOtherAgency.messages])
  t.notMatch(json, /867-5309/, 'no subscriber but staff got the phone number')
})

t.test('when an event changes, then its subscribers get the event as they see it; an agency-only change reaches staff, not the public', async (t) => {
  const { app, database } = await build(t)
  const base = await listening(app)
  const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
  const created = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })
  t.equal(created.statusCode, 201, created.body)
  const event = created.json()
  const query = `subscription ($id: ID!) { eventChanged(id: $id, language: "es") { type event { id title status agency { slug } } } }`
  const asPublic = await subscribe(subscriber(t, base), query, { id: event.id })
  const asStaff = await subscribe(subscriber(t, base, await tokenFor({ role: 'staff' })), query, { id: event.id })
  // An agency-only change (as a writer appends one for what only staff may see), beside the REST cancel's own row.
  const append = (action: string, visibility: string) =>
    database.raw(`insert into outbox (agency_id, entity_type, entity_id, action, visibility, payload) values ($1, 'event', $2, $3, $4, $5)`, [event.agencyId, event.id, action, visibility, JSON.stringify({ id: event.id, version: 2 })])
  await append('event.internal_note', 'agency')
  const cancelled = await app.inject({ method: 'POST', url: `/v1/events/${event.id}/cancel`, headers: { ...staff, 'if-match': `"${event.version}"` }, payload: { reason: 'Venue closed' } })
  t.equal(cancelled.statusCode, 200, cancelled.body)
  const got = await asPublic.nextOfType('event.cancelled')
  t.same(got.data, { eventChanged: { type: 'event.cancelled', event: { id: event.id, title: 'Café con un policía', status: 'CANCELLED', agency: { slug: 'metro' } } } })
  await asStaff.nextOfType('event.cancelled')
  t.same(typesOf(asStaff).filter((type) => type !== 'event.scheduled'), ['event.internal_note', 'event.cancelled'], 'staff get both, in commit order')
  await sleep(150)
  t.same(typesOf(asPublic).filter((type) => type !== 'event.scheduled'), ['event.cancelled'], 'the agency-only change sent the public nothing')
})

t.test('when a report-back is recorded for a published decision, then the agency’s report-back subscribers get it', async (t) => {
  const { app } = await build(t)
  const base = await listening(app)
  const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
  const decision = await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Crossing guard' }, publication: 'published' } })
  const sub = await subscribe(subscriber(t, base), `subscription { reportBackChanged(agency: "metro") { type reportBack { id channel decision { id } } } }`)
  const report = await app.inject({ method: 'POST', url: '/v1/report-backs', headers: staff, payload: { decisionId: decision.json().id, channel: 'community_meeting', relayedAt: '2026-12-01T18:00:00-05:00' } })
  t.equal(report.statusCode, 201, report.body)
  const got = await sub.next()
  t.same(got.data, { reportBackChanged: { type: 'report_back.recorded', reportBack: { id: report.json().id, channel: 'COMMUNITY_MEETING', decision: { id: decision.json().id } } } })
})

t.test('when a feedback item changes, then staff of its agency and the partner that submitted it get its status; the public may not subscribe to an unpublished item', async (t) => {
  const { app } = await build(t)
  const base = await listening(app)
  const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
  const org = await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Eastside Neighbours', kind: 'neighbourhood_association' } })
  const partner = { role: 'partner', sub: 'p-own', claims: { org: org.json().id } }
  const said = await app.inject({ method: 'POST', url: '/v1/feedback', headers: { ...(await bearer(partner)), 'content-type': 'application/json' }, payload: { body: 'Streetlights out on Elm', language: 'en', topic: 'other' } })
  t.equal(said.statusCode, 201, said.body)
  const id = said.json().id
  const query = `subscription ($id: ID!) { feedbackChanged(id: $id) { type feedback { id status body } } }`
  const asStaff = await subscribe(subscriber(t, base, await tokenFor({ role: 'staff' })), query, { id })
  const asGiver = await subscribe(subscriber(t, base, await tokenFor(partner)), query, { id })
  const asPublic = await subscribe(subscriber(t, base), query, { id })
  const asOtherPartner = await subscribe(subscriber(t, base, await tokenFor({ role: 'partner', sub: 'p-other', claims: { org: '00000000-0000-4000-8000-000000000000' } })), query, { id })
  t.same(codesOf(await asPublic.end()), ['FEEDBACK_NOT_FOUND'], 'as the feedbackItem query answers the public')
  t.ok(asOtherPartner.ended, 'a partner of no active organization is refused')
  const moved = await app.inject({ method: 'POST', url: `/v1/feedback/${id}/transitions`, headers: { ...staff, 'if-match': '"1"' }, payload: { to: 'acknowledged' } })
  t.ok(moved.statusCode < 300, moved.body)
  const expected = { feedbackChanged: { type: 'feedback.status_changed', feedback: { id, status: 'ACKNOWLEDGED', body: 'Streetlights out on Elm' } } }
  t.same((await asStaff.nextOfType('feedback.status_changed')).data, expected)
  t.same((await asGiver.nextOfType('feedback.status_changed')).data, expected, 'the partner that gave it follows its status')
})

t.test('when a subscription is bad, then it is refused with a code: syntax, validation, depth, unknown ids and agencies, queries, too many, a bad token, no init', async (t) => {
  const { app } = await build(t)
  const base = await listening(app)
  const client = subscriber(t, base)
  const ended = async (query: string, variables: Record<string, unknown> = {}) => codesOf(await (await subscribe(client, query, variables)).end())
  t.same(await ended('subscription { eventChanged(id: '), ['GRAPHQL_PARSE_FAILED'])
  t.same(await ended('subscription { eventChanged(id: "x") { nope } }'), ['GRAPHQL_VALIDATION_FAILED'])
  t.same(await ended('subscription { eventChanged(id: "x") { event { id } } reportBackChanged(agency: "metro") { type } }'), ['GRAPHQL_VALIDATION_FAILED'], 'one root field per subscription')
  const deep = 'subscription { decisionChanged(agency: "metro") { decision { events { series { occurrences { nodes { series { occurrences { nodes { id } } } } } } } } } }'
  t.same(await ended(deep), ['GRAPHQL_VALIDATION_FAILED'], 'the depth limit holds for subscriptions')
  t.same(await ended('subscription { eventChanged(id: "not-a-uuid") { type } }'), ['EVENT_NOT_FOUND'])
  t.same(await ended('subscription { eventChanged(id: "00000000-0000-4000-8000-000000000000") { type } }'), ['EVENT_NOT_FOUND'])
  t.same(await ended('subscription { decisionChanged(agency: "nowhere") { type } }'), ['AGENCY_NOT_FOUND'])
  t.same(await ended('{ agencies { slug } }'), ['GRAPHQL_VALIDATION_FAILED'], 'queries go over HTTP')
  const good = await subscribe(client, 'subscription { decisionChanged(agency: "metro") { type } }')
  t.equal(await good.end(300), undefined, 'a good one still runs on the same connection')

  const many = subscriber(t, base)
  const subs = []
  for (let i = 0; i < 20; i++) subs.push(many.subscribe({ query: 'subscription { decisionChanged(agency: "metro") { type } }' }, { next() {}, error() {}, complete() {} }))
  const over = await subscribe(many, 'subscription { reportBackChanged(agency: "metro") { type } }')
  t.same(codesOf(await over.end()), ['TOO_MANY_SUBSCRIPTIONS'])
  subs[0]!()
  await sleep(100)
  const again = await subscribe(many, 'subscription { reportBackChanged(agency: "metro") { type } }')
  t.equal(again.ended, undefined, 'completing one frees its place')

  const refused = await subscribe(subscriber(t, base, 'not.a.token'), 'subscription { decisionChanged(agency: "metro") { type } }')
  t.match(describe(await refused.end()), /close 4403/)
  const WebSocket = (await import('ws')).default
  const silent = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws')
  const code = await new Promise<number>((resolve) => silent.on('close', (c: number) => resolve(c)))
  t.equal(code, 4408, 'a connection that never initialises is closed')
})

t.test('when the token given in connection_init expires, then the next change ends the subscription with UNAUTHENTICATED instead of reaching it', async (t) => {
  const { app, database, clock } = await build(t)
  // The subscribers' instance runs on a clock the test moves; changes are made through the other.
  let ahead = 0
  const moved = await buildApp({ config: testConfig(), database, clock: { now: () => new Date(clock.now().getTime() + ahead) } })
  t.teardown(() => moved.close())
  const base = await listening(moved)
  const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
  const sub = await subscribe(subscriber(t, base, await tokenFor({ role: 'staff', expiresIn: '10m' })), DECISIONS, { agency: 'metro' })
  const first = await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'While valid' } } })
  t.equal((await sub.nextOfType('decision.recorded')).data!.decisionChanged.decision.id, first.json().id)
  ahead = 10 * 60_000
  await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'After expiry' } } })
  t.same(codesOf(await sub.end()), ['UNAUTHENTICATED'])
  t.equal(sub.messages.length, 1, 'the draft recorded after expiry was not sent')
})
