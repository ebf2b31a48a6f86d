// Limits that must not be walked around: GraphQL submissions, invalid tokens, and other callers' Idempotency-Keys.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { buildApp } from '../src/app.ts'
import { build, testConfig } from './helpers/build.ts'

const feedback = { agency: 'metro', body: 'Street lights are out', language: 'en', topic: 'other' }
const submit = 'mutation ($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { feedback { id } } }'

t.test('when GraphQL submits feedback anonymously, then it is held to the same submission limit as REST', async (t) => {
  // A sixth of 12: two submissions a minute per address.
  const { app } = await build(t, { env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '12' } })
  const gql = (query: string, remoteAddress: string, variables: Record<string, unknown> = { input: feedback }) =>
    app.inject({ method: 'POST', url: '/graphql', remoteAddress, payload: { query, variables } })
  t.notOk((await gql(submit, '10.0.0.1')).json().errors, 'first: accepted')
  t.notOk((await gql(submit, '10.0.0.1')).json().errors, 'second: accepted')
  const third = await gql(submit, '10.0.0.1')
  t.equal(third.statusCode, 429, 'third: 429')
  t.equal(third.json().errors[0].extensions.code, 'RATE_LIMITED')
  t.ok(third.json().errors[0].extensions.retryAfterSeconds > 0, 'with the time to wait')
  t.notOk((await gql(submit, '10.0.0.2')).json().errors, 'another address has its own allowance')

  const aliased = await gql(
    'mutation ($input: SubmitFeedbackInput!) { a: submitFeedback(input: $input) { feedback { id } } b: submitFeedback(input: $input) { feedback { id } } c: submitFeedback(input: $input) { feedback { id } } }',
    '10.0.0.3',
  )
  t.equal(aliased.json().errors?.[0]?.extensions.code, 'RATE_LIMITED', 'three aliased submissions in one request count as three')
  t.equal((await app.inject({ method: 'GET', url: '/v1/feedback?agency=metro', remoteAddress: '10.0.0.3' })).statusCode, 200, 'reading is not held to the submission limit')
  t.notOk((await gql('{ events { nodes { id } } }', '10.0.0.1', {})).json().errors, 'nor is a GraphQL query')
})

t.test('when requests carry invalid bearer tokens, then they count against the client address like anonymous ones', async (t) => {
  const { app } = await build(t, { env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '5' } })
  const guess = (remoteAddress: string) => app.inject({ method: 'GET', url: '/v1/events', remoteAddress, headers: { authorization: `Bearer guess.${Math.random().toString(36).slice(2)}.x` } })
  for (let i = 1; i <= 5; i++) t.equal((await guess('10.0.1.1')).statusCode, 401, `guess ${i}: 401`)
  const sixth = await guess('10.0.1.1')
  t.equal(sixth.statusCode, 429, 'the sixth guess in a minute: 429')
  t.equal(sixth.json().code, 'RATE_LIMITED')
  t.ok(Number(sixth.headers['retry-after']) > 0, 'with Retry-After')
  t.equal((await app.inject({ method: 'GET', url: '/v1/events', remoteAddress: '10.0.1.1' })).statusCode, 429, 'the same allowance as anonymous requests from that address')
  t.equal((await guess('10.0.1.2')).statusCode, 401, 'another address is not affected')
})

t.test('when anonymous callers at different addresses use the same Idempotency-Key, then neither sees nor blocks the other', async (t) => {
  const { app, database } = await build(t)
  const post = (remoteAddress: string, body: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/feedback', remoteAddress, headers: { 'idempotency-key': 'feedback-1' }, payload: body })
  const first = await post('10.0.2.1', feedback)
  t.equal(first.statusCode, 201)
  const probe = await post('10.0.2.2', feedback)
  t.equal(probe.statusCode, 201, 'the same key and body from elsewhere creates its own item')
  t.not(probe.json().id, first.json().id, "it is not the first caller's item")
  t.notOk(probe.headers['idempotent-replayed'], 'and is no replay: a key cannot be probed')
  const otherBody = await post('10.0.2.3', { ...feedback, body: 'Something else' })
  t.equal(otherBody.statusCode, 201, 'nor refused as reused: nobody can take a key first')
  const retry = await post('10.0.2.1', feedback)
  t.equal(retry.headers['idempotent-replayed'], 'true', "the first caller's retry replays")
  t.equal(retry.json().id, first.json().id)
  const stored = await database.raw<{ principal: string }>('select principal from idempotency_keys')
  t.equal(new Set(stored.map((r) => r.principal)).size, 3, 'one namespace per address')
  t.notOk(stored.some((r) => r.principal.includes('10.0.2')), 'and no address is stored')
})

t.test('when a valid partner token cannot be checked because the database is unavailable, then it gets 503 every time, never 429', async (t) => {
  const { app } = await build(t, { env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3' } })
  const staff = await bearer()
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Northside Youth', kind: 'youth' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'idp-partner', claims: { org: org.id } })
  t.equal((await app.inject({ method: 'GET', url: '/v1/events', remoteAddress: '10.0.3.1', headers: partner })).statusCode, 200, 'while the database answers: 200')
  // What node-postgres throws when the server goes away mid-query (the partnership check is a real query, read per request).
  const check = app.services.credentials.isActivePartner
  app.services.credentials.isActivePartner = async () => {
    throw new Error('Connection terminated unexpectedly')
  }
  t.teardown(() => void (app.services.credentials.isActivePartner = check))
  for (let i = 1; i <= 8; i++) {
    const res = await app.inject({ method: 'GET', url: '/v1/events', remoteAddress: '10.0.3.1', headers: partner })
    t.equal(res.statusCode, 503, `request ${i} during the outage: 503`)
    t.equal(res.json().code, 'DATABASE_UNAVAILABLE')
  }
  app.services.credentials.isActivePartner = check
  t.equal((await app.inject({ method: 'GET', url: '/v1/events', remoteAddress: '10.0.3.1' })).statusCode, 200, "the address's anonymous allowance is untouched")
})

t.test('when instances share a database but no configured secret, then an anonymous retry reaching another instance replays', async (t) => {
  const { database } = await build(t)
  // Neither IDEMPOTENCY_SCOPE_SECRET nor TOKEN_SIGNING_JWK: the secret must come from the database both use.
  const config = testConfig({ TOKEN_SIGNING_JWK: '' })
  const [a, b] = [await buildApp({ config, database }), await buildApp({ config, database })]
  t.teardown(async () => {
    await a.close()
    await b.close()
  })
  const post = (app: typeof a) => app.inject({ method: 'POST', url: '/v1/feedback', remoteAddress: '10.0.4.1', headers: { 'idempotency-key': 'retry-1' }, payload: feedback })
  const first = await post(a)
  t.equal(first.statusCode, 201)
  const retry = await post(b)
  t.equal(retry.headers['idempotent-replayed'], 'true', 'the retry on the other instance replays')
  t.equal(retry.json().id, first.json().id, 'the same item, not a duplicate')
})

t.test('when an address has used its submission allowance through one door, then REST, Open311 and GraphQL all refuse it within the minute', async (t) => {
  // A sixth of 12: two submissions a minute per address, whichever door they come through.
  const { app } = await build(t, { env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '12' } })
  const rest = (remoteAddress: string) => app.inject({ method: 'POST', url: '/v1/feedback', remoteAddress, payload: feedback })
  const open311 = (remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ jurisdiction_id: 'metro', service_code: 'other', description: 'Street lights are out', address_string: 'Main St' }).toString(),
    })
  const graphql = (remoteAddress: string) => app.inject({ method: 'POST', url: '/graphql', remoteAddress, payload: { query: submit, variables: { input: feedback } } })

  t.equal((await rest('10.0.5.1')).statusCode, 201, 'REST: first')
  t.equal((await rest('10.0.5.1')).statusCode, 201, 'REST: second')
  t.equal((await graphql('10.0.5.1')).json().errors?.[0]?.extensions.code, 'RATE_LIMITED', 'then GraphQL refuses')
  t.equal((await open311('10.0.5.1')).statusCode, 429, 'and Open311 refuses')

  t.equal((await open311('10.0.5.2')).statusCode, 201, 'Open311: first')
  t.notOk((await graphql('10.0.5.2')).json().errors, 'GraphQL: second')
  t.equal((await rest('10.0.5.2')).statusCode, 429, 'then REST refuses')
  t.equal((await open311('10.0.5.2')).statusCode, 429, 'and Open311 refuses')
})
