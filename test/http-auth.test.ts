// HTTP authentication details: the scheme's case, the challenge on every 401, and tokens issued in the future.
import { SignJWT } from 'jose'
import t from 'tap'
import { audience, issuer, signingKey, tokenFor } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'

/** A staff token whose `iat` is this many seconds after the app's now (the test clock). */
const issuedIn = (seconds: number) =>
  new SignJWT({ roles: ['staff'], agency: 'metro' })
    .setProtectedHeader({ alg: 'ES256', kid: 'test-key-1' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject('user-1')
    .setIssuedAt(Math.floor(testClock.now().getTime() / 1000) + seconds)
    .setExpirationTime(Math.floor(testClock.now().getTime() / 1000) + 3600)
    .sign(signingKey)

t.test('when the Bearer scheme is written in any case, then the token is accepted (RFC 9110 §11.1)', async (t) => {
  const { app } = await build(t)
  const token = await tokenFor()
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
    const res = await app.inject({ method: 'GET', url: '/v1/participants', headers: { authorization: `${scheme} ${token}` } })
    t.equal(res.statusCode, 200, `${scheme}: accepted`)
  }
})

t.test('when an answer is 401, then it carries a WWW-Authenticate challenge saying what was wrong (RFC 6750 §3)', async (t) => {
  const { app } = await build(t)
  // (GraphQL without a token answers 200 with UNAUTHENTICATED in the field's error, as GraphQL over HTTP says: no 401.)
  const gql = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/graphql', headers, payload: { query: '{ participants { nodes { id } } }' } })
  type Answer = { statusCode: number; headers: Record<string, unknown> }
  const cases: [string, () => Promise<Answer>, RegExp][] = [
    ['no token on a staff route', () => app.inject({ method: 'GET', url: '/v1/participants' }), /^Bearer realm="community-engagement-api"$/],
    ['an invalid token', () => app.inject({ method: 'GET', url: '/v1/participants', headers: { authorization: 'Bearer not.a.token' } }), /^Bearer realm="[^"]+", error="invalid_token"/],
    ['an invalid token on a public route', () => app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: 'Bearer not.a.token' } }), /error="invalid_token"/],
    ['a malformed header', () => app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: 'Token abc' } }), /error="invalid_request"/],
    ['a token in the query string', () => app.inject({ method: 'GET', url: '/v1/events?access_token=abc' }), /error="invalid_request"/],
    ['GraphQL with an invalid token', () => gql({ authorization: 'Bearer not.a.token' }), /error="invalid_token"/],
    [
      'the token endpoint with a wrong client',
      () => app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials&client_id=nobody&client_secret=wrong' }),
      /^Basic realm="partner-credentials"/,
    ],
  ]
  for (const [name, send, challenge] of cases) {
    const res = await send()
    t.equal(res.statusCode, 401, `${name}: 401`)
    t.match(res.headers['www-authenticate'], challenge, `${name}: ${challenge}`)
  }
})

t.test('when a token was issued in the future beyond the clock tolerance, then it is refused', async (t) => {
  const { app } = await build(t, { env: { AUTH_CLOCK_TOLERANCE_S: '5' } })
  const read = async (token: string) => (await app.inject({ method: 'GET', url: '/v1/participants', headers: { authorization: `Bearer ${token}` } })).statusCode
  t.equal(await read(await issuedIn(0)), 200, 'issued now: accepted')
  t.equal(await read(await issuedIn(3)), 200, 'issued 3 s ahead, within the 5 s tolerance: accepted')
  t.equal(await read(await issuedIn(60)), 401, 'issued a minute ahead: refused')
  t.equal(await read(await issuedIn(86_400)), 401, 'issued tomorrow: refused')
})
