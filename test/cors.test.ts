// CORS: by default any site may call with a constant `*` (bearer tokens, no cookies, so no credentials mode), `null`
// is never echoed, and a configured allow-list is reflected per origin with Vary: Origin on every answer.
import t from 'tap'
import { build } from './helpers/build.ts'
import { loadConfig } from '../src/config.ts'

const allowed = 'https://police.example.gov'
const origins = { 'an allowed origin': allowed, 'a random origin': 'https://random-1f3a.example.net', 'the null origin': 'null', 'no origin': undefined }
const varyOf = (h: Record<string, unknown>) => String(h.vary ?? '').toLowerCase().split(',').map((v) => v.trim())

type Case = { url: string; method: 'GET' | 'OPTIONS'; headers?: Record<string, string>; status: number }
const requests: Record<string, Case> = {
  'a simple GET of a list': { url: '/v1/events', method: 'GET', status: 200 },
  'a simple GET of a route that sets its own Vary': { url: '/v1/feedback', method: 'GET', status: 200 },
  'a GET answered 404': { url: '/v1/events/00000000-0000-4000-8000-000000000000', method: 'GET', status: 404 },
  'a preflight for an authenticated write': {
    url: '/v1/events',
    method: 'OPTIONS',
    headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
    status: 204,
  },
}

t.test('when no CORS origins are configured, then every origin gets a constant *, null is never echoed, and nothing varies by origin', async (t) => {
  const { app } = await build(t)
  for (const [who, origin] of Object.entries(origins)) {
    for (const [what, r] of Object.entries(requests)) {
      const res = await app.inject({ method: r.method, url: r.url, headers: { ...(origin ? { origin } : {}), ...(origin || r.method === 'GET' ? r.headers : {}) } })
      const name = `${what} from ${who}`
      t.equal(res.statusCode, r.status, name)
      t.equal(res.headers['access-control-allow-origin'], '*', `${name}: *`)
      t.notOk(res.headers['access-control-allow-credentials'], `${name}: no credentials mode`)
      t.notOk(varyOf(res.headers).includes('origin'), `${name}: the answer does not depend on Origin`)
      if (r.method === 'OPTIONS' && origin) {
        t.match(String(res.headers['access-control-allow-headers']), /Authorization/, `${name}: bearer tokens may be sent`)
        t.match(String(res.headers['access-control-allow-methods']), /POST/, `${name}: writes are allowed`)
      }
    }
  }
})

t.test('when an allow-list is configured, then only its origins are granted (reflected), and every answer carries Vary: Origin', async (t) => {
  const { app } = await build(t, { env: { CORS_ORIGINS: `${allowed}, https://partner.example.org` } })
  for (const [who, origin] of Object.entries(origins)) {
    for (const [what, r] of Object.entries(requests)) {
      const res = await app.inject({ method: r.method, url: r.url, headers: { ...(origin ? { origin } : {}), ...r.headers } })
      const name = `${what} from ${who}`
      t.equal(res.statusCode, r.status, name)
      t.equal(res.headers['access-control-allow-origin'], origin === allowed ? allowed : undefined, `${name}: ${origin === allowed ? 'granted' : 'no grant'}`)
      t.notOk(res.headers['access-control-allow-credentials'], `${name}: no credentials mode`)
      t.ok(varyOf(res.headers).includes('origin'), `${name}: Vary names Origin (${res.headers.vary})`)
    }
  }
  const own = await app.inject({ method: 'GET', url: '/v1/feedback', headers: { origin: allowed } })
  t.ok(varyOf(own.headers).includes('authorization'), "a route's own Vary is kept alongside Origin")
})

t.test('when CORS_ORIGINS names null, a path or something not an origin, then the configuration is refused', async (t) => {
  for (const bad of ['null', `${allowed},null`, `${allowed}/app`, 'police.example.gov', '*,https://x.example'])
    t.throws(() => loadConfig({ CORS_ORIGINS: bad }), /CORS_ORIGINS/, bad)
  t.equal(loadConfig({}).corsOrigins, '*', 'the default is any origin')
  t.same(loadConfig({ CORS_ORIGINS: ` ${allowed} , http://localhost:5173` }).corsOrigins, [allowed, 'http://localhost:5173'])
})
