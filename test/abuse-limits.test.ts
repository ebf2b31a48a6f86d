// Abuse limits: per-principal rate limits with RateLimit headers, security headers, and the CORS allow-list.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { checkResponse } from './helpers/openapi.ts'

t.test('when an anonymous caller exceeds its limit, then it gets 429 with Retry-After while signed-in callers go on', async (t) => {
  const { app } = await build(t, { env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3', RATE_LIMIT_PER_MINUTE: '5' } })
  const statuses: number[] = []
  const resets: unknown[] = []
  let last
  for (let i = 0; i < 4; i++) {
    last = await app.inject({ method: 'GET', url: '/v1/events' })
    statuses.push(last.statusCode)
    resets.push(last.headers['ratelimit-reset'])
  }
  t.same(statuses, [200, 200, 200, 429])
  t.equal(resets[0], '60', 'the window starts at the caller’s first request (not on the clock’s minute)')
  t.equal(last!.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(JSON.parse(last!.body).code, 'RATE_LIMITED')
  t.ok(Number(last!.headers['retry-after']) > 0, 'Retry-After says when to come back')
  t.equal(last!.headers['ratelimit-limit'], '3', 'RateLimit-Limit')
  t.equal(last!.headers['ratelimit-remaining'], '0', 'RateLimit-Remaining')
  t.same(checkResponse('GET', '/v1/events', last! as never), [], 'the 429 is the one openapi.yaml documents')

  const staff = await bearer({ sub: 'staff-a' })
  const signedIn = await app.inject({ method: 'GET', url: '/v1/events', headers: staff })
  t.equal(signedIn.statusCode, 200, 'a signed-in caller has its own allowance')
  t.equal(signedIn.headers['ratelimit-limit'], '5')
  for (let i = 0; i < 4; i++) await app.inject({ method: 'GET', url: '/v1/events', headers: staff })
  t.equal((await app.inject({ method: 'GET', url: '/v1/events', headers: staff })).statusCode, 429, 'and its own limit')
  t.equal((await app.inject({ method: 'GET', url: '/v1/events', headers: await bearer({ sub: 'staff-b' }) })).statusCode, 200, 'another principal is unaffected')
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'health probes are never limited')
})

t.test('when any response goes out, then it carries security headers', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'GET', url: '/v1/events' })
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.ok(res.headers['content-security-policy'], 'a content security policy')
  t.ok(res.headers['strict-transport-security'], 'HSTS')
  t.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
  t.notOk(res.headers['x-powered-by'])
})

t.test('when a browser on an allowed origin asks, then CORS allows it; other origins get no grant', async (t) => {
  const { app } = await build(t, { env: { CORS_ORIGINS: 'https://police.example.gov,https://partner.example.org' } })
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/v1/events',
    headers: { origin: 'https://partner.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'https://partner.example.org')
  t.match(String(preflight.headers['access-control-allow-headers']), /Idempotency-Key/)
  const allowed = await app.inject({ method: 'GET', url: '/v1/events', headers: { origin: 'https://police.example.gov' } })
  t.equal(allowed.headers['access-control-allow-origin'], 'https://police.example.gov')
  t.match(String(allowed.headers['access-control-expose-headers']), /ETag/)
  const other = await app.inject({ method: 'GET', url: '/v1/events', headers: { origin: 'https://evil.example.com' } })
  t.notOk(other.headers['access-control-allow-origin'], 'no grant for an origin not on the list')
})
