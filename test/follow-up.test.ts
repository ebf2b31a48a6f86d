// Follow-up for the individual: a giver, even anonymous, follows their feedback with only a private tracking code
// (256 random bits, stored only as a hash), in their language, over REST, GraphQL and Open311.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { feedbackTracking } from '../src/db/schema/index.ts'
import { hashOf } from '../src/modules/follow-up/tracking-code.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

const { app, database } = await build(t)
const staff = await bearer()

t.test('when an anonymous giver keeps the code, then it shows their item, the decision and the report-back in their language', async (t) => {
  const given = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { agency: 'metro', body: 'Cars race past the school on Cedar Street', language: 'so', topic: 'community_safety' } })
  t.equal(given.statusCode, 201, given.body)
  t.equal(given.headers['cache-control'], 'no-store')
  const { id, trackingCode, trackingUrl } = given.json()
  t.match(trackingCode, /^[A-Za-z0-9_-]{43}$/, '256 bits in base64url')
  t.equal(new URL(trackingUrl).pathname, `/v1/follow-up/${trackingCode}`)
  const [stored] = await database.db.select().from(feedbackTracking).where(sql`${feedbackTracking.feedbackId} = ${id}::uuid`)
  t.equal(stored!.codeHash, hashOf(trackingCode), 'only the hash is kept')
  t.notMatch(JSON.stringify(await database.db.execute(sql`select * from feedback_tracking`)), trackingCode, 'the code itself is nowhere in the table')

  const before = await app.inject({ method: 'GET', url: `/v1/follow-up/${trackingCode}` })
  t.equal(before.statusCode, 200, before.body)
  t.match(before.json(), { feedback: { id, status: 'received', language: 'so', topic: 'community_safety' }, decisions: [], reportBacks: [], priorities: [] })
  t.notOk('body' in before.json().feedback, 'the text itself is not shown: the code may travel')
  t.equal(before.headers['cache-control'], 'no-store')

  const decision = (await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'School-zone patrols', so: 'Ilaalada aagga dugsiga' }, publication: 'published', status: 'adopted', feedbackIds: [id] } })).json()
  const draft = (await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Internal draft' }, feedbackIds: [id] } })).json()
  const rb = (await app.inject({ method: 'POST', url: '/v1/report-backs', headers: staff, payload: { decisionId: decision.id, channel: 'community_meeting', relayedAt: new Date(Date.parse(given.json().receivedAt) + 60_000).toISOString(), summary: { en: 'Patrols start Monday', so: 'Ilaalada waxay bilaabanayaan Isniinta' } } })).json()
  const priority = (await app.inject({ method: 'POST', url: '/v1/priorities', headers: staff, payload: { statement: { en: 'Safe routes to school', so: 'Waddooyin badbaado leh' }, feedbackIds: [id] } })).json()

  const after = (await app.inject({ method: 'GET', url: `/v1/follow-up/${trackingCode}`, headers: { 'accept-language': 'en' } })).json()
  t.equal(after.feedback.status, 'reported_back')
  t.same(after.decisions.map((d: { id: string }) => d.id), [decision.id], 'published decisions only')
  t.not(after.decisions[0].id, draft.id)
  t.equal(after.decisions[0].title, 'Ilaalada aagga dugsiga', 'in the language the giver wrote in, before the browser’s')
  t.equal(after.reportBacks[0].id, rb.id)
  t.equal(after.reportBacks[0].summary, 'Ilaalada waxay bilaabanayaan Isniinta')
  t.equal(after.priorities[0].id, priority.id)
  t.same(after.feedback.history.map((h: { status: string }) => h.status), ['received', 'addressed', 'reported_back'])
  const english = (await app.inject({ method: 'GET', url: `/v1/follow-up/${trackingCode}?language=en` })).json()
  t.equal(english.decisions[0].title, 'School-zone patrols', 'an explicit language wins')

  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: 'query ($code: String!) { followUp(code: $code) { contentLanguage feedback { status language history { status } } decisions { title } reportBacks { summary } priorities { statement } } }', variables: { code: trackingCode } } })
  t.same(gql.json().data.followUp, {
    contentLanguage: 'so',
    feedback: { status: 'REPORTED_BACK', language: 'so', history: [{ status: 'RECEIVED' }, { status: 'ADDRESSED' }, { status: 'REPORTED_BACK' }] },
    decisions: [{ title: 'Ilaalada aagga dugsiga' }],
    reportBacks: [{ summary: 'Ilaalada waxay bilaabanayaan Isniinta' }],
    priorities: [{ statement: 'Waddooyin badbaado leh' }],
  })
})

t.test('when a code is wrong, then nothing is told apart and bad input is a problem', async (t) => {
  for (const code of ['x', 'A'.repeat(43), 'A'.repeat(44), '%00'.repeat(3)]) {
    const res = await app.inject({ method: 'GET', url: `/v1/follow-up/${code}` })
    t.ok([400, 404].includes(res.statusCode), `${code.slice(0, 8)} → ${res.statusCode}`)
    if (res.statusCode === 404) t.equal(res.json().code, 'TRACKING_CODE_NOT_FOUND')
  }
  const given = (await app.inject({ method: 'POST', url: '/v1/feedback', payload: { agency: 'metro', body: 'x', language: 'en', topic: 'other' } })).json()
  t.equal((await app.inject({ method: 'GET', url: `/v1/follow-up/${given.trackingCode}?language=not a tag` })).json().code, 'VALIDATION_FAILED')
  t.equal((await app.inject({ method: 'GET', url: `/v1/follow-up/${given.trackingCode}?colour=blue` })).json().code, 'VALIDATION_FAILED')
  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ followUp(code: "nope") { feedback { id } } }' } })
  t.equal(gql.json().errors[0].extensions.code, 'TRACKING_CODE_NOT_FOUND')
})

t.test('when a retry replays the submission, then no second code is issued and the first still works', async (t) => {
  const send = () => app.inject({ method: 'POST', url: '/v1/feedback', headers: { 'idempotency-key': 'follow-up-replay' }, payload: { agency: 'metro', body: 'Replay me', language: 'en', topic: 'other' } })
  const first = (await send()).json()
  const replay = await send()
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.notOk(replay.json().trackingCode, 'the code was shown once')
  t.equal((await app.inject({ method: 'GET', url: `/v1/follow-up/${first.trackingCode}` })).statusCode, 200)
})

t.test('when a report comes through Open311, then its token is the reporter’s tracking code', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ jurisdiction_id: 'metro', service_code: 'other', description: 'Broken light', address_string: 'Elm and 5th' }).toString() })
  t.equal(res.statusCode, 201, res.body)
  const [created] = res.json()
  t.match(created.token, /^[A-Za-z0-9_-]{43}$/)
  const followUp = (await app.inject({ method: 'GET', url: `/v1/follow-up/${created.token}` })).json()
  t.equal(followUp.feedback.id, created.service_request_id)
})
