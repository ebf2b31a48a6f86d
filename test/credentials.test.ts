// Partner API credentials: an admin issues one (secret shown once), the client exchanges it for a token at
// /oauth/token (RFC 6749 §4.4), edits the events its organization co-hosts, and revocation stops it at once.
import type { FastifyInstance } from 'fastify'
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT, type JWTPayload } from 'jose'
import t from 'tap'
import { bearer, partnerSigningJwk, signingKey } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { injectChecked } from './helpers/openapi.ts'

async function checked(...args: Parameters<typeof injectChecked>) {
  const res = await injectChecked(...args)
  return res as Omit<typeof res, 'json'> & { json(): any }
}

const form = { 'content-type': 'application/x-www-form-urlencoded' }
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` })

async function setUp(_t: unknown, app: FastifyInstance) {
  const staff = await bearer()
  const admin = await bearer({ role: 'admin' })
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Eastside Neighbours', kind: 'neighbourhood_association', contact: { email: 'hello@eastside.example.org' } } })).json()
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ coHostIds: [org.id] }) })).json()
  const other = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })).json()
  return { staff, admin, org, event, other }
}

t.test('when an admin issues a credential, then the secret is shown once, exchanged for a token that edits co-hosted events, and revocation refuses it at once', async (t) => {
  const { app, database } = await build(t)
  const { admin, org, event, other } = await setUp(t, app)

  const created = await checked(t, app, { method: 'POST', url: `/v1/organizations/${org.id}/api-clients`, headers: admin, payload: { name: 'Calendar sync' } })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['cache-control'], 'no-store')
  const client = created.json()
  t.match(client, { name: 'Calendar sync', organizationId: org.id, revokedAt: null })
  t.ok(client.clientSecret.length >= 40, 'a long random secret')
  t.match(client.clientId, /^cep_/)

  const listed = await checked(t, app, { method: 'GET', url: `/v1/organizations/${org.id}/api-clients`, headers: admin })
  t.equal(listed.statusCode, 200)
  t.equal(listed.json().data.length, 1)
  t.notOk('clientSecret' in listed.json().data[0], 'the secret is never shown again')
  t.notMatch(listed.body, client.clientSecret)

  const stored = await database.raw<{ secret_hash: string }>('select secret_hash from api_clients')
  t.match(stored[0]!.secret_hash, /^scrypt\$16384\$8\$1\$/, 'stored as a salted scrypt hash')
  t.notMatch(stored[0]!.secret_hash, client.clientSecret)

  const token = await checked(t, app, { method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}` })
  t.equal(token.statusCode, 200)
  t.equal(token.headers['cache-control'], 'no-store')
  t.match(token.json(), { token_type: 'Bearer', expires_in: 300 })
  const claims = decodeJwt(token.json().access_token)
  t.match(claims, { sub: client.clientId, roles: ['partner'], agency: 'metro', org: org.id, aud: 'community-engagement-api', iss: 'http://api.example.test' })
  t.equal(decodeProtectedHeader(token.json().access_token).alg, 'ES256')
  t.equal(claims.exp! - claims.iat!, 300, 'lives five minutes')
  const partner = { authorization: `Bearer ${token.json().access_token}` }

  const edited = await checked(t, app, { method: 'PATCH', url: `/v1/events/${event.id}`, headers: { ...partner, 'if-match': '"1"' }, payload: { capacity: 75 } })
  t.equal(edited.statusCode, 200, 'the token edits an event the organization co-hosts')
  t.equal(edited.json().capacity, 75)
  const elsewhere = await checked(t, app, { method: 'PATCH', url: `/v1/events/${other.id}`, headers: { ...partner, 'if-match': '"1"' }, payload: { capacity: 75 } })
  t.equal(elsewhere.statusCode, 404, 'and no other event')
  const own = await checked(t, app, { method: 'GET', url: `/v1/organizations/${org.id}`, headers: partner })
  t.equal(own.json().contact.email, 'hello@eastside.example.org', 'the organization sees its own contact')

  const audit = await database.raw<{ action: string; actor_kind: string; actor_subject: string | null }>(`select action, actor_kind, actor_subject from audit_events where entity_type in ('api_client', 'event') order by at, action`)
  t.ok(audit.some((r) => r.action === 'api_client.created' && r.actor_kind === 'admin'), 'creation is audited')
  t.ok(audit.some((r) => r.action === 'api_client.token_issued' && r.actor_subject === client.clientId), 'the token issue is audited')
  t.ok(audit.some((r) => r.action === 'event.updated' && r.actor_kind === 'partner' && r.actor_subject === client.clientId), 'the edit is audited as the client')

  const revoked = await checked(t, app, { method: 'POST', url: `/v1/api-clients/${client.id}/revoke`, headers: admin })
  t.equal(revoked.statusCode, 200)
  t.ok(revoked.json().revokedAt)
  t.ok(revoked.json().lastUsedAt, 'last use is recorded')
  const again = await checked(t, app, { method: 'POST', url: `/v1/api-clients/${client.id}/revoke`, headers: admin })
  t.equal(again.json().revokedAt, revoked.json().revokedAt, 'revoking twice changes nothing')
  t.ok((await database.raw(`select 1 from audit_events where action = 'api_client.revoked'`)).length === 1, 'revocation is audited once')

  const refused = await checked(t, app, { method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}` })
  t.equal(refused.statusCode, 401, 'the token endpoint refuses a revoked client at once')
  t.match(refused.json(), { code: 'INVALID_CLIENT', error: 'invalid_client' })
  const stale = await app.inject({ method: 'PATCH', url: `/v1/events/${event.id}`, headers: { ...partner, 'if-match': '"2"' }, payload: { capacity: 5 } })
  t.equal(stale.statusCode, 401, 'a token issued before revocation stops working too')
  t.equal(stale.json().code, 'UNAUTHENTICATED')
})

t.test('when a token request is wrong, then it is refused as RFC 6749 says, in a problem body', async (t) => {
  const { app } = await build(t)
  const { admin, org } = await setUp(t, app)
  const client = (await app.inject({ method: 'POST', url: `/v1/organizations/${org.id}/api-clients`, headers: admin, payload: { name: 'Sync' } })).json()

  const viaBasic = await checked(t, app, { method: 'POST', url: '/oauth/token', headers: { ...form, ...basic(client.clientId, client.clientSecret) }, payload: 'grant_type=client_credentials' })
  t.equal(viaBasic.statusCode, 200, 'HTTP Basic client authentication works')
  t.ok(viaBasic.json().access_token)

  const cases: [string, Record<string, string>, string, number, string, string][] = [
    ['wrong secret', form, `grant_type=client_credentials&client_id=${client.clientId}&client_secret=not-the-secret`, 401, 'INVALID_CLIENT', 'invalid_client'],
    ['wrong secret over Basic', { ...form, ...basic(client.clientId, 'nope') }, 'grant_type=client_credentials', 401, 'INVALID_CLIENT', 'invalid_client'],
    ['unknown client', form, `grant_type=client_credentials&client_id=cep_nobody&client_secret=${client.clientSecret}`, 401, 'INVALID_CLIENT', 'invalid_client'],
    ['no client authentication', form, 'grant_type=client_credentials', 401, 'INVALID_CLIENT', 'invalid_client'],
    ['no grant type', form, `client_id=${client.clientId}&client_secret=${client.clientSecret}`, 400, 'INVALID_TOKEN_REQUEST', 'invalid_request'],
    ['another grant type', form, `grant_type=password&client_id=${client.clientId}&client_secret=${client.clientSecret}`, 400, 'UNSUPPORTED_GRANT_TYPE', 'unsupported_grant_type'],
    ['a parameter twice', form, `grant_type=client_credentials&grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}`, 400, 'INVALID_TOKEN_REQUEST', 'invalid_request'],
    ['two ways to authenticate', { ...form, ...basic(client.clientId, client.clientSecret) }, `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}`, 400, 'INVALID_TOKEN_REQUEST', 'invalid_request'],
    ['a JSON body', { 'content-type': 'application/json' }, JSON.stringify({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }), 400, 'INVALID_TOKEN_REQUEST', 'invalid_request'],
  ]
  for (const [name, headers, payload, status, code, error] of cases) {
    const res = await checked(t, app, { method: 'POST', url: '/oauth/token', headers, payload })
    t.equal(res.statusCode, status, `${name}: ${status}`)
    t.match(res.json(), { code, error }, `${name}: ${code} / ${error}`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  }
  const basicRefusal = await app.inject({ method: 'POST', url: '/oauth/token', headers: { ...form, ...basic(client.clientId, 'nope') }, payload: 'grant_type=client_credentials' })
  t.match(basicRefusal.headers['www-authenticate'], /^Basic /, 'a client that tried Basic is told the scheme')
})

t.test('when someone other than an admin manages credentials, then it is refused', async (t) => {
  const { app } = await build(t)
  const { staff, admin, org } = await setUp(t, app)
  const client = (await app.inject({ method: 'POST', url: `/v1/organizations/${org.id}/api-clients`, headers: admin, payload: { name: 'Sync' } })).json()
  const partner = await bearer({ role: 'partner', claims: { org: org.id } })
  for (const [who, headers, status] of [['the public', {}, 401], ['staff', staff, 403], ['the partner itself', partner, 403]] as const) {
    t.equal((await checked(t, app, { method: 'POST', url: `/v1/organizations/${org.id}/api-clients`, headers, payload: { name: 'Mine' } })).statusCode, status, `${who}: create ${status}`)
    t.equal((await checked(t, app, { method: 'GET', url: `/v1/organizations/${org.id}/api-clients`, headers })).statusCode, status, `${who}: list ${status}`)
    t.equal((await checked(t, app, { method: 'POST', url: `/v1/api-clients/${client.id}/revoke`, headers })).statusCode, status, `${who}: revoke ${status}`)
  }
  const otherAdmin = await bearer({ role: 'admin', agency: 'lakeside' })
  const foreign = await checked(t, app, { method: 'POST', url: `/v1/organizations/${org.id}/api-clients`, headers: otherAdmin, payload: { name: 'Mine' } })
  t.equal(foreign.statusCode, 404, "another agency's admin: the organization is not found")
  t.equal(foreign.json().code, 'ORGANIZATION_NOT_FOUND')
  const foreignRevoke = await checked(t, app, { method: 'POST', url: `/v1/api-clients/${client.id}/revoke`, headers: otherAdmin })
  t.equal(foreignRevoke.json().code, 'API_CLIENT_NOT_FOUND')
  const noName = await checked(t, app, { method: 'POST', url: `/v1/organizations/${org.id}/api-clients`, headers: admin, payload: { name: '', secret: 'mine' } })
  t.equal(noName.statusCode, 400)
  t.same(noName.json().errors.map((e: { field: string }) => e.field).sort(), ['name', 'secret'], 'a chosen secret is refused, not ignored')
})

t.test('when no signing key is configured, then the token endpoint says partner credentials are not configured', async (t) => {
  const { app } = await build(t, { env: { TOKEN_SIGNING_JWK: '' } })
  const res = await checked(t, app, { method: 'POST', url: '/oauth/token', headers: form, payload: 'grant_type=client_credentials&client_id=a&client_secret=b' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'PARTNER_CREDENTIALS_NOT_CONFIGURED')
})

t.test('when credentials are managed over GraphQL, then the rules are the same as REST', async (t) => {
  const { app } = await build(t)
  const { staff, admin, org } = await setUp(null, app)
  const gql = async (query: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
    (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })).json()
  const create = `mutation ($org: ID!) { createApiClient(organizationId: $org, name: "Sync") { clientSecret apiClient { id clientId name organizationId revokedAt } } }`
  t.equal((await gql(create, { org: org.id }, staff)).errors[0].extensions.code, 'FORBIDDEN', 'staff may not issue credentials')
  const created = await gql(create, { org: org.id }, admin)
  t.same(created.errors, undefined)
  const { clientSecret, apiClient } = created.data.createApiClient
  t.match(apiClient, { name: 'Sync', organizationId: org.id, revokedAt: null })

  const listed = await gql(`query ($org: ID!) { apiClients(organizationId: $org) { id clientId revokedAt } }`, { org: org.id }, admin)
  t.same(listed.data.apiClients, [{ id: apiClient.id, clientId: apiClient.clientId, revokedAt: null }])
  t.equal((await gql(`query ($org: ID!) { apiClients(organizationId: $org) { id } }`, { org: org.id }, staff)).errors[0].extensions.code, 'FORBIDDEN')

  const token = await app.inject({ method: 'POST', url: '/oauth/token', headers: { ...form, ...basic(apiClient.clientId, clientSecret) }, payload: 'grant_type=client_credentials' })
  t.equal(token.statusCode, 200)
  const revoked = await gql(`mutation ($id: ID!) { revokeApiClient(id: $id) { revokedAt lastUsedAt } }`, { id: apiClient.id }, admin)
  t.ok(revoked.data.revokeApiClient.revokedAt)
  t.ok(revoked.data.revokeApiClient.lastUsedAt)
  const refused = await app.inject({ method: 'POST', url: '/oauth/token', headers: { ...form, ...basic(apiClient.clientId, clientSecret) }, payload: 'grant_type=client_credentials' })
  t.equal(refused.statusCode, 401)
  t.equal(refused.json().error, 'invalid_client')
  t.equal((await gql(`mutation { revokeApiClient(id: "nope") { id } }`, {}, admin)).errors[0].extensions.code, 'API_CLIENT_NOT_FOUND')
})

t.test('when a partnership is paused or ended, then the organization gets no new token and its live tokens stop, until it is active again', async (t) => {
  const { app } = await build(t)
  const { admin, staff, org, event } = await setUp(t, app)
  const client = (await app.inject({ method: 'POST', url: `/v1/organizations/${org.id}/api-clients`, headers: admin, payload: { name: 'Sync' } })).json()
  const exchange = () => app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}` })
  const partner = { authorization: `Bearer ${(await exchange()).json().access_token}` }
  const readOwn = () => app.inject({ method: 'GET', url: `/v1/events/${event.id}`, headers: partner })
  t.equal((await readOwn()).statusCode, 200, 'an active partner reads with its token')

  let version = (await app.inject({ method: 'GET', url: `/v1/organizations/${org.id}`, headers: staff })).json().version
  for (const status of ['paused', 'ended'] as const) {
    const changed = await app.inject({ method: 'PATCH', url: `/v1/organizations/${org.id}`, headers: { ...staff, 'if-match': `"${version}"` }, payload: { partnershipStatus: status } })
    t.equal(changed.statusCode, 200, `the partnership is ${status}`)
    version = changed.json().version
    const refused = await exchange()
    t.equal(refused.statusCode, 401, `${status}: no new token`)
    t.equal(refused.json().code, 'INVALID_CLIENT')
    t.equal((await readOwn()).statusCode, 401, `${status}: a token issued before stops working`)
  }
  const resumed = await app.inject({ method: 'PATCH', url: `/v1/organizations/${org.id}`, headers: { ...staff, 'if-match': `"${version}"` }, payload: { partnershipStatus: 'active' } })
  t.equal(resumed.statusCode, 200)
  t.equal((await exchange()).statusCode, 200, 'active again: tokens are issued again')
})

t.test('when a token signed with the partner key carries no expiry, then it is refused 401, though the same token with one is accepted', async (t) => {
  const { app } = await build(t)
  const { admin, org } = await setUp(t, app)
  const client = (await app.inject({ method: 'POST', url: `/v1/organizations/${org.id}/api-clients`, headers: admin, payload: { name: 'Sync' } })).json()
  const issued = await app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}` })
  // The server's own claims and times, re-signed with the server's key: only the expiry differs between the two tokens.
  const claims = decodeJwt(issued.json().access_token)
  const key = await importJWK(partnerSigningJwk, 'ES256')
  const sign = (payload: JWTPayload) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: partnerSigningJwk.kid, typ: 'at+jwt' }).sign(key)
  const { exp, ...withoutExp } = claims
  t.ok(exp, 'the issued token has an expiry to leave out')
  const readOrg = async (token: string) => app.inject({ method: 'GET', url: `/v1/organizations/${org.id}`, headers: { authorization: `Bearer ${token}` } })

  const withExpiry = await readOrg(await sign(claims))
  t.equal(withExpiry.statusCode, 200, 'with its expiry, the re-signed token is a valid partner token')
  t.equal(withExpiry.json().contact.email, 'hello@eastside.example.org', 'and speaks for the organization')
  t.notOk('exp' in withoutExp)
  const noExpiry = await readOrg(await sign(withoutExp))
  t.equal(noExpiry.statusCode, 401, 'without an expiry it is refused')
  t.equal(noExpiry.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(noExpiry.json().code, 'UNAUTHENTICATED')
  const viaGraphql = await app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${await sign(withoutExp)}` }, payload: { query: '{ __typename }' } })
  t.equal(viaGraphql.statusCode, 401, 'over GraphQL too')

  // The identity provider's tokens are held to the same rule.
  const staffClaims = decodeJwt((await bearer()).authorization.slice('Bearer '.length))
  const { exp: _staffExp, ...staffWithoutExp } = staffClaims
  const staffToken = await new SignJWT(staffWithoutExp).setProtectedHeader({ alg: 'ES256', kid: 'test-key-1' }).sign(signingKey)
  const staffRes = await app.inject({ method: 'GET', url: '/v1/organizations', headers: { authorization: `Bearer ${staffToken}` } })
  t.equal(staffRes.statusCode, 401, 'a staff token without an expiry is refused too')
  t.equal(staffRes.json().code, 'UNAUTHENTICATED')
})
