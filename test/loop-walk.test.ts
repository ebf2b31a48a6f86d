// "You said, we did", end to end, once over REST and once over GraphQL: feedback given at a meeting is acknowledged,
// reviewed, answered by a decision that is implemented, and reported back at a later meeting — and then shows it.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app } = await build(t)
const staff = await bearer()
const json = async (method: string, url: string, payload?: unknown, headers: Record<string, string> = staff) => {
  const res = await app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as never } : {}) })
  return { status: res.statusCode, body: res.json() }
}
const gql = async (query: string, headers: Record<string, string> = staff) => (await json('POST', '/graphql', { query }, headers)).body
const meeting = (day: string) => eventBody({ title: { en: `Listening session ${day}` }, startsAt: `${day}T18:00:00-05:00`, endsAt: `${day}T19:30:00-05:00` })

t.test('when the loop is walked over REST, then the feedback ends reported back, with the decision and the later meeting', async (t) => {
  const first = (await json('POST', '/v1/events', meeting('2027-03-02'))).body
  const later = (await json('POST', '/v1/events', meeting('2027-05-04'))).body
  const given = await json('POST', '/v1/feedback', { agency: 'metro', body: 'Speeding on Elm St near the school', language: 'en', topic: 'community_safety', stance: 'critical', eventId: first.id, channel: 'in_person' })
  t.equal(given.status, 201, 'given at the first meeting')
  const id = given.body.id
  let version = given.body.version
  for (const to of ['acknowledged', 'under_review']) {
    const moved = await json('POST', `/v1/feedback/${id}/transitions`, { to, note: `now ${to}` }, { ...staff, 'if-match': `"${version}"` })
    t.equal(moved.status, 200, `→ ${to}`)
    version = moved.body.version
  }
  const backwards = await json('POST', `/v1/feedback/${id}/transitions`, { to: 'acknowledged' }, { ...staff, 'if-match': `"${version}"` })
  t.equal(backwards.status, 409, 'an invalid transition is a 409')
  t.equal(backwards.body.code, 'INVALID_TRANSITION')

  const decision = await json('POST', '/v1/decisions', { title: { en: 'Speed cushions on Elm St' }, status: 'adopted', publication: 'published', feedbackIds: [id], eventIds: [first.id] })
  t.equal(decision.status, 201, 'a decision answers it')
  t.equal((await json('GET', `/v1/feedback/${id}`)).body.status, 'addressed', 'linked to the decision: addressed')
  const implemented = await json('POST', `/v1/decisions/${decision.body.id}/updates`, { status: 'implemented', on: '2027-04-20', note: { en: 'Installed.' } }, { ...staff, 'if-match': `"${decision.body.version}"` })
  t.equal(implemented.status, 200)
  t.equal(implemented.body.status, 'implemented', 'the decision is implemented')

  const report = await json('POST', '/v1/report-backs', { decisionId: decision.body.id, channel: 'community_meeting', relayedAt: '2027-05-04T18:30:00-05:00', eventId: later.id, languages: ['en'], audience: ['feedback_givers'], summary: { en: 'You said: speeding. We did: speed cushions.' } })
  t.equal(report.status, 201, 'reported back at the later meeting')

  const after = (await json('GET', `/v1/feedback/${id}`)).body
  t.equal(after.status, 'reported_back', 'the feedback shows it was reported back')
  const answeredBy = (await json('GET', `/v1/decisions?feedbackId=${id}`)).body.data
  t.same(answeredBy.map((d: { id: string }) => d.id), [decision.body.id], 'with the decision that answered it')
  const relayed = (await json('GET', `/v1/report-backs?decisionId=${decision.body.id}`)).body.data
  t.same(relayed.map((r: { eventId: string }) => r.eventId), [later.id], 'and the meeting where it was relayed')
  const history = (await json('GET', `/v1/feedback/${id}/history`)).body.data.map((h: { to: string }) => h.to)
  t.same(history, ['received', 'acknowledged', 'under_review', 'addressed', 'reported_back'], 'every step is in its history')
})

t.test('when the loop is walked over GraphQL, then the feedback reads reported back, with the decision and the later meeting', async (t) => {
  const first = (await json('POST', '/v1/events', meeting('2027-06-01'))).body
  const later = (await json('POST', '/v1/events', meeting('2027-08-03'))).body
  const given = await gql(`mutation { submitFeedback(input: { agency: "metro", body: "More lighting in the park", language: "en", topic: "community_safety", stance: NEUTRAL, eventId: "${first.id}", channel: IN_PERSON }) { feedback { id version status } } }`)
  t.same(given.errors, undefined)
  const id = given.data.submitFeedback.feedback.id
  let version = given.data.submitFeedback.feedback.version
  for (const to of ['ACKNOWLEDGED', 'UNDER_REVIEW']) {
    const moved = await gql(`mutation { transitionFeedback(id: "${id}", expectedVersion: ${version}, input: { to: ${to} }) { status version } }`)
    t.equal(moved.data.transitionFeedback.status, to)
    version = moved.data.transitionFeedback.version
  }
  const invalid = await gql(`mutation { transitionFeedback(id: "${id}", expectedVersion: ${version}, input: { to: ACKNOWLEDGED }) { status } }`)
  t.equal(invalid.errors[0].extensions.code, 'INVALID_TRANSITION', 'an invalid transition carries the same code')
  const decision = await gql(`mutation { recordDecision(input: { title: [{ language: "en", text: "Park lighting" }], status: ADOPTED, publication: PUBLISHED, feedbackIds: ["${id}"], eventIds: ["${first.id}"] }) { decision { id version } } }`)
  t.same(decision.errors, undefined)
  const decisionId = decision.data.recordDecision.decision.id
  const implemented = await gql(`mutation { addDecisionUpdate(id: "${decisionId}", expectedVersion: ${decision.data.recordDecision.decision.version}, input: { status: IMPLEMENTED, on: "2027-07-15" }) { status } }`)
  t.equal(implemented.data.addDecisionUpdate.status, 'IMPLEMENTED')
  const report = await gql(`mutation { recordReportBack(input: { decisionId: "${decisionId}", channel: COMMUNITY_MEETING, relayedAt: "2027-08-03T18:30:00-05:00", eventId: "${later.id}" }) { reportBack { id } } }`)
  t.same(report.errors, undefined)

  const read = await gql(`{ feedbackItem(id: "${id}") { status event { id } decisions { title status reportBacks { channel event { id title } } } } }`)
  t.same(read.errors, undefined)
  t.same(read.data.feedbackItem, {
    status: 'REPORTED_BACK',
    event: { id: first.id },
    decisions: [{ title: 'Park lighting', status: 'IMPLEMENTED', reportBacks: [{ channel: 'COMMUNITY_MEETING', event: { id: later.id, title: 'Listening session 2027-08-03' } }] }],
  }, 'reported back, with the decision and the later meeting')
})
