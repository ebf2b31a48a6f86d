// GraphQL over the loop: parity with REST, and a nested page (events → feedback → decisions → report-backs) whose
// cost in SQL statements does not depend on its size.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app, database } = await build(t)
const staff = await bearer()
const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = staff) => {
  const res = await app.inject({ method: 'POST', url: '/graphql', headers: { ...headers, 'content-type': 'application/json' }, payload: { query, variables } })
  return res.json() as { data?: any; errors?: { message: string; extensions: { code: string } }[] }
}

t.test('when feedback is given, triaged, answered and reported back over GraphQL, then it reads as over REST', async (t) => {
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })).json()
  const submitted = await gql(
    'mutation ($input: SubmitFeedbackInput!) { submitFeedback(input: $input, idempotencyKey: "g-1") { replayed feedback { id status visibility topic stance channel body } } }',
    { input: { agency: 'metro', body: 'Write to me at someone@example.org please', language: 'en', topic: 'policy', stance: 'SUPPORTIVE', eventId: event.id, publish: true } },
    {},
  )
  t.same(submitted.errors, undefined)
  const item = submitted.data.submitFeedback.feedback
  t.match(item, { status: 'RECEIVED', visibility: 'PENDING_MODERATION', topic: 'policy', stance: 'SUPPORTIVE', channel: 'ONLINE_FORM' })
  const moved = await gql(`mutation { transitionFeedback(id: "${item.id}", expectedVersion: 1, input: { to: ACKNOWLEDGED, note: "Read" }) { status version acknowledgedAt } }`)
  t.equal(moved.data.transitionFeedback.status, 'ACKNOWLEDGED')
  const refused = await gql(`mutation { transitionFeedback(id: "${item.id}", expectedVersion: 2, input: { to: RECEIVED }) { status } }`)
  t.equal(refused.errors?.[0]?.extensions.code, 'VALIDATION_FAILED')
  const invalid = await gql(`mutation { transitionFeedback(id: "${item.id}", expectedVersion: 2, input: { to: ACKNOWLEDGED }) { status } }`)
  t.equal(invalid.errors?.[0]?.extensions.code, 'INVALID_TRANSITION')
  const stale = await gql(`mutation { transitionFeedback(id: "${item.id}", expectedVersion: 1, input: { to: UNDER_REVIEW }) { status } }`)
  t.equal(stale.errors?.[0]?.extensions.code, 'PRECONDITION_FAILED')
  const moderated = await gql(`mutation { moderateFeedback(id: "${item.id}", expectedVersion: 2, input: { action: PUBLISH }) { publishedBody visibility } }`)
  t.equal(moderated.data.moderateFeedback.publishedBody, 'Write to me at [email removed] please')
  const decision = await gql(
    'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { decision { id status publication feedbackIds } } }',
    { input: { title: [{ language: 'en', text: 'Publish the policy manual' }], summary: [{ language: 'en', text: 'Online by June.' }], status: 'ADOPTED', publication: 'PUBLISHED', feedbackIds: [item.id], eventIds: [event.id] } },
  )
  t.same(decision.errors, undefined)
  const decisionId = decision.data.recordDecision.decision.id
  const progressed = await gql(`mutation { addDecisionUpdate(id: "${decisionId}", expectedVersion: 1, input: { status: IMPLEMENTED, on: "2027-06-01", note: [{ language: "en", text: "Done" }] }) { status updates { on status note } } }`)
  t.same(progressed.data.addDecisionUpdate.updates, [{ on: '2027-06-01', status: 'IMPLEMENTED', note: 'Done' }])
  const report = await gql(`mutation { recordReportBack(input: { decisionId: "${decisionId}", channel: WEBSITE, relayedAt: "2027-06-02T10:00:00Z", url: "https://metro.example.org/you-said" }) { reportBack { id feedbackIds decision { title } } } }`)
  t.same(report.errors, undefined)
  t.same(report.data.recordReportBack.reportBack.feedbackIds, [item.id])
  const history = await gql(`{ feedbackHistory(id: "${item.id}") { from to actorKind actorSubject } }`)
  t.same(history.data.feedbackHistory.map((h: { to: string }) => h.to), ['RECEIVED', 'ACKNOWLEDGED', 'ADDRESSED', 'REPORTED_BACK'])
  t.equal(history.data.feedbackHistory[0].actorSubject, null, 'the public giver is not named')
  const publicView = await gql(`{ event(id: "${event.id}") { feedback { totalCount nodes { body status participantId decisions { title reportBacks { url } } } } decisions { title } } }`, {}, {})
  t.same(publicView.errors, undefined)
  t.same(publicView.data.event.feedback, { totalCount: 1, nodes: [{ body: 'Write to me at [email removed] please', status: 'REPORTED_BACK', participantId: null, decisions: [{ title: 'Publish the policy manual', reportBacks: [{ url: 'https://metro.example.org/you-said' }] }] }] })
  const denied = await gql(`{ feedbackHistory(id: "${item.id}") { to } }`, {}, {})
  t.equal(denied.errors?.[0]?.extensions.code, 'UNAUTHENTICATED')
  const topics = await gql('{ topics(agency: "metro") { vocabularyVersion topics { code standard } } }', {}, {})
  t.equal(topics.data.topics.vocabularyVersion, 1)
  t.ok(topics.data.topics.topics.some((x: { code: string }) => x.code === 'wellness'))
})

t.test('when a nested page of events, feedback, decisions and report-backs grows from 10 to 100, then it runs the same 5 statements', async (t) => {
  // 100 published events, each with 3 feedback items answered by a decision that was reported back.
  for (let i = 0; i < 100; i++) {
    const day = new Date(Date.UTC(2028, 0, 1 + i)).toISOString().slice(0, 10)
    const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { en: `Meeting ${i}` }, startsAt: `${day}T18:00:00-05:00`, endsAt: `${day}T19:00:00-05:00` }) })).json()
    const ids: string[] = []
    for (let j = 0; j < 3; j++) {
      const f = await app.inject({ method: 'POST', url: '/v1/feedback', headers: staff, payload: { body: `Item ${i}.${j}`, language: 'en', topic: 'other', eventId: event.id } })
      ids.push(f.json().id)
    }
    const decision = await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: `Decision ${i}` }, feedbackIds: ids, eventIds: [event.id], publication: 'published' } })
    const report = await app.inject({ method: 'POST', url: '/v1/report-backs', headers: staff, payload: { decisionId: decision.json().id, channel: 'community_meeting', relayedAt: '2028-02-01T18:00:00-05:00', eventId: event.id } })
    t.equal(report.statusCode, 201)
  }
  const page = async (first: number) => {
    const before = database.statements.count
    const res = await gql(`{ events(first: ${first}, filter: { from: "2028-01-01T00:00:00Z" }) { nodes { id feedback(first: 2) { totalCount pageInfo { hasNextPage } nodes { id status decisions { id reportBacks { id channel } } } } } } }`)
    t.same(res.errors, undefined)
    t.equal(res.data.events.nodes.length, first)
    for (const e of res.data.events.nodes) {
      t.equal(e.feedback.totalCount, 3)
      t.equal(e.feedback.nodes.length, 2)
      t.equal(e.feedback.pageInfo.hasNextPage, true)
      t.equal(e.feedback.nodes[0].decisions[0].reportBacks.length, 1)
    }
    return database.statements.count - before
  }
  await page(1) // warms the agency cache, as any earlier request would
  const small = await page(10)
  const large = await page(100)
  t.equal(large, small, `a page of 100 ran ${large} statements, a page of 10 ran ${small}`)
  // events, their co-hosts, feedback per event (windowed, with totals), decisions per feedback, report-backs per decision.
  t.equal(large, 5, `exactly 5 statements (${large})`)
})
