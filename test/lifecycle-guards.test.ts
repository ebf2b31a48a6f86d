// Guards on the loop's lifecycles: feedback never skips to reported_back, and a stale If-Match never changes a decision.
import t, { type Test } from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

const { app, database } = await build(t)
const staff = await bearer()

type Res = Awaited<ReturnType<typeof app.inject>>
const inject = (method: string, url: string, payload?: unknown, headers: Record<string, string> = staff) =>
  app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as never } : {}) })
const gql = async (query: string, variables: Record<string, unknown> = {}) =>
  (await app.inject({ method: 'POST', url: '/graphql', headers: { ...staff, 'content-type': 'application/json' }, payload: { query, variables } })).json() as {
    data?: any
    errors?: { message: string; extensions: { code: string } }[]
  }

function problem(t: Test, res: Res, status: number, code: string) {
  t.equal(res.statusCode, status, res.body)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(res.json().code, code)
  t.equal(res.json().status, status)
}

const submit = async (body: string) => {
  const res = await inject('POST', '/v1/feedback', { agency: 'metro', body, language: 'en', topic: 'community_safety' }, {})
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json() as { id: string; status: string; version: number }
}
const read = async (id: string) => (await inject('GET', `/v1/feedback/${id}`)).json()
const history = async (id: string) => (await inject('GET', `/v1/feedback/${id}/history`)).json().data.map((h: { to: string }) => h.to)
const recordDecision = async (payload: Record<string, unknown> = {}) => {
  const res = await inject('POST', '/v1/decisions', { title: { en: 'Fix the lights on Main' }, summary: { en: 'Public works replaces 12 lamps.' }, ...payload })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json() as { id: string; version: number }
}

t.test('when staff move a received item straight to reported_back over REST, then 409 INVALID_TRANSITION and the item is untouched', async (t) => {
  const item = await submit('Lights out on Elm')
  t.equal(item.status, 'received')
  const res = await inject('POST', `/v1/feedback/${item.id}/transitions`, { to: 'reported_back' }, { ...staff, 'if-match': '"1"' })
  problem(t, res, 409, 'INVALID_TRANSITION')
  t.match(res.json().detail, /received feedback item cannot move to reported_back/)
  const after = await read(item.id)
  t.equal(after.status, 'received')
  t.equal(after.version, 1, 'the version did not move')
  t.equal(after.reportedBackAt, null)
  t.strictSame(await history(item.id), ['received'], 'no history row was written')

  // Acknowledged is no nearer: an outcome comes before reporting it back.
  const acked = await inject('POST', `/v1/feedback/${item.id}/transitions`, { to: 'acknowledged' }, { ...staff, 'if-match': '"1"' })
  t.equal(acked.statusCode, 200, acked.body)
  problem(t, await inject('POST', `/v1/feedback/${item.id}/transitions`, { to: 'reported_back' }, { ...staff, 'if-match': '"2"' }), 409, 'INVALID_TRANSITION')
  t.equal((await read(item.id)).status, 'acknowledged')
})

t.test('when staff move a received item straight to REPORTED_BACK over GraphQL, then INVALID_TRANSITION and the item is untouched', async (t) => {
  const item = await submit('Speeding on 5th')
  const res = await gql(`mutation ($id: ID!) { transitionFeedback(id: $id, expectedVersion: 1, input: { to: REPORTED_BACK }) { status } }`, { id: item.id })
  t.equal(res.data?.transitionFeedback ?? null, null)
  t.equal(res.errors?.length, 1)
  t.equal(res.errors?.[0]?.extensions.code, 'INVALID_TRANSITION')
  t.match(res.errors?.[0]?.message, /received feedback item cannot move to reported_back/)
  const after = await read(item.id)
  t.equal(after.status, 'received')
  t.equal(after.version, 1)
  t.strictSame(await history(item.id), ['received'])
})

t.test('when a report-back names an item still received, then it is linked but stays received; an addressed item moves to reported_back', async (t) => {
  const waiting = await submit('Potholes on Oak')
  const answered = await submit('Graffiti on the bridge')
  const decision = await recordDecision({ feedbackIds: [answered.id] })
  t.equal((await read(answered.id)).status, 'addressed')
  const res = await inject('POST', '/v1/report-backs', { decisionId: decision.id, channel: 'website', relayedAt: '2026-06-01T12:00:00Z', feedbackIds: [waiting.id, answered.id] })
  t.equal(res.statusCode, 201, res.body)
  const stillWaiting = await read(waiting.id)
  t.equal(stillWaiting.status, 'received', 'a received item is not reported back')
  t.equal(stillWaiting.reportedBackAt, null)
  t.strictSame(await history(waiting.id), ['received'])
  t.equal((await read(answered.id)).status, 'reported_back', 'the addressed one is')
  // History is ordered by when each step happened, and the relaying is dated before this test ran.
  t.strictSame((await history(answered.id)).sort(), ['addressed', 'received', 'reported_back'])
})

t.test('when a decision is changed with a stale If-Match, then 412 PRECONDITION_FAILED and the decision is unchanged', async (t) => {
  const decision = await recordDecision()
  const url = `/v1/decisions/${decision.id}`
  const first = await inject('PATCH', url, { summary: { en: 'Public works replaces 14 lamps.' } }, { ...staff, 'if-match': '"1"' })
  t.equal(first.statusCode, 200, first.body)
  t.equal(first.headers.etag, '"2"')
  const before = await inject('GET', url)
  t.equal(before.headers.etag, '"2"')

  const stale = await inject('PATCH', url, { title: { en: 'A title from a stale copy' }, summary: null }, { ...staff, 'if-match': '"1"' })
  problem(t, stale, 412, 'PRECONDITION_FAILED')
  t.match(stale.json().detail, /version 2/, 'the current version is named')
  const after = await inject('GET', url)
  t.equal(after.headers.etag, '"2"')
  t.strictSame(after.json(), before.json(), 'nothing changed')
  t.equal(after.json().title, 'Fix the lights on Main')
  t.equal(after.json().summary, 'Public works replaces 14 lamps.')

  // An If-Match listing only stale versions is as stale as one.
  problem(t, await inject('PATCH', url, { title: { en: 'Stale again' } }, { ...staff, 'if-match': '"1", "3"' }), 412, 'PRECONDITION_FAILED')

  // Progress is a change too: a stale one adds no update and leaves the status.
  const progress = await inject('POST', `${url}/updates`, { status: 'adopted', on: '2026-05-02' }, { ...staff, 'if-match': '"1"' })
  problem(t, progress, 412, 'PRECONDITION_FAILED')
  t.strictSame((await inject('GET', url)).json(), before.json(), 'no update was added')

  const viaGraphql = await gql(`mutation ($id: ID!) { updateDecision(id: $id, expectedVersion: 1, input: { title: [{ language: "en", text: "Stale over GraphQL" }] }) { title version } }`, { id: decision.id })
  t.equal(viaGraphql.data?.updateDecision ?? null, null)
  t.equal(viaGraphql.errors?.[0]?.extensions.code, 'PRECONDITION_FAILED')
  const progressViaGraphql = await gql(`mutation ($id: ID!) { addDecisionUpdate(id: $id, expectedVersion: 1, input: { status: ADOPTED, on: "2026-05-02" }) { status } }`, { id: decision.id })
  t.equal(progressViaGraphql.errors?.[0]?.extensions.code, 'PRECONDITION_FAILED')
  t.strictSame((await inject('GET', url)).json(), before.json(), 'still unchanged')
  const audited = await database.raw<{ n: number }>(`select count(*)::int as n from audit_events where entity_id = $1 and action in ('decision.updated', 'decision.progressed')`, [decision.id])
  t.equal(audited[0]!.n, 1, 'only the one current change was audited')

  const current = await inject('PATCH', url, { title: { en: 'Fix every light on Main' } }, { ...staff, 'if-match': '"2"' })
  t.equal(current.statusCode, 200, 'the current ETag still works')
  t.equal(current.headers.etag, '"3"')
})
