// A partner token from the identity provider speaks for its organization only while the partnership is active.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const contact = { name: 'Ana Ruiz', email: 'ana@eastside.example.org', phone: '+1 555 0100' }

async function graphql(app: FastifyInstance, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  return app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })
}

/** What a partner does: edit a co-hosted event, submit feedback, record a participant, read its contact; REST and GraphQL. */
async function partnerActions(app: FastifyInstance, headers: Record<string, string>, orgId: string, eventId: string) {
  const event = (await app.inject({ method: 'GET', url: `/v1/events/${eventId}`, headers: await bearer() })).json()
  const rest = {
    'REST edit a co-hosted event': await app.inject({ method: 'PATCH', url: `/v1/events/${eventId}`, headers: { ...headers, 'if-match': `"${event.version}"` }, payload: { capacity: 40 + event.version } }),
    'REST submit partner feedback': await app.inject({ method: 'POST', url: '/v1/feedback', headers, payload: { body: 'Collected at our meeting', language: 'en', topic: 'other', eventId } }),
    'REST record a participant': await app.inject({ method: 'POST', url: '/v1/participants', headers, payload: { displayName: 'Partner person', organizationId: orgId } }),
    'REST read its contact': await app.inject({ method: 'GET', url: `/v1/organizations/${orgId}`, headers }),
  }
  const version = (await app.inject({ method: 'GET', url: `/v1/events/${eventId}`, headers: await bearer() })).json().version
  const gql = {
    'GraphQL edit a co-hosted event': await graphql(app, 'mutation ($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: { capacity: 12 }) { id } }', { id: eventId, v: version }, headers),
    'GraphQL submit partner feedback': await graphql(app, 'mutation ($e: ID!) { submitFeedback(input: { body: "Collected", language: "en", topic: "other", eventId: $e }) { feedback { id } } }', { e: eventId }, headers),
    'GraphQL record a participant': await graphql(app, 'mutation ($o: ID!) { createParticipant(input: { displayName: "G", organizationId: $o }) { participant { id } } }', { o: orgId }, headers),
    'GraphQL read its contact': await graphql(app, 'query ($id: ID!) { organization(id: $id) { contact { email } } }', { id: orgId }, headers),
  }
  return { rest, gql }
}

t.test('when an organization is paused or ended, then its identity-provider partner token can no longer act for it, over REST or GraphQL', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Eastside Neighbours', kind: 'neighbourhood_association', contact } })).json()
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ coHostIds: [org.id] }) })).json()
  const partner = await bearer({ role: 'partner', sub: 'idp-partner', claims: { org: org.id } })

  // While active, every action works: the refusals below are the partnership's doing, not the requests'.
  const active = await partnerActions(app, partner, org.id, event.id)
  for (const [name, res] of Object.entries(active.rest)) t.ok(res.statusCode < 300, `active: ${name} succeeds (${res.statusCode})`)
  for (const [name, res] of Object.entries(active.gql)) t.notOk(res.json().errors, `active: ${name} succeeds`)
  t.equal(active.rest['REST read its contact'].json().contact.email, contact.email)

  let version = (await app.inject({ method: 'GET', url: `/v1/organizations/${org.id}`, headers: staff })).json().version
  for (const status of ['paused', 'ended']) {
    const changed = await app.inject({ method: 'PATCH', url: `/v1/organizations/${org.id}`, headers: { ...staff, 'if-match': `"${version}"` }, payload: { partnershipStatus: status } })
    t.equal(changed.statusCode, 200, `staff mark the partnership ${status}`)
    version = changed.json().version
    // The very next request sees it: the status is read on every request, not cached.
    const refused = await partnerActions(app, partner, org.id, event.id)
    for (const [name, res] of Object.entries(refused.rest)) {
      t.equal(res.statusCode, 401, `${status}: ${name} is refused`)
      t.equal(res.json().code, 'UNAUTHENTICATED')
      t.match(res.headers['www-authenticate'], /error="invalid_token"/)
      t.notMatch(res.body, contact.email)
    }
    for (const [name, res] of Object.entries(refused.gql)) {
      t.equal(res.statusCode, 401, `${status}: ${name} is refused`)
      t.equal(res.json().errors[0].extensions.code, 'UNAUTHENTICATED')
      t.notMatch(res.body, contact.email)
    }
  }
  const afterwards = (await app.inject({ method: 'GET', url: `/v1/events/${event.id}`, headers: staff })).json()
  t.equal(afterwards.capacity, 12, 'no refused edit changed the event (GraphQL set 12 while active)')

  // Active again: the same token works again, so nothing about the token itself was the problem.
  await app.inject({ method: 'PATCH', url: `/v1/organizations/${org.id}`, headers: { ...staff, 'if-match': `"${version}"` }, payload: { partnershipStatus: 'active' } })
  t.equal((await app.inject({ method: 'GET', url: `/v1/organizations/${org.id}`, headers: partner })).json().contact.email, contact.email, 'reactivated, it reads its contact again')
})

t.test('when a partner token names an organization of another agency, then it is refused', async (t) => {
  const { app } = await build(t)
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: await bearer(), payload: { name: 'Eastside Neighbours', kind: 'neighbourhood_association', contact } })).json()
  const misdirected = await bearer({ role: 'partner', agency: 'lakeside', claims: { org: org.id } })
  const res = await app.inject({ method: 'GET', url: `/v1/organizations/${org.id}`, headers: misdirected })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'UNAUTHENTICATED')
})
