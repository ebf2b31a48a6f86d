// The loop's part of contract-openapi.test.ts: each topics, feedback, decisions and report-backs operation answered
// with a 2xx and a problem, every response held to openapi.yaml by the caller's `call`.
import type { Test } from 'tap'
import { bearer } from './auth.ts'
import { checkRequestBody, type ContractDeps } from './openapi.ts'

type Deps = ContractDeps & {
  futureEvent(overrides?: Record<string, unknown>): Record<string, unknown>
}

export const loopOperations = [
  'listTopics', 'addTopic', 'retireTopic',
  'listFeedback', 'submitFeedback', 'getFeedback', 'classifyFeedback', 'transitionFeedback', 'moderateFeedback', 'getFeedbackHistory',
  'listDecisions', 'recordDecision', 'getDecision', 'updateDecision', 'addDecisionUpdate',
  'listReportBacks', 'recordReportBack', 'getReportBack',
  'listChanges',
]

const missing = '00000000-0000-4000-8000-000000000000'

export async function loopContract(t: Test, { call, expectStatus, staff, analyst, futureEvent }: Deps) {
  const admin = await bearer({ role: 'admin', agency: 'metro', sub: 'contract-admin' })
  const ifMatch = (v: number | string, h = staff) => ({ ...h, 'if-match': typeof v === 'number' ? `"${v}"` : v })

  // Topics
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/topics?agency=metro' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/topics', headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/topics?agency=nowhere' }), 404, 'AGENCY_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/topics?colour=blue' }), 400, 'VALIDATION_FAILED')
  const topic = { code: 'street_lighting', label: { en: 'Street lighting' } }
  t.strictSame(checkRequestBody('POST', '/v1/topics', topic), [], 'the spec accepts the topic')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics', headers: { ...admin, 'idempotency-key': 'topic-contract' }, payload: topic }), 201)
  const replay = await call(t, { method: 'POST', url: '/v1/topics', headers: { ...admin, 'idempotency-key': 'topic-contract' }, payload: topic })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics', headers: admin, payload: topic }), 409, 'CONFLICT')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics', headers: staff, payload: { code: 'x_y', label: { en: 'X' } } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics', headers: admin, payload: { code: 'Bad Code', label: { en: 'X' } } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics', payload: topic }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics', headers: { ...admin, 'idempotency-key': 'topic-contract' }, payload: { ...topic, label: { en: 'Other' } } }), 422, 'IDEMPOTENCY_KEY_REUSED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics', headers: { ...admin, 'content-type': 'text/csv' }, payload: 'a,b' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics', headers: { ...admin, 'content-type': 'application/json' }, payload: JSON.stringify({ ...topic, label: { en: 'x'.repeat(300_000) } }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics', headers: { ...admin, 'idempotency-key': 'topic-2' }, payload: { code: 'graffiti', label: { en: 'Graffiti' } } }), 201)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics/graffiti/retire', headers: admin }), 200)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics/graffiti/retire', headers: admin }), 409, 'INVALID_TRANSITION')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics/policy/retire', headers: admin }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics/no_such/retire', headers: admin }), 404, 'TOPIC_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics/graffiti/retire' }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/topics/graffiti/retire', headers: admin, payload: { now: true } }), 400, 'VALIDATION_FAILED')

  // Feedback
  const event = (await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent() })).json()
  const submission = { agency: 'metro', body: 'Call 555-201-4477: the lights at 12 Main Street are out.', language: 'en', topic: 'street_lighting', stance: 'critical', eventId: event.id, publish: true }
  t.strictSame(checkRequestBody('POST', '/v1/feedback', submission), [], 'the spec accepts the submission')
  t.not(checkRequestBody('POST', '/v1/feedback', { ...submission, participantId: missing }).length, 0, 'the spec refuses a read-only field')
  const created = await call(t, { method: 'POST', url: '/v1/feedback', headers: { 'idempotency-key': 'fb-contract' }, payload: submission })
  expectStatus(t, created, 201)
  const id = created.json().id
  t.equal(created.headers.location, `/v1/feedback/${id}`)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/feedback', headers: { 'idempotency-key': 'fb-contract' }, payload: { ...submission, body: 'other' } }), 422, 'IDEMPOTENCY_KEY_REUSED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/feedback', payload: { ...submission, participantId: missing } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/feedback', payload: { ...submission, stance: 'angry' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/feedback', payload: { ...submission, eventId: 'not-a-uuid' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/feedback', payload: { ...submission, body: 42 } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/feedback', headers: analyst, payload: submission }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/feedback', headers: { authorization: 'Bearer nope' }, payload: submission }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/feedback', headers: { 'content-type': 'application/xml' }, payload: '<x/>' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/feedback', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ ...submission, body: 'x'.repeat(300_000) }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/feedback/${id}`, headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/feedback/${id}` }), 404, 'FEEDBACK_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/feedback/not-a-uuid' }), 404, 'FEEDBACK_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/feedback/${id}?token=x` }), 401, 'UNAUTHENTICATED')
  const url = `/v1/feedback/${id}`
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: staff, payload: { stance: 'neutral' } }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(9), payload: { stance: 'neutral' } }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: {} }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: { topic: 'graffiti' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1, analyst), payload: { stance: 'neutral' } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/feedback/${missing}`, headers: ifMatch(1), payload: { stance: 'neutral' } }), 404, 'FEEDBACK_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: { ...ifMatch(1), 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { stance: 'neutral' } }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: { ...ifMatch(1), 'content-type': 'application/json' }, payload: JSON.stringify({ topic: 'x'.repeat(300_000) }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: { stance: 'neutral', areaId: null } }), 200)
  const move = `${url}/transitions`
  expectStatus(t, await call(t, { method: 'POST', url: move, headers: staff, payload: { to: 'acknowledged' } }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'POST', url: move, headers: ifMatch(1), payload: { to: 'acknowledged' } }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: move, headers: ifMatch(2), payload: { to: 'declined' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: move, headers: ifMatch(2, analyst), payload: { to: 'acknowledged' } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/feedback/${missing}/transitions`, headers: ifMatch(1), payload: { to: 'acknowledged' } }), 404, 'FEEDBACK_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: move, headers: { 'if-match': '"2"' }, payload: { to: 'acknowledged' } }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: move, headers: { ...ifMatch(2), 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: move, headers: { ...ifMatch(2), 'content-type': 'application/json' }, payload: JSON.stringify({ to: 'declined', reason: 'x'.repeat(300_000) }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'POST', url: move, headers: ifMatch(2), payload: { to: 'acknowledged' } }), 200)
  const refused = await call(t, { method: 'POST', url: move, headers: ifMatch(3), payload: { to: 'acknowledged' } })
  expectStatus(t, refused, 409, 'INVALID_TRANSITION')
  t.match(refused.json().detail, /under_review/)
  const moderation = `${url}/moderation`
  expectStatus(t, await call(t, { method: 'POST', url: moderation, headers: staff, payload: { action: 'publish' } }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'POST', url: moderation, headers: ifMatch(1), payload: { action: 'publish' } }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: moderation, headers: ifMatch(3), payload: { action: 'shred' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: moderation, headers: ifMatch(3, analyst), payload: { action: 'publish' } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: moderation, headers: { 'if-match': '"3"' }, payload: { action: 'publish' } }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/feedback/${missing}/moderation`, headers: ifMatch(1), payload: { action: 'publish' } }), 404, 'FEEDBACK_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: moderation, headers: { ...ifMatch(3), 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: moderation, headers: { ...ifMatch(3), 'content-type': 'application/json' }, payload: JSON.stringify({ action: 'publish', publishedBody: 'x'.repeat(300_000) }) }), 413, 'PAYLOAD_TOO_LARGE')
  const published = await call(t, { method: 'POST', url: moderation, headers: ifMatch(3), payload: { action: 'publish' } })
  expectStatus(t, published, 200)
  t.equal(published.json().publishedBody, 'Call [phone removed]: the lights at [address removed] are out.')
  const privateItem = (await call(t, { method: 'POST', url: '/v1/feedback', headers: staff, payload: { body: 'Keep this private', language: 'en', topic: 'other' } })).json()
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/feedback/${privateItem.id}/moderation`, headers: ifMatch(1), payload: { action: 'publish' } }), 409, 'INVALID_TRANSITION')
  expectStatus(t, await call(t, { method: 'GET', url: `${url}/history`, headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `${url}/history` }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: `${url}/history`, headers: analyst }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/feedback/${missing}/history`, headers: staff }), 404, 'FEEDBACK_NOT_FOUND')
  const list = await call(t, { method: 'GET', url: `/v1/feedback?agency=metro&status=acknowledged&topic=street_lighting&stance=neutral&channel=online_form&visibility=published&eventId=${event.id}&receivedFrom=2020-01-01T00:00:00Z&q=lights&limit=1` })
  expectStatus(t, list, 200)
  t.equal(list.json().data.length, 1)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/feedback?updatedSince=2020-01-01T00:00:00Z', headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/feedback', headers: analyst }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/feedback?stance=angry' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/feedback?limit=101' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/feedback?cursor=nope' }), 400, 'INVALID_CURSOR')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/feedback?areaId=not-a-uuid' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/feedback?access_token=x' }), 401, 'UNAUTHENTICATED')

  // Decisions
  const decisionBody = { title: { en: 'Fix the lights on Main' }, summary: { en: 'Public works replaces 12 lamps.' }, decidedBy: 'District 1 Commander', decidedAt: '2027-03-20T10:00:00-04:00', status: 'adopted', topic: 'street_lighting', feedbackIds: [id], eventIds: [event.id] }
  t.strictSame(checkRequestBody('POST', '/v1/decisions', decisionBody), [], 'the spec accepts the decision')
  const decision = await call(t, { method: 'POST', url: '/v1/decisions', headers: { ...staff, 'idempotency-key': 'dec-contract' }, payload: decisionBody })
  expectStatus(t, decision, 201)
  const decisionId = decision.json().id
  t.equal((await call(t, { method: 'GET', url, headers: staff })).json().status, 'addressed', 'the feedback it answers is addressed')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/decisions', headers: { ...staff, 'idempotency-key': 'dec-contract' }, payload: { ...decisionBody, decidedBy: 'Chief' } }), 422, 'IDEMPOTENCY_KEY_REUSED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/decisions', headers: staff, payload: { ...decisionBody, status: 'maybe' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/decisions', headers: staff, payload: { ...decisionBody, feedbackIds: [missing] } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/decisions', headers: analyst, payload: decisionBody }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/decisions', payload: decisionBody }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/decisions', headers: { ...staff, 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/decisions', headers: { ...staff, 'content-type': 'application/json' }, payload: JSON.stringify({ ...decisionBody, rationale: { en: 'x'.repeat(300_000) } }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/decisions/${decisionId}`, headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/decisions/${decisionId}` }), 404, 'DECISION_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/decisions/${decisionId}?token=x` }), 401, 'UNAUTHENTICATED')
  const durl = `/v1/decisions/${decisionId}`
  expectStatus(t, await call(t, { method: 'PATCH', url: durl, headers: staff, payload: { publication: 'published' } }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'PATCH', url: durl, headers: ifMatch(5), payload: { publication: 'published' } }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url: durl, headers: ifMatch(1), payload: { status: 'implemented' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url: durl, headers: ifMatch(1, analyst), payload: { publication: 'published' } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'PATCH', url: durl, headers: { 'if-match': '"1"' }, payload: { publication: 'published' } }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/decisions/${missing}`, headers: ifMatch(1), payload: { publication: 'published' } }), 404, 'DECISION_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'PATCH', url: durl, headers: { ...ifMatch(1), 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'PATCH', url: durl, headers: { ...ifMatch(1), 'content-type': 'application/json' }, payload: JSON.stringify({ rationale: { en: 'x'.repeat(300_000) } }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'PATCH', url: durl, headers: ifMatch(1), payload: { publication: 'published', rationale: null } }), 200)
  const uurl = `${durl}/updates`
  const progress = { status: 'in_progress', on: '2027-04-01', note: { en: 'Lamps ordered.' } }
  expectStatus(t, await call(t, { method: 'POST', url: uurl, headers: staff, payload: progress }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'POST', url: uurl, headers: ifMatch(1), payload: progress }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: uurl, headers: ifMatch(2), payload: { ...progress, on: '2027-02-30' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: uurl, headers: ifMatch(2, analyst), payload: progress }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: uurl, headers: { 'if-match': '"2"' }, payload: progress }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/decisions/${missing}/updates`, headers: ifMatch(1), payload: progress }), 404, 'DECISION_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: uurl, headers: { ...ifMatch(2), 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: uurl, headers: { ...ifMatch(2), 'content-type': 'application/json' }, payload: JSON.stringify({ ...progress, note: { en: 'x'.repeat(300_000) } }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'POST', url: uurl, headers: ifMatch(2), payload: progress }), 200)
  expectStatus(t, await call(t, { method: 'POST', url: uurl, headers: ifMatch(3), payload: { status: 'proposed', on: '2027-04-02' } }), 409, 'INVALID_TRANSITION')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/decisions?agency=metro&status=in_progress&topic=street_lighting&eventId=${event.id}&feedbackId=${id}&q=lights` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/decisions?updatedSince=2020-01-01T00:00:00Z', headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/decisions?status=maybe' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/decisions?token=x' }), 401, 'UNAUTHENTICATED')

  // Report-backs
  const reportBody = { decisionId, channel: 'community_meeting', relayedAt: '2027-05-01T19:00:00-04:00', eventId: event.id, languages: ['en'], audience: ['feedback_givers'], summary: { en: 'Presented at the May meeting.' }, url: 'https://metro.example.org/you-said-we-did' }
  t.strictSame(checkRequestBody('POST', '/v1/report-backs', reportBody), [], 'the spec accepts the report-back')
  const report = await call(t, { method: 'POST', url: '/v1/report-backs', headers: { ...staff, 'idempotency-key': 'rb-contract' }, payload: reportBody })
  expectStatus(t, report, 201)
  t.equal((await call(t, { method: 'GET', url, headers: staff })).json().status, 'reported_back')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/report-backs', headers: { ...staff, 'idempotency-key': 'rb-contract' }, payload: { ...reportBody, channel: 'website' } }), 422, 'IDEMPOTENCY_KEY_REUSED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/report-backs', headers: staff, payload: { ...reportBody, relayedAt: 'yesterday' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/report-backs', headers: analyst, payload: reportBody }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/report-backs', payload: reportBody }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/report-backs', headers: { ...staff, 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/report-backs', headers: { ...staff, 'content-type': 'application/json' }, payload: JSON.stringify({ ...reportBody, summary: { en: 'x'.repeat(300_000) } }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/report-backs/${report.json().id}` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/report-backs/${missing}` }), 404, 'REPORT_BACK_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/report-backs/${missing}?token=x` }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/report-backs?agency=metro&decisionId=${decisionId}&eventId=${event.id}&channel=community_meeting&relayedFrom=2027-01-01T00:00:00Z` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/report-backs?updatedSince=2020-01-01T00:00:00Z', headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/report-backs?channel=pigeon' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/report-backs?token=x' }), 401, 'UNAUTHENTICATED')

  // The change feed, as the public, staff and an analyst see it; page on with the cursor, refuse one it did not issue.
  const firstPage = await call(t, { method: 'GET', url: '/v1/changes?limit=3' })
  expectStatus(t, firstPage, 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/changes?after=${firstPage.json().cursor}&agency=metro`, headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/changes', headers: analyst }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/changes?after=not-a-cursor' }), 400, 'INVALID_CURSOR')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/changes?limit=0' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/changes?token=x' }), 401, 'UNAUTHENTICATED')
}
