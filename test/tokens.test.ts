// Bearer tokens: every kind of bad token is refused with 401 and a problem body; a good one is accepted.
import { createHmac, createPublicKey } from 'node:crypto'
import { generateKeyPair, SignJWT } from 'jose'
import t from 'tap'
import { audience, issuer, jwks, signingKey, tokenFor } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'
import { eventBody } from './helpers/fixtures.ts'

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
// Claims are dated by the test clock, the app's time.
const now = () => Math.floor(testClock.now().getTime() / 1000)
const claims = (extra: Record<string, unknown> = {}) => ({ iss: issuer, aud: audience, sub: 'user-1', roles: ['staff'], agency: 'metro', iat: now(), exp: now() + 600, ...extra })
const sign = (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'test-key-1' }).sign(signingKey)

t.test('when a token is forged, stale, misaddressed or misplaced, then it is refused with 401; a good one is accepted', async (t) => {
  const { app } = await build(t)
  const good = await tokenFor()
  const [h, p, s] = good.split('.')
  const other = await generateKeyPair('ES256')
  const publicPem = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
  const hmacWithPublicKey = (() => {
    const header = b64({ alg: 'HS256', kid: 'test-key-1' })
    const payload = b64(claims())
    const mac = createHmac('sha256', publicPem).update(`${header}.${payload}`).digest('base64url')
    return `${header}.${payload}.${mac}`
  })()
  // A credential revoked after its token was issued: the token stops working at once.
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: { authorization: `Bearer ${good}` }, payload: { name: 'Partner', kind: 'other' } })).json()
  const admin = { authorization: `Bearer ${await tokenFor({ role: 'admin' })}` }
  const credential = (await app.inject({ method: 'POST', url: `/v1/organizations/${org.id}/api-clients`, headers: admin, payload: { name: 'Sync' } })).json()
  const issued = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${credential.clientId}&client_secret=${credential.clientSecret}`,
  })
  const revokedClientToken = issued.json().access_token as string
  t.equal((await app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${revokedClientToken}` } })).statusCode, 200, 'the partner token works before revocation')
  await app.inject({ method: 'POST', url: `/v1/api-clients/${credential.id}/revoke`, headers: admin })
  const partnerClaims = JSON.parse(Buffer.from(revokedClientToken.split('.')[1]!, 'base64url').toString())

  const noExp = claims()
  delete (noExp as Record<string, unknown>).exp

  const bad: [string, Record<string, string>, string?][] = [
    ['no signature', { authorization: `Bearer ${h}.${p}.` }],
    ['alg: none', { authorization: `Bearer ${b64({ alg: 'none' })}.${b64(claims())}.` }],
    ['signed with another key', { authorization: `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'test-key-1' }).sign(other.privateKey)}` }],
    ['HMAC keyed with the public key', { authorization: `Bearer ${hmacWithPublicKey}` }],
    ['expired', { authorization: `Bearer ${await sign(claims({ iat: now() - 7200, exp: now() - 3600 }))}` }],
    ['no exp', { authorization: `Bearer ${await sign(noExp)}` }],
    ['not valid yet (nbf in the future)', { authorization: `Bearer ${await sign(claims({ nbf: now() + 3600 }))}` }],
    ['wrong issuer', { authorization: `Bearer ${await sign(claims({ iss: 'https://evil.example.com/' }))}` }],
    ['wrong audience', { authorization: `Bearer ${await sign(claims({ aud: 'some-other-api' }))}` }],
    ['unknown key id', { authorization: `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'rotated-away' }).sign(other.privateKey)}` }],
    ['tampered payload', { authorization: `Bearer ${h}.${b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), roles: ['admin'] })}.${s}` }],
    ['oversize token', { authorization: `Bearer ${h}.${b64({ ...claims(), pad: 'x'.repeat(10_000) })}.${s}` }],
    ['token in the query string', {}, `?access_token=${good}`],
    ['not a JWT at all', { authorization: 'Bearer hello' }],
    ['wrong scheme', { authorization: `Basic ${good}` }],
    ['no role', { authorization: `Bearer ${await sign(claims({ roles: [] }))}` }],
    ['no agency', { authorization: `Bearer ${await sign(claims({ agency: undefined }))}` }],
    ['an agency this server does not host', { authorization: `Bearer ${await sign(claims({ agency: 'atlantis' }))}` }],
    ['no subject', { authorization: `Bearer ${await sign(claims({ sub: undefined }))}` }],
    ['revoked client', { authorization: `Bearer ${revokedClientToken}` }],
    ['partner token signed with the identity provider key', { authorization: `Bearer ${await new SignJWT(partnerClaims).setProtectedHeader({ alg: 'ES256', kid: 'partner-test-1' }).sign(signingKey)}` }],
  ]
  let rejected = 0
  for (const [name, headers, query = ''] of bad) {
    const res = await app.inject({ method: 'POST', url: `/v1/events${query}`, headers, payload: eventBody() })
    const ok = res.statusCode === 401 && res.headers['content-type'] === 'application/problem+json; charset=utf-8' && JSON.parse(res.body).code === 'UNAUTHENTICATED'
    t.ok(ok, `${name}: 401 UNAUTHENTICATED problem (got ${res.statusCode})`)
    if (ok) rejected++
  }
  const accepted = await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${good}` }, payload: eventBody() })
  t.equal(accepted.statusCode, 201, 'the good token is accepted')
  const listed = await app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${good}` } })
  t.equal(JSON.parse(listed.body).data.length, 1, 'only the good token wrote anything')
  const changed = await app.inject({ method: 'GET', url: `/v1/organizations/${org.id}` })
  t.equal(changed.json().version, 1, 'nor changed anything')
  t.comment(`${rejected} of ${bad.length} kinds of bad token rejected`)

  const gql = await app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${h}.${p}.`, 'content-type': 'application/json' }, payload: { query: '{ agencies { slug } }' } })
  t.equal(gql.statusCode, 401, 'GraphQL refuses it too')
  t.equal(JSON.parse(gql.body).errors[0].extensions.code, 'UNAUTHENTICATED')
})

t.test('when a verified token is presented again, then its signature is trusted but its times are checked again', async (t) => {
  const { createTokenVerifier } = await import('../src/auth/verify-token.ts')
  const { testConfig } = await import('./helpers/build.ts')
  let at = testClock.now()
  const verifier = createTokenVerifier(testConfig().auth, undefined, undefined, { now: () => at })
  const token = await sign(claims({ exp: now() + 60, nbf: now() }))
  t.same(await verifier(token), { kind: 'staff', subject: 'user-1', agencySlug: 'metro' }, 'accepted when first seen')
  t.same(await verifier(token), { kind: 'staff', subject: 'user-1', agencySlug: 'metro' }, 'accepted again')
  at = new Date(at.getTime() + 10 * 60_000)
  await t.rejects(verifier(token), { code: 'UNAUTHENTICATED' }, 'refused once expired, though its signature was checked before')
  const early = await sign(claims({ nbf: now() + 3600, exp: now() + 7200 }))
  at = testClock.now()
  await t.rejects(verifier(early), { code: 'UNAUTHENTICATED' }, 'not yet valid is refused')
  at = new Date(at.getTime() + 2 * 3600_000 - 60_000)
  t.same(await verifier(early), { kind: 'staff', subject: 'user-1', agencySlug: 'metro' }, 'valid once its time has come')
  const tampered = token.slice(0, -3) + (token.endsWith('A') ? 'BBB' : 'AAA')
  await t.rejects(verifier(tampered), { code: 'UNAUTHENTICATED' }, 'a different token (a changed signature) is checked afresh')
})
